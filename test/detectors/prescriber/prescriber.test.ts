import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce } from '../harness.ts';
import { explainOf } from '../prescription/explainOf.ts';
import { bulkVisits, mad, median, round, type BulkVisit } from '../provider_pattern/bulkClaims.ts';
import type { Store } from '../../../pipeline/store/store.ts';

let t: Awaited<ReturnType<typeof tempStore>>;
let store: Store;
beforeEach(async () => {
  t = await tempStore();
  store = t.store;
  const c = new ClaimFixtures(store);
  c.provider({ fixmedins_code: 'H1' }).provider({ fixmedins_code: 'H2', hosp_lv: '08' });
  await c.flush();
});
afterEach(() => t.cleanup());

const WINDOW = { from: '2026-01-01', to: '2026-06-30' };
const NICOTINAMIDE = 'XA11HAN001A001010100001';
const doc = (i: number) => `D${String(i).padStart(2, '0')}`;

/** One outpatient visit with one drug line. */
function rx(id: string, dr: string, o: { drug?: string; name?: string; cnt?: number; pric?: number; prd_days?: number; med_type?: string; diag?: string; code?: string; date?: string } = {}): BulkVisit {
  return {
    mdtrt_id: id,
    psn_no: `P-${id}`,
    fixmedins_code: o.code ?? 'H1',
    med_type: o.med_type ?? '11',
    begntime: `${o.date ?? '2026-03-10'} 09:00:00`,
    dscg_maindiag_code: o.diag ?? 'J06.900',
    cost: (o.cnt ?? 1) * (o.pric ?? 5),
    fee: { med_list_codg: o.drug ?? NICOTINAMIDE, name: o.name, list_type: '101', cnt: o.cnt ?? 1, pric: o.pric ?? 5, bilg_dr_codg: dr, prd_days: o.prd_days ?? 5 },
  };
}

describe('physician_drug_volume', () => {
  it('flags the physician at 200× the median volume of one drug; 8×, small drug groups and a long-prescription clinic at 500× volume but 2× per prescription stay quiet', async () => {
    const volumes = [2000, 8, 9, 10, 10, 10, 10, 80, 10, 11, 12, 10];
    const v: BulkVisit[] = [];
    volumes.forEach((vol, i) => {
      const lines = vol >= 100 ? 20 : 1;
      for (let k = 0; k < lines; k++) v.push(rx(`${doc(i)}-${k}`, doc(i), { cnt: vol / lines, code: i % 2 ? 'H2' : 'H1', name: '烟酰胺片' }));
    });
    // another drug prescribed by three physicians only, one at 1000×: group too small
    v.push(rx('X1', 'D01', { drug: 'XB01', cnt: 1000 }), rx('X2', 'D02', { drug: 'XB01', cnt: 1 }), rx('X3', 'D03', { drug: 'XB01', cnt: 1 }));
    // a chronic-care clinic: D50 writes 300 atorvastatin prescriptions of 2–6 boxes (4 to 12 weeks), 40× the volume
    // of the eleven physicians who write one 2-box prescription each — but an ordinary amount per prescription
    const STATIN = 'XC10AAA059A001010101445';
    for (let k = 0; k < 300; k++) v.push(rx(`S50-${k}`, 'D50', { drug: STATIN, cnt: [2, 2, 4, 6][k % 4], pric: 26.3 }));
    for (let i = 0; i < 11; i++) v.push(rx(`S${i}`, doc(60 + i), { drug: STATIN, cnt: 2, pric: 26.3 }));
    await bulkVisits(store, v);

    const alerts = await detectOnce(store, 'physician_drug_volume', WINDOW);
    expect(alerts.map((a) => [a.fixmedins_code, a.bilg_dr_codg])).toEqual([['H1', 'D00']]);
    const a = alerts[0]!;
    const logs = volumes.map(Math.log);
    expect(mad(logs) * 1.4826).toBeLessThan(0.1); // so the spread floor 0.1 applies
    expect(a.peer).toEqual({
      group: `开具同一药品的医师 physicians prescribing ${NICOTINAMIDE} (robust z on ln volume; spread = MAD of ln)`,
      size: 12,
      median: 10,
      spread: round(mad(logs), 4),
      score: round(Math.log(200) / 0.1, 2),
    });
    expect(a.measured).toMatchObject({ volume: 2000, lines: 20, ratio_to_peer_median: 200, amount: 10000, per_rx: 100, peer_median_per_rx: 10 });
    expect(a).toMatchObject({ subject_type: 'physician', admdvs: '421000', amount_at_risk: 9950 }); // (2000 − 10) × 5
    expect(await explainOf(store, a)).toBe(
      '医师 D00（H1）2026-01-01 至 2026-06-30 开具"烟酰胺片"数量 2000（20 条明细、20 人），为开具该药的 12 名医师中位数 10 的 200 倍，' +
        '超过 30 倍的阈值，每条处方 100、同行中位数 10；超出部分估计 9950.00 元',
    );
  });
});

