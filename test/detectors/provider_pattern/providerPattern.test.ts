import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce } from '../harness.ts';
import { bulkVisits, mad, median, round, type BulkVisit } from './bulkClaims.ts';
import { applyHolidayConfig } from '../../../detectors/provider_pattern/weekendHolidayActivity.ts';
import type { Store } from '../../../pipeline/store/store.ts';
import { detector as volumeSpike } from '../../../detectors/provider_pattern/providerVolumeSpike.ts';
import { detector as weekendHoliday } from '../../../detectors/provider_pattern/weekendHolidayActivity.ts';
import { detector as benford } from '../../../detectors/provider_pattern/benfordAmounts.ts';
import { detector as coAdmission } from '../../../detectors/provider_pattern/coAdmissionGroups.ts';
import { explainOf } from '../admission/explainOf.ts';

let t: Awaited<ReturnType<typeof tempStore>>;
let store: Store;
beforeEach(async () => {
  t = await tempStore();
  store = t.store;
});
afterEach(() => t.cleanup());

async function providers(codes: string[], hosp_lv = '08', type = 'hospital'): Promise<void> {
  const c = new ClaimFixtures(store);
  for (const code of codes) c.provider({ fixmedins_code: code, hosp_lv, fixmedins_type: type });
  await c.flush();
}

const pad = (n: number) => String(n).padStart(2, '0');

