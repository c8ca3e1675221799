import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce } from '../harness.ts';
import { bulkVisits, mad, median, round, type BulkVisit } from './bulkClaims.ts';
import { applyHolidayConfig } from '../../../detectors/provider_pattern/weekendHolidayActivity.ts';
import type { Store } from '../../../pipeline/store/store.ts';

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
  it('flags a week far above the provider’s own weeks; a moderate rise and a short history do not fire', async () => {
    await providers(['H1', 'H2', 'H3']);
    const v: BulkVisit[] = [];
    const MONDAY0 = Date.parse('2026-03-02'); // weeks 0…8 start on Mondays 2026-03-02 … 2026-04-27
    const week = (code: string, w: number, n: number) => {
      for (let i = 0; i < n; i++) {
        const day = new Date(MONDAY0 + (w * 7 + (i % 5)) * 86400000).toISOString().slice(0, 10);
        v.push({ mdtrt_id: `${code}-${w}-${i}`, psn_no: `P${i}`, fixmedins_code: code, begntime: `${day} 09:00:00`, cost: 100 });
      }
    };
    [40, 42, 38, 40, 41, 40, 39, 40, 120].forEach((n, w) => week('H1', w, n));
    [40, 40, 40, 40, 40, 40, 40, 40, 90].forEach((n, w) => week('H2', w, n)); // ratio 2.25 < 2.5
    [40, 40, 40].forEach((n, i) => week('H3', 5 + i, n));
    week('H3', 8, 200); // only three baseline weeks
    await bulkVisits(store, v);

    const alerts = await detectOnce(store, 'provider_volume_spike', { from: '2026-04-27', to: '2026-05-03' });
    expect(alerts.map((a) => a.fixmedins_code)).toEqual(['H1']);
    const a = alerts[0]!;
    // baseline: 8 weeks, median 40, MAD 0.5 → spread floor 0.1 × 40 = 4; score (120 − 40) / 4
    expect(a.peer).toEqual({ group: '本机构前 8 周 own previous weeks (visits per week; spread = MAD)', size: 8, median: 40, spread: 0.5, score: 20 });
    expect(a.measured).toMatchObject({ week_from: '2026-04-27', week_to: '2026-05-03', visits: 120, amount: 12000, ratio_to_baseline: 3, baseline_median_amount: 4000 });
    expect(a.amount_at_risk).toBe(8000);
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
      group: '同类型同级别机构 clinic · hosp_lv 11 (share of rest-day visits; spread = MAD)',
      size: 6,
      median: 0.165,
      spread: 0.04,
      score: round((0.6 - median(xs)) / (1.4826 * mad(xs)), 2),
    });
    expect(a.measured).toMatchObject({ visits: 100, rest_day_visits: 60, share: 0.6, excess_visits: 43.5, mean_cost_rest_day: 100 });
    expect(a.amount_at_risk).toBe(4350);
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
      group: '同类型同级别机构 hospital · 一级 (persons in repeated co-admission pairs; spread = MAD)',
      size: 4,
      median: 1, // H1 3 persons, H2 2 (a repeated pair, too small a group), H3 and H4 none
      spread: 1,
      score: 1.35, // (3 − 1) / max(1.4826 × 1, 1)
    });
    // a window without the latest co-admission: nothing new
    await store.run('DELETE FROM alerts');
    expect(await detectOnce(store, 'co_admission_groups', { from: '2026-06-01', to: '2026-06-30' })).toEqual([]);
  });
});