describe('physician_oversized_rate', () => {
  function population(oversizedBy: number[]): BulkVisit[] {
    const v: BulkVisit[] = [];
    oversizedBy.forEach((over, i) => {
      for (let k = 0; k < 30; k++) {
        const id = `${doc(i)}-${k}`;
        if (i === 0 && k === 0) v.push(rx(id, doc(i), { med_type: '13', prd_days: 5, pric: 300 })); // emergency > 3 days
        else if (i === 0 && k === 29) v.push(rx(id, doc(i), { med_type: '140104', prd_days: 60, pric: 300 })); // chronic ≤ 84: fine
        else v.push(rx(id, doc(i), { prd_days: k < over ? 30 : 7, pric: 300 }));
      }
    });
    return v;
  }

  it('flags the physician whose oversized-prescription rate is far above peers', async () => {
    const oversized = [15, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 3];
    await bulkVisits(store, population(oversized));
    const alerts = await detectOnce(store, 'physician_oversized_rate', WINDOW);
    expect(alerts.map((a) => a.bilg_dr_codg)).toEqual(['D00']);
    const a = alerts[0]!;
    const rates = oversized.map((k) => k / 30);
    expect(a.peer).toMatchObject({ size: 12, median: round(median(rates), 4), spread: round(mad(rates), 4) });
    expect(a.peer?.score).toBe(round((0.5 - median(rates)) / (1.4826 * mad(rates)), 2));
    expect(a.measured).toMatchObject({ prescriptions: 30, oversized: 15, rate: 0.5 });
    // over-supply: 14 lines × 300 × 23/30 + 1 emergency line × 300 × 2/5 = 3340; × (0.5 − median) / 0.5
    expect(a.measured.oversupply_cost).toBe(3340);
    expect(a.amount_at_risk).toBe(round((3340 * (0.5 - median(rates))) / 0.5, 2));
    // median 1/30 = 3.3 %; z = (0.5 − 1/30) / (1.4826 × MAD 1/30) = 9.44; amount 3340 × (0.5 − 1/30) / 0.5 = 3117.33
    expect(await explainOf(store, a)).toBe(
      '医师 D00（H1）2026-01-01 至 2026-06-30 门诊处方 30 张，超量 15 张（超量率 50.0%），同行 12 名医师中位数 3.3%，' +
        '稳健 z 分数 9.44，超过阈值 3；超量部分药费估计 3117.33 元',
    );
  });

  it('does not count long prescriptions of chronic care (28-day statins or amlodipine, 56 days of a herbal medicine for hypertension) or a 14-day H. pylori course', async () => {
    const v = population([15, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 3]);
    const ATORVASTATIN = 'XC10AAA059A001010101445';
    const AMLODIPINE = 'XC08CAA001A001010101445';
    const HERBAL = 'ZA12BAS0123010101234';
    for (let k = 0; k < 30; k++) {
      // D20, a lipid clinic: two thirds 28-day statins on ordinary visits for E78.500
      v.push(rx(`D20-${k}`, 'D20', k < 20 ? { drug: ATORVASTATIN, prd_days: 28, diag: 'E78.500', pric: 52.6 } : { prd_days: 5 }));
      // D21: amlodipine for 28 days on visits coded only with a symptom (the drug class says chronic)
      v.push(rx(`D21-${k}`, 'D21', k < 20 ? { drug: AMLODIPINE, prd_days: 28, diag: 'R51.x00', pric: 18.5 } : { prd_days: 5 }));
      // D22: a Chinese patent medicine for 56 days on hypertension visits (the diagnosis says chronic)
      v.push(rx(`D22-${k}`, 'D22', k < 20 ? { drug: HERBAL, prd_days: 56, diag: 'I10.x00', pric: 64 } : { prd_days: 5 }));
      // D23, a gastroenterologist: two thirds 14-day H. pylori eradication regimens (the standard course)
      v.push(rx(`D23-${k}`, 'D23', k < 20 ? { drug: 'XJ01AAA001A001010101445', prd_days: 14, diag: 'B98.000', pric: 19.6 } : { prd_days: 5 }));
    }
    await bulkVisits(store, v);
    const alerts = await detectOnce(store, 'physician_oversized_rate', WINDOW);
    expect(alerts.map((a) => [a.bilg_dr_codg, a.measured.oversized, a.detector_version])).toEqual([['D00', 15, 2]]);
  });

  it('skips a peer group smaller than min_peers', async () => {
    await bulkVisits(store, population([15, 0, 1, 2]));
    expect(await detectOnce(store, 'physician_oversized_rate', WINDOW)).toEqual([]);
  });
});

