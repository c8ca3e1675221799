import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce } from '../harness.ts';
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
function rx(id: string, dr: string, o: { drug?: string; cnt?: number; pric?: number; prd_days?: number; med_type?: string; diag?: string; code?: string; date?: string } = {}): BulkVisit {
  return {
    mdtrt_id: id,
    psn_no: `P-${id}`,
    fixmedins_code: o.code ?? 'H1',
    med_type: o.med_type ?? '11',
    begntime: `${o.date ?? '2026-03-10'} 09:00:00`,
    dscg_maindiag_code: o.diag ?? 'J06.900',
    cost: (o.cnt ?? 1) * (o.pric ?? 5),
    fee: { med_list_codg: o.drug ?? NICOTINAMIDE, list_type: '101', cnt: o.cnt ?? 1, pric: o.pric ?? 5, bilg_dr_codg: dr, prd_days: o.prd_days ?? 5 },
  };
}

describe('physician_drug_volume', () => {
  it('flags the physician at 200× the median volume of one drug; 8× (below min_ratio 30) and small drug groups stay quiet', async () => {
    const volumes = [2000, 8, 9, 10, 10, 10, 10, 80, 10, 11, 12, 10];
    const v: BulkVisit[] = [];
    volumes.forEach((vol, i) => {
      const lines = vol >= 100 ? 20 : 1;
      for (let k = 0; k < lines; k++) v.push(rx(`${doc(i)}-${k}`, doc(i), { cnt: vol / lines, code: i % 2 ? 'H2' : 'H1' }));
    });
    // another drug prescribed by three physicians only, one at 1000×: group too small
    v.push(rx('X1', 'D01', { drug: 'XB01', cnt: 1000 }), rx('X2', 'D02', { drug: 'XB01', cnt: 1 }), rx('X3', 'D03', { drug: 'XB01', cnt: 1 }));
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
    expect(a.measured).toMatchObject({ volume: 2000, lines: 20, ratio_to_peer_median: 200, amount: 10000 });
    expect(a).toMatchObject({ subject_type: 'physician', admdvs: '421000', amount_at_risk: 9950 }); // (2000 − 10) × 5
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
  });
});