describe('provider_volume_spike', () => {
  const MONDAY0 = Date.parse('2026-03-02'); // weeks 0…8 start on Mondays 2026-03-02 … 2026-04-27
  /** n visits of 100 yuan in week w, Monday to Friday. */
  const week = (v: BulkVisit[], code: string, w: number, n: number) => {
    for (let i = 0; i < n; i++) {
      const day = new Date(MONDAY0 + (w * 7 + (i % 5)) * 86400000).toISOString().slice(0, 10);
      v.push({ mdtrt_id: `${code}-${w}-${i}`, psn_no: `P${i}`, fixmedins_code: code, begntime: `${day} 09:00:00`, cost: 100 });
    }
  };
  const WEEK8 = { from: '2026-04-27', to: '2026-05-03' };

  it('flags a week far above the provider’s own weeks; a moderate rise and a short history do not fire', async () => {
    await providers(['H1', 'H2', 'H3']);
    const v: BulkVisit[] = [];
    [40, 42, 38, 40, 41, 40, 39, 40, 120].forEach((n, w) => week(v, 'H1', w, n));
    [40, 40, 40, 40, 40, 40, 40, 40, 90].forEach((n, w) => week(v, 'H2', w, n)); // ratio 2.25 < 2.5
    [40, 40, 40].forEach((n, i) => week(v, 'H3', 5 + i, n));
    week(v, 'H3', 8, 200); // only three baseline weeks
    await bulkVisits(store, v);

    const alerts = await detectOnce(store, 'provider_volume_spike', WEEK8);
    expect(alerts.map((a) => a.fixmedins_code)).toEqual(['H1']);
    const a = alerts[0]!;
    // baseline: 8 weeks, median 40, MAD 0.5 → spread floor 0.1 × 40 = 4; score (120 − 40) / 4
    expect(a.peer).toEqual({ group: '本机构前 8 周每周就诊量', size: 8, median: 40, spread: 0.5, score: 20 });
    expect(a.measured).toMatchObject({
      week_from: '2026-04-27',
      week_to: '2026-05-03',
      visits: 120,
      amount: 12000,
      ratio_to_baseline: 3,
      baseline_median_amount: 4000,
      wave_peers: 2, // two hospitals with a baseline that week: too few to correct for a wave
      wave_factor: 1,
      ramp_up_from: null,
    });
    expect(a.amount_at_risk).toBe(8000);
    expect(explainOf(volumeSpike, a)).toBe(
      '2026-04-27 至 2026-05-03 一周就诊 120 人次，是本机构前 8 周中位数 40 人次的 3 倍（界限 2.5 倍），同类机构同周无普遍上升；超出常态的金额 8000.00 元',
    );
  });

  it('a new provider or a pharmacy joining outpatient pooling is left alone for ramp_up_weeks; a wave that lifts every clinic is corrected for', async () => {
    await providers(['H1']);
    await providers(['N1'], '11', 'clinic');
    await providers(['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7'], '11', 'clinic');
    const v: BulkVisit[] = [];
    [40, 40, 40, 40, 40, 40, 40, 40, 40].forEach((n, w) => week(v, 'H1', w, n)); // sets the data start: week 0
    [5, 12, 25, 40, 60, 150].forEach((n, i) => week(v, 'N1', 3 + i, n)); // a new clinic, opens in week 3
    // PH1: a pharmacy settling employees' personal-account purchases (no pooled fund) until it joins outpatient
    // pooling in week 6; then residents' pooled purchases quadruple its volume
    [10, 10, 10, 10, 10, 10, 40, 40, 40].forEach((n, w) => week(v, 'PH1', w, n));
    // flu season: every clinic at 2.75× its usual week; C7 at 8.25× (3× beyond the wave)
    for (const c of ['C1', 'C2', 'C3', 'C4', 'C5', 'C6']) [40, 40, 40, 40, 40, 40, 40, 40, 110].forEach((n, w) => week(v, c, w, n));
    [40, 40, 40, 40, 40, 40, 40, 40, 330].forEach((n, w) => week(v, 'C7', w, n));
    await bulkVisits(store, v);
    await providers(['PH1'], '11', 'pharmacy');
    await store.run(`UPDATE setl_d SET hifp_pay = 0, fund_pay_sumamt = 0, acct_pay = medfee_sumamt, cash_payamt = 0
                     WHERE mdtrt_id LIKE 'PH1-%' AND CAST(split_part(mdtrt_id, '-', 2) AS INTEGER) < 6`);

    const alerts = await detectOnce(store, 'provider_volume_spike', WEEK8);
    expect(alerts.map((a) => [a.fixmedins_code, a.amount_at_risk])).toEqual([['C7', 22000]]); // 33000 − 2.75 × 4000
    expect(alerts[0]!.measured).toMatchObject({ ratio_to_baseline: 8.25, peer_wave_ratio: 2.75, wave_peers: 7, wave_factor: 2.75, ratio_after_wave: 3 });
    // wave: the 7 clinics with a baseline that week (N1 is still ramping up); score (330 / 2.75 − 40) / 4
    expect(alerts[0]!.peer).toMatchObject({ median: 40, score: 20 });
    expect(explainOf(volumeSpike, alerts[0]!)).toBe(
      '2026-04-27 至 2026-05-03 一周就诊 330 人次，是本机构前 8 周中位数 40 人次的 8.25 倍（界限 2.5 倍），同类机构同周普遍上升至常态的 2.75 倍，校正后为 3 倍；超出常态的金额 22000.00 元',
    );

    // Without the ramp-up and the wave correction the new clinic and every clinic of the wave fire.
    await store.run('DELETE FROM alerts');
    const config = { detectors: { provider_volume_spike: { params: { ramp_up_weeks: 0, min_wave_peers: 50 } } } };
    const all = await detectOnce(store, 'provider_volume_spike', { ...WEEK8, config });
    expect(all.map((a) => a.fixmedins_code)).toEqual(['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'N1', 'PH1']);
    expect(all.find((a) => a.fixmedins_code === 'N1')!.measured).toMatchObject({ visits: 150, ramp_up_from: '2026-03-23' });
    expect(all.find((a) => a.fixmedins_code === 'PH1')!.measured).toMatchObject({ visits: 40, ratio_to_baseline: 4, ramp_up_from: '2026-04-13' });
  });
});

describe('weekend_holiday_activity', () => {
  /** 100 visits in the month; `rest` of them on the given rest dates, the others on working days. */
  function visits(code: string, rest: number, restDates: string[], workDates: string[], n = 100): BulkVisit[] {
    return Array.from({ length: n }, (_, i) => ({
      mdtrt_id: `${code}-${i}`,
      psn_no: `P${i}`,
      fixmedins_code: code,
      begntime: `${i < rest ? restDates[i % restDates.length] : workDates[i % workDates.length]} 10:00:00`,
      cost: 100,
    }));
  }
  const MARCH_WEEKEND = ['2026-03-07', '2026-03-08', '2026-03-14', '2026-03-15', '2026-03-21', '2026-03-22'];
  const MARCH_WORK = ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-09'];

  it('flags the clinic with a far higher weekend share than its peers; a small peer group is skipped', async () => {
    await providers(['C0', 'C1', 'C2', 'C3', 'C4', 'C5'], '11', 'clinic');
    await providers(['X1', 'X2'], '01');
    const rest = { C0: 60, C1: 10, C2: 12, C3: 15, C4: 18, C5: 20 };
    const v = Object.entries(rest).flatMap(([code, k]) => visits(code, k, MARCH_WEEKEND, MARCH_WORK));
    v.push(...visits('X1', 90, MARCH_WEEKEND, MARCH_WORK), ...visits('X2', 5, MARCH_WEEKEND, MARCH_WORK));
    v.push({ mdtrt_id: 'EMERG', psn_no: 'P1', fixmedins_code: 'C1', med_type: '13', begntime: '2026-03-08 03:00:00', cost: 100 });
    await bulkVisits(store, v);

    const alerts = await detectOnce(store, 'weekend_holiday_activity', { from: '2026-03-01', to: '2026-03-31' });
    expect(alerts.map((a) => a.fixmedins_code)).toEqual(['C0']);
    const a = alerts[0]!;
    const xs = Object.values(rest).map((k) => k / 100);
    expect(a.peer).toEqual({
      group: '诊所',
      size: 6,
      median: 0.165,
      spread: 0.04,
      score: round((0.6 - median(xs)) / (1.4826 * mad(xs)), 2),
    });
    expect(a.measured).toMatchObject({ visits: 100, rest_day_visits: 60, share: 0.6, excess_visits: 43.5, mean_cost_rest_day: 100, scheduled_visits_left_out: 0 });
    expect(a.amount_at_risk).toBe(4350);
    expect(explainOf(weekendHoliday, a)).toBe(
      '2026-03-01 至 2026-03-31 门诊就诊 100 人次中 60 人次在周末或法定节假日，占 60.0%，同组（诊所，6 家）中位数 16.5%，高出 43.5 个百分点（界限 15 个百分点）；估算超出部分金额 4350.00 元',
    );
  });

  it('seven-day hospitals (emergency service) and dialysis sessions are ordinary; the clinic billing weekends is still flagged', async () => {
    await providers(['S0', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6'], '05');
    await providers(['C0', 'C1', 'C2', 'C3', 'C4', 'C5', 'D0'], '11', 'clinic');
    const v: BulkVisit[] = [];
    // S0: an emergency-capable secondary hospital with weekend outpatient clinics (45 % rest-day share); S6 has no
    // emergency service and 60 %; peers 10–20 %.
    const hosp = { S0: 45, S1: 10, S2: 12, S3: 15, S4: 18, S5: 20, S6: 60 };
    for (const [code, k] of Object.entries(hosp)) v.push(...visits(code, k, MARCH_WEEKEND, MARCH_WORK));
    for (let i = 0; i < 5; i++) v.push({ mdtrt_id: `S0-er${i}`, psn_no: `E${i}`, fixmedins_code: 'S0', med_type: '13', begntime: `2026-03-0${i + 2} 02:00:00`, cost: 300 });
    // weekend admissions are ordinary too: 30 stays admitted on Saturdays at S1
    for (let i = 0; i < 30; i++) v.push({ mdtrt_id: `S1-ip${i}`, psn_no: `I${i}`, fixmedins_code: 'S1', med_type: '21', begntime: '2026-03-07 10:00:00', endtime: '2026-03-12 10:00:00', cost: 3000 });
    // D0: 100 ordinary visits (15 on rest days) and 120 haemodialysis sessions, 80 of them on Saturdays
    v.push(...visits('D0', 15, MARCH_WEEKEND, MARCH_WORK));
    for (let i = 0; i < 120; i++) {
      const day = i < 80 ? ['2026-03-07', '2026-03-14', '2026-03-21', '2026-03-28'][i % 4]! : MARCH_WORK[i % 6]!;
      // coded as in the generator: N18.5 with Z49.1; half of them also carry the procedure 39.95 only (no Z49)
      const coding = i % 2 ? { diag_codes: 'Z49.101' } : { dscg_maindiag_code: 'N18.500', oprn_oprt_codes: '39.9500' };
      v.push({ mdtrt_id: `D0-hd${i}`, psn_no: `K${i % 40}`, fixmedins_code: 'D0', med_type: '140201', begntime: `${day} 08:00:00`, dscg_maindiag_code: 'N18.500', cost: 420, fee: { med_list_codg: '003110000060000', cnt: 1, pric: 420 }, ...coding });
    }
    const rest = { C0: 10, C1: 12, C2: 15, C3: 18, C4: 20, C5: 16 };
    for (const [code, k] of Object.entries(rest)) v.push(...visits(code, k, MARCH_WEEKEND, MARCH_WORK));
    await bulkVisits(store, v);

    const alerts = await detectOnce(store, 'weekend_holiday_activity', { from: '2026-03-01', to: '2026-03-31' });
    expect(alerts.map((a) => [a.fixmedins_code, a.peer?.group, a.amount_at_risk])).toEqual([['S6', '二级医院', 4350]]); // peers S1–S6: median 16.5 %, (0.6 − 0.165) × 100 visits × 100 yuan
    // S0 alone in 二级医院·设急诊 (a group of one: no comparison); D0 without its dialysis sessions is at 15 %

    // the same data judged the old way (no emergency group at S0's 5 % share, dialysis sessions counted) flags S0 and D0 too
    await store.run('DELETE FROM alerts');
    const config = { detectors: { weekend_holiday_activity: { params: { min_emergency_share: 0.2, scheduled_oprn_prefixes: '', scheduled_diag_prefixes: '' } } } };
    const old = await detectOnce(store, 'weekend_holiday_activity', { from: '2026-03-01', to: '2026-03-31', config });
    expect(old.map((a) => [a.fixmedins_code, a.measured.share])).toEqual([
      ['D0', round(95 / 220, 4)],
      ['S0', 0.45],
      ['S6', 0.6],
    ]);
  });

  it('uses the official calendar: a Monday holiday is a rest day, a 调休 Saturday is a working day; config overrides apply', async () => {
    await providers(['C0', 'C1', 'C2', 'C3', 'C4', 'C5', 'C6'], '11', 'clinic');
    const WORK = ['2026-04-07', '2026-04-08', '2026-04-09'];
    const v = [
      ...visits('C0', 60, ['2026-04-06'], WORK), // 清明节 Monday
      ...visits('C6', 60, ['2026-05-09'], WORK), // 劳动节调休 Saturday: a working day
      ...visits('C1', 10, ['2026-04-11'], WORK),
      ...visits('C2', 12, ['2026-04-11'], WORK),
      ...visits('C3', 15, ['2026-04-12'], WORK),
      ...visits('C4', 18, ['2026-04-12'], WORK),
      ...visits('C5', 20, ['2026-04-18'], WORK),
    ];
    await bulkVisits(store, v);
    const window = { from: '2026-04-01', to: '2026-05-31' };
    expect((await detectOnce(store, 'weekend_holiday_activity', window)).map((a) => a.fixmedins_code)).toEqual(['C0']);
    const cal = await store.all(`SELECT strftime(day, '%Y-%m-%d') AS day, kind FROM holiday_calendar WHERE day IN ('2026-04-06', '2026-05-09') ORDER BY day`);
    expect(cal).toEqual([
      { day: '2026-04-06', kind: 'holiday' },
      { day: '2026-05-09', kind: 'workday' },
    ]);

    // Config section "holidays": 2026-04-06 back to normal (a Monday), 2026-05-09 a rest day.
    const config = { holidays: { normal: ['2026-04-06'], holidays: ['2026-05-09'] } };
    await applyHolidayConfig(store, config);
    await store.run('DELETE FROM alerts'); // alerts persist across runs; judge the next run alone
    expect(await store.all(`SELECT strftime(day, '%Y-%m-%d') AS day, kind FROM holiday_calendar WHERE day IN ('2026-04-06', '2026-05-09') ORDER BY day`)).toEqual([
      { day: '2026-05-09', kind: 'holiday' },
    ]);
    expect((await detectOnce(store, 'weekend_holiday_activity', { ...window, config })).map((a) => a.fixmedins_code)).toEqual(['C6']);
  });

  it('rejects a bad holidays config naming the key', async () => {
    await expect(applyHolidayConfig(store, { holidays: { workdays: ['2026-13-01'] } })).rejects.toThrow(/holidays\.workdays.*2026-13-01/);
    await expect(applyHolidayConfig(store, { holidays: { holidays: ['2026-05-09'], workdays: ['2026-05-09'] } })).rejects.toThrow(/2026-05-09/);
  });
});

describe('benford_amounts', () => {
  const BENFORD = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((d) => Math.log10(1 + 1 / (d + 1)));

  /** n amounts spread log-uniformly over [10, 1000): first digits follow Benford's law. */
  function benfordAmounts(n: number, shift: number): number[] {
    return Array.from({ length: n }, (_, k) => Math.round(10 ** (1 + 2 * (((k + 0.5) / n + shift) % 1)) * 100) / 100);
  }
  /** n amounts spread evenly over [400, 1000): first digits 4–9 only. */
  const fabricated = (n: number) => Array.from({ length: n }, (_, k) => Math.round((400 + (600 * (k + 0.5)) / n) * 100) / 100);

  function asVisits(code: string, amounts: number[]): BulkVisit[] {
    return amounts.map((cost, i) => ({ mdtrt_id: `${code}-${i}`, psn_no: `P${i}`, fixmedins_code: code, begntime: `2026-02-${pad(1 + (i % 28))} 10:00:00`, cost }));
  }

  function nigrini(amounts: number[]): { mad: number; excess: number } {
    const digit = (x: number) => Number(String(x).replace('.', '').replace(/^0+/, '')[0]);
    const counts = Array(9).fill(0) as number[];
    const sums = Array(9).fill(0) as number[];
    for (const x of amounts) {
      counts[digit(x) - 1]!++;
      sums[digit(x) - 1]! += x;
    }
    const n = amounts.length;
    const madv = counts.reduce((s, c, i) => s + Math.abs(c / n - BENFORD[i]!), 0) / 9;
    const excess = counts.reduce((s, c, i) => s + (c > BENFORD[i]! * n ? (c - BENFORD[i]! * n) * (sums[i]! / c) : 0), 0);
    return { mad: madv, excess };
  }

  it('flags the provider whose amounts fail the first-digit test; conforming and small samples do not', async () => {
    await providers(['B0', 'B1', 'B2', 'B3', 'B4', 'B5', 'B6']);
    const sets: Record<string, number[]> = { B0: fabricated(300) };
    for (let h = 1; h <= 5; h++) sets[`B${h}`] = benfordAmounts(300, h * 0.013);
    sets.B6 = fabricated(120); // fails too, but below min_sample 200
    await bulkVisits(store, Object.entries(sets).flatMap(([code, xs]) => asVisits(code, xs)));

    const alerts = await detectOnce(store, 'benford_amounts', { from: '2026-02-01', to: '2026-02-28' });
    expect(alerts.map((a) => a.fixmedins_code)).toEqual(['B0']);
    const a = alerts[0]!;
    const expected = nigrini(sets.B0!);
    const peers = Object.keys(sets).filter((k) => k !== 'B6').map((k) => nigrini(sets[k]!).mad);
    for (let h = 1; h <= 5; h++) expect(nigrini(sets[`B${h}`]!).mad).toBeLessThan(0.006); // close conformity
    expect(a.measured).toMatchObject({ amounts: 300, mad: round(expected.mad, 5), conformity: 'nonconformity' });
    expect((a.measured.observed_first_digit_shares as number[]).slice(0, 3)).toEqual([0, 0, 0]);
    expect(a.peer).toMatchObject({ size: 6, median: round(median(peers), 5), spread: round(mad(peers), 5) });
    expect(a.amount_at_risk).toBeCloseTo(expected.excess, 1);
  });

  it('amounts a price list decides are not tested: dialysis sessions and itemised billing at standard prices; made-up prices still fail', async () => {
    await providers(['B0', 'B1', 'B2', 'B3', 'B4', 'B5', 'B7', 'B8']);
    const v: BulkVisit[] = [];
    // B0 bills one 门诊综合服务费 line per visit at a made-up price (the generator's plant), 300 distinct prices
    fabricated(300).forEach((cost, i) => v.push({ mdtrt_id: `B0-${i}`, psn_no: `P${i}`, fixmedins_code: 'B0', begntime: `2026-02-${pad(1 + (i % 28))} 10:00:00`, cost, fee: { med_list_codg: '001199000990000', cnt: 1, pric: cost } }));
    for (let h = 1; h <= 5; h++) v.push(...asVisits(`B${h}`, benfordAmounts(300, h * 0.013)));
    // B7: a dialysis centre, every session 420.00 yuan (haemodialysis at its standard price)
    for (let i = 0; i < 300; i++) v.push({ mdtrt_id: `B7-${i}`, psn_no: `K${i % 50}`, fixmedins_code: 'B7', med_type: '140201', begntime: `2026-02-${pad(1 + (i % 28))} 08:00:00`, cost: 420, fee: { med_list_codg: '003110000060000', cnt: 1, pric: 420 } });
    // B8: itemised clinic, 1–4 boxes of one drug at its fixed 18.50: totals 18.50, 37.00, 55.50, 74.00
    for (let i = 0; i < 300; i++) v.push({ mdtrt_id: `B8-${i}`, psn_no: `Q${i}`, fixmedins_code: 'B8', begntime: `2026-02-${pad(1 + (i % 28))} 09:00:00`, cost: 18.5 * (1 + (i % 4)), fee: { med_list_codg: 'XA02BCA001A001010101234', list_type: '101', cnt: 1 + (i % 4), pric: 18.5 } });
    await bulkVisits(store, v);

    const window = { from: '2026-02-01', to: '2026-02-28' };
    const alerts = await detectOnce(store, 'benford_amounts', window);
    expect(alerts.map((a) => [a.fixmedins_code, a.measured.amounts, a.measured.amounts_at_standard_prices_left_out])).toEqual([['B0', 300, 0]]);
    const a = alerts[0]!;
    const sets = [fabricated(300), ...[1, 2, 3, 4, 5].map((h) => benfordAmounts(300, h * 0.013)), Array(300).fill(420), Array.from({ length: 300 }, (_, i) => 18.5 * (1 + (i % 4)))];
    const mads = sets.map((xs) => nigrini(xs).mad);
    expect(a.peer).toMatchObject({ group: '金额笔数达标的全部机构（≥ 200 笔）', size: 8, median: round(median(mads), 5) });
    expect(explainOf(benford, a)).toBe(
      `2026-02-01 至 2026-02-28 结算金额 300 笔（已剔除按标准单价计费的 0 笔）的首位数字分布偏离本福特定律，平均绝对偏差 MAD ${round(mads[0]!, 5)}，` +
        `超过不符合界限 0.015，并高于 8 家机构的中位数 ${round(median(mads), 5)}；首位为 1、2、3 的占比 0.0%、0.0%、0.0%（期望 30.1%、17.6%、12.5%）；` +
        `估算涉及金额 ${(Math.round(a.amount_at_risk * 100) / 100).toFixed(2)} 元`,
    );

    // without the standard-price rule the dialysis centre and the itemised clinic fail too
    await store.run('DELETE FROM alerts');
    const config = { detectors: { benford_amounts: { params: { standard_price_share: 1.01 } } } };
    expect((await detectOnce(store, 'benford_amounts', { ...window, config })).map((x) => x.fixmedins_code)).toEqual(['B0', 'B7', 'B8']);
  });

  it('skips the test when fewer than min_peers providers have enough amounts', async () => {
    await providers(['B0', 'B1', 'B2', 'B3']);
    const v = [...asVisits('B0', fabricated(300)), ...[1, 2, 3].flatMap((h) => asVisits(`B${h}`, benfordAmounts(300, h * 0.013)))];
    await bulkVisits(store, v);
    expect(await detectOnce(store, 'benford_amounts', { from: '2026-02-01', to: '2026-02-28' })).toEqual([]);
    // with the peer check turned off (min_peer_z 0, min_peers 1) the Benford test alone flags B0
    const config = { detectors: { benford_amounts: { params: { min_peer_z: 0, min_peers: 1 } } } };
    expect((await detectOnce(store, 'benford_amounts', { from: '2026-02-01', to: '2026-02-28', config })).map((a) => a.fixmedins_code)).toEqual(['B0']);
  });
});

describe('co_admission_groups', () => {
  it('flags the provider where three persons are admitted together three times; pairs, twice-only and 2-day gaps do not', async () => {
    await providers(['H1', 'H2', 'H3', 'H4']);
    const v: BulkVisit[] = [];
    const together = (code: string, persons: string[], dates: string[], gapDays = 0) => {
      dates.forEach((d, k) =>
        persons.forEach((p, j) => {
          const day = new Date(Date.parse(d) + j * gapDays * 86400000).toISOString().slice(0, 10);
          v.push({ mdtrt_id: `${code}-${p}-${k}`, psn_no: p, fixmedins_code: code, med_type: '21', begntime: `${day} 08:00:00`, endtime: `${day} 08:00:00`, cost: 3000 });
        }),
      );
    };
    const DATES = ['2026-01-05', '2026-03-09', '2026-05-11'];
    together('H1', ['A', 'B', 'C'], DATES);
    v.push({ mdtrt_id: 'H1-A-x', psn_no: 'A', fixmedins_code: 'H1', med_type: '21', begntime: '2026-02-20 08:00:00', cost: 5000 }); // alone
    together('H2', ['D', 'E'], DATES); // a pair only
    together('H3', ['F', 'G', 'H'], DATES.slice(0, 2)); // only twice
    together('H4', ['I', 'J', 'K'], DATES, 2); // two days apart
    await bulkVisits(store, v);

    const alerts = await detectOnce(store, 'co_admission_groups', { from: '2026-05-01', to: '2026-05-31' });
    expect(alerts.map((a) => a.fixmedins_code)).toEqual(['H1']);
    const a = alerts[0]!;
    expect(a.measured).toMatchObject({ persons: ['A', 'B', 'C'], persons_count: 3, pairs: 3, max_co_admissions: 3, stays_count: 9 });
    expect(a.amount_at_risk).toBe(27000);
    expect(a.peer).toEqual({
      group: '一级医院',
      size: 4,
      median: 1, // H1 3 persons, H2 2 (a repeated pair, too small a group), H3 and H4 none
      spread: 1,
      score: 1.35, // (3 − 1) / max(1.4826 × 1, 1)
    });
    expect(a.measured).toMatchObject({ households: 3, first_date: '2026-01-05', last_date: '2026-05-11' });
    expect(explainOf(coAdmission, a)).toBe(
      '2026-01-05 至 2026-05-11，参保人 A、B、C（来自 3 户）在本院多次同日入院，两人同日入院最多 3 次（界限 3 次、至少 3 人 3 户），疑似结伙住院；涉及住院 9 次，金额 27000.00 元',
    );
    // a window without the latest co-admission: nothing new
    await store.run('DELETE FROM alerts');
    expect(await detectOnce(store, 'co_admission_groups', { from: '2026-06-01', to: '2026-06-30' })).toEqual([]);
  });
});

describe('co_admission_groups knows families and accidents', () => {
  it('a family admitted together and a shared accident are ordinary; a ring with two relatives in it is still flagged', async () => {
    await providers(['H1', 'H2', 'H3']);
    const c = new ClaimFixtures(store);
    const person = (psn_no: string, psn_name: string, certno: string) => c.person({ psn_no, psn_name, certno });
    // H1: father, mother and child (the child has the father's surname; same ID region)
    person('F1', '王建国', '421002197501011234');
    person('F2', '李秀梅', '421002197703052345');
    person('F3', '王小明', '421002200806083456');
    // H2: three unrelated persons, together twice for COPD and once after one traffic accident
    person('U1', '张伟', '421003196001011111');
    person('U2', '刘洋', '421081196202022222');
    person('U3', '陈静', '421022196503033333');
    // H3: a ring of four, two of them brothers (赵, same ID region): three households
    person('R1', '赵强', '421002196001014444');
    person('R2', '赵刚', '421002196305055555');
    person('R3', '孙丽', '421003196807076666');
    person('R4', '周敏', '421087197009097777');
    await c.flush();
    const v: BulkVisit[] = [];
    const admit = (code: string, persons: string[], day: string, dx = 'J44.100') =>
      persons.forEach((p) => v.push({ mdtrt_id: `${code}-${p}-${day}`, psn_no: p, fixmedins_code: code, med_type: '21', begntime: `${day} 08:00:00`, endtime: `${day} 08:00:00`, dscg_maindiag_code: dx, cost: 3000 }));
    for (const d of ['2026-01-05', '2026-03-09', '2026-05-11']) admit('H1', ['F1', 'F2', 'F3'], d, 'J11.100');
    admit('H2', ['U1', 'U2', 'U3'], '2026-01-05');
    admit('H2', ['U1', 'U2', 'U3'], '2026-03-09');
    admit('H2', ['U1', 'U2', 'U3'], '2026-05-11', 'S82.200');
    for (const d of ['2026-01-05', '2026-03-09', '2026-05-11']) admit('H3', ['R1', 'R2', 'R3', 'R4'], d);
    await bulkVisits(store, v);

    const window = { from: '2026-05-01', to: '2026-05-31' };
    const alerts = await detectOnce(store, 'co_admission_groups', window);
    expect(alerts.map((a) => [a.fixmedins_code, a.measured.persons, a.measured.households, a.measured.pairs, a.amount_at_risk])).toEqual([
      ['H3', ['R1', 'R2', 'R3', 'R4'], 3, 5, 36000], // 6 pairs less the brothers' one; 12 stays × 3000
    ]);

    // counted the old way (every pair, accidents too) the family and the accident group fire as well
    await store.run('DELETE FROM alerts');
    const config = { detectors: { co_admission_groups: { params: { exclude_same_household: false, exclude_shared_injury: false, min_group_households: 1 } } } };
    expect((await detectOnce(store, 'co_admission_groups', { ...window, config })).map((a) => a.fixmedins_code)).toEqual(['H1', 'H2', 'H3']);
  });
});