describe('physician_rx_amount_peer', () => {
  it('flags the physician whose drug amount per visit for one diagnosis is far above peers', async () => {
    const means = [500, 50, 55, 60, 60, 65, 70, 75];
    const v: BulkVisit[] = [];
    means.forEach((m, i) => {
      for (let k = 0; k < 10; k++) v.push(rx(`${doc(i)}-${k}`, doc(i), { drug: 'XJ01', cnt: 1, pric: m }));
    });
    // K29.700: three physicians only (one at 10×): skipped
    for (let i = 0; i < 3; i++) for (let k = 0; k < 10; k++) v.push(rx(`G${i}-${k}`, doc(i), { drug: 'XJ02', pric: i === 0 ? 800 : 80, diag: 'K29.700' }));
    // a township hospital (一级) is its own peer group: three physicians at 500 neither join H1's group nor fire
    for (let i = 0; i < 3; i++) for (let k = 0; k < 10; k++) v.push(rx(`T${i}-${k}`, `T${i}`, { drug: 'XJ01', pric: 500, code: 'H2' }));
    // chronic-care visits (28-day supply) are compared with chronic-care visits only: D01's ten at 600 form a group of one
    for (let k = 0; k < 10; k++) v.push(rx(`CH-${k}`, 'D01', { drug: 'XJ01', pric: 600, med_type: '140104', prd_days: 28 }));
    // below min_visits: a physician with 5 visits at 5000
    for (let k = 0; k < 5; k++) v.push(rx(`R-${k}`, 'D99', { drug: 'XJ01', pric: 5000 }));
    await bulkVisits(store, v);

    const alerts = await detectOnce(store, 'physician_rx_amount_peer', WINDOW);
    expect(alerts.map((a) => [a.bilg_dr_codg, a.measured.dscg_maindiag_code])).toEqual([['D00', 'J06.900']]);
    const a = alerts[0]!;
    const logs = means.map(Math.log);
    expect(a.peer).toEqual({
      group: '同类型同级别机构的同主诊断医师 hospital · 三级 · physicians treating J06.900 · med_type 11x (robust z on ln mean amount; spread = MAD of ln)',
      size: 8,
      median: 62.5,
      spread: round(mad(logs), 4),
      score: round((Math.log(500) - median(logs)) / (1.4826 * mad(logs)), 2),
    });
    expect(a.measured).toMatchObject({ care_type: '11', visits: 10, mean_rx_amount: 500, ratio_to_peer_median: 8 });
    expect(a.amount_at_risk).toBe(4375); // (500 − 62.5) × 10
    expect(await explainOf(store, a)).toBe(
      '医师 D00（H1）2026-01-01 至 2026-06-30 主诊断 J06.900 的 10 次就诊次均处方金额 500.00 元，为同组 8 名医师中位数 62.50 元的 8 倍，' +
        '超过 2.5 倍的阈值；超出部分估计 4375.00 元',
    );
  });
});
