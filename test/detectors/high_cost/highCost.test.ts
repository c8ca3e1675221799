import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce } from '../harness.ts';
import type { Store } from '../../../pipeline/store/store.ts';

let t: Awaited<ReturnType<typeof tempStore>>;
let store: Store;
beforeEach(async () => {
  t = await tempStore();
  store = t.store;
});
afterEach(() => t.cleanup());

const WINDOW = { from: '2026-01-01', to: '2026-06-30' };

describe('high_cost_single_stay', () => {
  it('flags a stay ≥ 150,000 with the same-diagnosis peer median, and only that stay', async () => {
    const c = new ClaimFixtures(store);
    c.provider({ fixmedins_code: 'H1' });
    c.person({ psn_no: 'P1' });
    const stay = (id: string, cost: number, diag = 'J18.900', extra: Record<string, string | number | null> = {}) => {
      c.visit({ mdtrt_id: id, psn_no: 'P1', med_type: '21', begntime: '2026-03-01 09:00:00', endtime: '2026-03-09 10:00:00', dscg_maindiag_code: diag, ...extra });
      c.settlement({ setl_id: `S${id}`, mdtrt_id: id, medfee_sumamt: cost });
    };
    for (let i = 0; i < 10; i++) stay(`N${i}`, 5000 + 100 * i); // ordinary pneumonia stays
    stay('BIG', 160000); // planted
    stay('NEAR', 149999.99, 'K35.800'); // just under the threshold
    stay('RARE', 155000, 'C34.900'); // above, but no peer group: excess over the threshold
    c.visit({ mdtrt_id: 'OUT', psn_no: 'P1', med_type: '11', begntime: '2026-03-02 09:00:00' });
    c.settlement({ setl_id: 'SOUT', mdtrt_id: 'OUT', medfee_sumamt: 200000 }); // outpatient: not a stay
    stay('REV', 300000, 'J18.900', { begntime: '2026-04-01 09:00:00', endtime: '2026-04-03 09:00:00' });
    c.settlement({ setl_id: 'SREV', mdtrt_id: 'REV', medfee_sumamt: 300000, refd_setl_flag: 1 });
    await c.flush();
    // the fixture's first SREV row duplicates the key: keep only the reversed one
    await store.run("DELETE FROM setl_d WHERE setl_id = 'SREV' AND refd_setl_flag = 0");

    const alerts = await detectOnce(store, 'high_cost_single_stay', WINDOW);
    expect(alerts.map((a) => a.mdtrt_id)).toEqual(['BIG', 'RARE']);
    const big = alerts[0]!;
    expect(big).toMatchObject({ psn_no: 'P1', fixmedins_code: 'H1', subject_type: 'visit', admdvs: '421000', amount_at_risk: 154500 });
    expect(big.measured).toMatchObject({ total_cost: 160000, settlements: 1 });
    expect(big.threshold).toEqual({ min_stay_cost: 150000 });
    // 11 J18.900 stays: 5000…5900 and 160000 → median 5500, MAD 300
    expect(big.peer).toEqual({ group: '同主诊断住院 stays with principal diagnosis J18.900', size: 11, median: 5500, spread: 300, score: 29.09 });
    const rare = alerts[1]!;
    expect(rare.amount_at_risk).toBe(5000);
    expect(rare.peer).toMatchObject({ size: 1, median: 155000 });
    expect(String(rare.measured.amount_basis)).toContain('threshold');
  });
});

describe('high_cost_peer_outlier', () => {
  async function population(): Promise<void> {
    const c = new ClaimFixtures(store);
    c.provider({ fixmedins_code: 'H1' });
    let n = 0;
    /** A person whose 12-month cost is `cost`, spread over `visits` visits. */
    const person = (psn_no: string, cost: number, p: Record<string, string> = {}, med_type = '11', visits = 1) => {
      c.person({ psn_no, gend: '1', brdy: '1960-06-01', insutype: '310', ...p });
      for (let v = 0; v < visits; v++) {
        c.visit({ mdtrt_id: `V${psn_no}-${v}`, psn_no, med_type, begntime: `2026-0${1 + (n++ % 6)}-10 09:00:00` });
        c.settlement({ setl_id: `S${psn_no}-${v}`, mdtrt_id: `V${psn_no}-${v}`, medfee_sumamt: cost / visits });
      }
    };
    // Men aged 65, employee insurance, no chronic care: 10 × 2000, 10 × 4000, 10 × 8000, one at 10× and two at 50× the
    // median — HIGH over two visits, ONE in a single visit (that is high_cost_single_stay's finding, not this one).
    for (let i = 0; i < 10; i++) {
      person(`A${i}`, 2000);
      person(`B${i}`, 4000);
      person(`C${i}`, 8000);
    }
    person('NEAR', 40000, {}, '11', 2);
    person('HIGH', 200000, {}, '11', 2);
    person('ONE', 200000);
    // A group of five women aged 30: far outlier, but the group is too small.
    for (let i = 0; i < 4; i++) person(`W${i}`, 1000, { gend: '2', brdy: '1995-05-05' });
    person('WHIGH', 500000, { gend: '2', brdy: '1995-05-05' });
    // Chronic-care status is its own group (size 1): skipped.
    person('CHRONIC', 200000, {}, '140104');
    await c.flush();
  }

  it('flags the person far above age/sex/insurance/chronic peers with robust z on ln cost', async () => {
    await population();
    const alerts = await detectOnce(store, 'high_cost_peer_outlier', WINDOW);
    expect(alerts.map((a) => a.psn_no)).toEqual(['HIGH']);
    const a = alerts[0]!;
    expect(a).toMatchObject({ subject_type: 'person', fixmedins_code: null, admdvs: '421000', amount_at_risk: 196000 });
    // 33 peers: median 4000, MAD of ln cost = ln 2; z = ln 50 / (1.4826 · ln 2) = 3.81
    expect(a.peer).toEqual({
      group: '参保地 421000 · 年龄 60-69 · 性别 1 · 险种 310 · 非慢特病 (robust z on ln cost; spread = MAD of ln cost)',
      size: 33,
      median: 4000,
      spread: 0.6931,
      score: 3.81,
    });
    expect(a.measured).toMatchObject({ cost_12m: 200000, visits: 2, period_from: '2025-07-01', period_to: '2026-06-30' });
    expect(a.threshold).toEqual({ z_threshold: 3.5, min_annual_cost: 100000, min_peer_size: 30, min_visits: 2 });
  });

  it('a lower z threshold and cost floor from config also flag the 10× person (z 2.24), never the small groups', async () => {
    await population();
    const config = { detectors: { high_cost_peer_outlier: { params: { z_threshold: 2, min_annual_cost: 20000 } } } };
    const alerts = await detectOnce(store, 'high_cost_peer_outlier', { ...WINDOW, config });
    expect(alerts.map((a) => [a.psn_no, a.peer?.score])).toEqual([
      ['HIGH', 3.81],
      ['NEAR', 2.24],
    ]);
  });
});

describe('high_cost_own_baseline', () => {
  it('flags a month far above the own active months; near misses and short histories stay quiet', async () => {
    const c = new ClaimFixtures(store);
    c.provider({ fixmedins_code: 'H1' });
    const months = (psn_no: string, costs: Record<string, number>) => {
      c.person({ psn_no });
      for (const [m, cost] of Object.entries(costs)) {
        c.visit({ mdtrt_id: `${psn_no}-${m}`, psn_no, begntime: `2026-${m}-12 09:00:00` });
        c.settlement({ setl_id: `S${psn_no}-${m}`, mdtrt_id: `${psn_no}-${m}`, medfee_sumamt: cost });
      }
    };
    months('SPIKE', { '01': 200, '02': 200, '03': 250, '04': 200, '05': 180, '06': 30000 });
    months('NEAR', { '01': 5000, '02': 5000, '03': 5000, '04': 5000, '05': 5000, '06': 24000 }); // ratio 4.8 < 5
    months('SMALL', { '01': 200, '02': 200, '03': 200, '04': 200, '05': 200, '06': 15000 }); // excess 14800 < 20000
    months('SHORT', { '02': 200, '03': 200, '04': 200, '05': 200, '06': 30000 }); // 4 baseline months < 5
    await c.flush();

    const alerts = await detectOnce(store, 'high_cost_own_baseline', WINDOW);
    expect(alerts.map((a) => a.psn_no)).toEqual(['SPIKE']);
    const a = alerts[0]!;
    expect(a).toMatchObject({ subject_type: 'person', admdvs: '421000', amount_at_risk: 29800 });
    expect(a.measured).toMatchObject({ month: '2026-06', month_cost: 30000 });
    // baseline Jan–May: 200, 200, 250, 200, 180 → median 200, MAD 0
    expect(a.peer).toEqual({
      group: '本人前12个月有费用月份 own active months in the previous 12 (score = month / median)',
      size: 5,
      median: 200,
      spread: 0,
      score: 150,
    });
  });
});
