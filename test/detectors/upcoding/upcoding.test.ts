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
});
afterEach(() => t.cleanup());

const WINDOW = { from: '2026-01-01', to: '2026-06-30' };

async function providers(codes: string[], hosp_lv: string, type = 'hospital'): Promise<void> {
  const c = new ClaimFixtures(store);
  for (const code of codes) c.provider({ fixmedins_code: code, hosp_lv, fixmedins_type: type });
  await c.flush();
}

/** `n` stays at a provider; the first `withCc` carry an MCC (A01.100) or CC (A00.100) secondary diagnosis. */
function stays(code: string, n: number, withCc: number, costCc = 6000, costOther = 4000): BulkVisit[] {
  return Array.from({ length: n }, (_, i) => ({
    mdtrt_id: `${code}-${i}`,
    psn_no: `P${code}-${i}`,
    fixmedins_code: code,
    med_type: '21',
    begntime: '2026-03-01 09:00:00',
    endtime: '2026-03-06 10:00:00',
    dscg_maindiag_code: 'J18.900',
    // J18.900 is itself on the CC list: as the principal diagnosis repeated among the others it must not count
    diag_codes: i < withCc ? (i % 2 === 0 ? 'J06.900|A01.100' : 'A00.100|J18.900') : 'J06.900|J18.900',
    cost: i < withCc ? costCc : costOther,
  }));
}

describe('mcc_cc_share', () => {
  it('flags the township hospital whose MCC/CC share is far above same-level peers (57.89 % case)', async () => {
    await providers(['T0', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6'], '08');
    await providers(['A1', 'A2'], '01');
    const shares = { T0: 18, T1: 3, T2: 4, T3: 5, T4: 6, T5: 6 };
    const v: BulkVisit[] = Object.entries(shares).flatMap(([code, cc]) => stays(code, 30, cc));
    v.push(...stays('T6', 10, 10)); // 100 % but only 10 stays: not compared
    v.push(...stays('A1', 30, 27), ...stays('A2', 30, 3)); // tier 3: a group of two is skipped
    await bulkVisits(store, v);

    const alerts = await detectOnce(store, 'mcc_cc_share', WINDOW);
    expect(alerts.map((a) => a.fixmedins_code)).toEqual(['T0']);
    const a = alerts[0]!;
    const xs = [18, 3, 4, 5, 6, 6].map((k) => k / 30);
    const med = median(xs);
    const spread = mad(xs);
    expect(a.peer).toEqual({
      group: '同类型同级别机构 hospital · 一级 (share of stays with MCC/CC; spread = MAD)',
      size: 6,
      median: round(med, 4),
      spread: round(spread, 4),
      score: round((0.6 - med) / (1.4826 * spread), 2),
    });
    expect(a.measured).toMatchObject({ stays: 30, mcc_cc_stays: 18, mcc_stays: 9, share: 0.6, excess_stays: 12.5 });
    // 12.5 excess stays × (6000 − 4000)
    expect(a.amount_at_risk).toBe(25000);
    expect(a).toMatchObject({ subject_type: 'provider', admdvs: '421000', mdtrt_id: null });
  });
});

describe('top_tier_item_share', () => {
  const TIERS = [
    ['001102000010000', 10],
    ['001102000010100', 20],
    ['001102000010200', 30],
    ['001102000010300', 50],
  ] as const;
  function consults(code: string, n: number, top: number): BulkVisit[] {
    return Array.from({ length: n }, (_, i) => {
      const [item, price] = i < top ? TIERS[3] : TIERS[i % 3]!;
      return {
        mdtrt_id: `${code}-c${i}`,
        psn_no: `P${i}`,
        fixmedins_code: code,
        begntime: '2026-02-10 09:00:00',
        cost: price,
        fee: { med_list_codg: item, cnt: 1, pric: price },
      };
    });
  }

  it('flags the provider billing the top consultation tier far more than same-level peers', async () => {
    await providers(['T0', 'T1', 'T2', 'T3', 'T4', 'T5'], '08');
    await providers(['S1', 'S2', 'S3'], '05');
    const top = { T0: 24, T1: 2, T2: 2, T3: 3, T4: 4, T5: 4 };
    const v = Object.entries(top).flatMap(([code, k]) => consults(code, 40, k));
    v.push(...consults('S1', 40, 40), ...consults('S2', 40, 2), ...consults('S3', 40, 2)); // group of 3: skipped
    await bulkVisits(store, v);

    const alerts = await detectOnce(store, 'top_tier_item_share', WINDOW);
    expect(alerts.map((a) => a.fixmedins_code)).toEqual(['T0']);
    const a = alerts[0]!;
    const xs = [24, 2, 2, 3, 4, 4].map((k) => k / 40);
    expect(a.peer).toEqual({
      group: '同类型同级别机构 hospital · 一级 · 项目族 00110200001 (share of the top tier; spread = MAD)',
      size: 6,
      median: 0.0875,
      spread: 0.025,
      score: round((0.6 - median(xs)) / (1.4826 * mad(xs)), 2),
    });
    expect(a.measured).toMatchObject({
      item_family: '00110200001',
      top_item: '001102000010300',
      tiers: 4,
      family_count: 40,
      top_count: 24,
      share: 0.6,
      top_price: 50,
      other_tiers_mean_price: 20,
      excess_count: 20.5,
    });
    // 20.5 excess top-tier consultations × (50 − 20)
    expect(a.amount_at_risk).toBe(615);
  });
});

describe('cost_per_stay_peer', () => {
  it('flags the provider whose mean cost per stay for one diagnosis is far above peers', async () => {
    await providers(['T0', 'T1', 'T2', 'T3', 'T4', 'T5', 'T7'], '08');
    const means = { T0: 12000, T1: 4000, T2: 4200, T3: 4400, T4: 4600, T5: 4800 };
    const v: BulkVisit[] = [];
    const add = (code: string, diag: string, n: number, cost: number) => {
      for (let i = 0; i < n; i++) {
        v.push({ mdtrt_id: `${code}-${diag}-${i}`, psn_no: `P${i}`, fixmedins_code: code, med_type: '21', begntime: '2026-04-01 09:00:00', endtime: '2026-04-05 09:00:00', dscg_maindiag_code: diag, cost });
      }
    };
    for (const [code, cost] of Object.entries(means)) add(code, 'K35.800', 5, cost);
    add('T7', 'K35.800', 3, 50000); // too few stays to compare
    add('T0', 'I63.900', 5, 40000); // only three providers treat I63.900: skipped
    add('T1', 'I63.900', 5, 8000);
    add('T2', 'I63.900', 5, 8000);
    await bulkVisits(store, v);

    const alerts = await detectOnce(store, 'cost_per_stay_peer', WINDOW);
    expect(alerts.map((a) => [a.fixmedins_code, a.measured.dscg_maindiag_code])).toEqual([['T0', 'K35.800']]);
    const a = alerts[0]!;
    const logs = Object.values(means).map(Math.log);
    expect(a.peer).toEqual({
      group: '同类型同级别机构 hospital · 一级 · 主诊断 K35.800 (robust z on ln mean cost; spread = MAD of ln)',
      size: 6,
      median: 4500,
      spread: round(mad(logs), 4),
      score: round((Math.log(12000) - median(logs)) / (1.4826 * mad(logs)), 2),
    });
    expect(a.measured).toMatchObject({ stays: 5, mean_cost: 12000, ratio_to_peer_median: 2.67 });
    expect(a.amount_at_risk).toBe(37500); // (12000 − 4500) × 5
  });
});

describe('price_over_ceiling', () => {
  it('flags lines above the line ceiling or the catalogue ceiling; amount is the over-charge', async () => {
    const c = new ClaimFixtures(store);
    c.provider({ fixmedins_code: 'H1' });
    c.person({ psn_no: 'P1' });
    c.row('med_catalog', { med_list_codg: 'XCAT', name: '某药', list_type: '101', pric_uplmt_amt: 25 });
    c.row('med_catalog', { med_list_codg: 'XLINE', name: '某药2', list_type: '101', pric_uplmt_amt: 50 });
    for (const v of ['V1', 'V2', 'V3', 'V4']) {
      c.visit({ mdtrt_id: v, psn_no: 'P1', begntime: '2026-02-03 10:00:00' });
      c.settlement({ setl_id: `S${v}`, mdtrt_id: v, ...(v === 'V4' ? { refd_setl_flag: 1 } : {}) });
    }
    c.fee({ feedetl_sn: 'F1', mdtrt_id: 'V1', setl_id: 'SV1', med_list_codg: '001102000010000', pric: 60, cnt: 2, pric_uplmt_amt: 50 });
    c.fee({ feedetl_sn: 'F2', mdtrt_id: 'V1', setl_id: 'SV1', med_list_codg: 'XCAT', list_type: '101', pric: 30, cnt: 3 });
    c.fee({ feedetl_sn: 'F3', mdtrt_id: 'V1', setl_id: 'SV1', med_list_codg: '001102000010000', pric: 10, cnt: 1, pric_uplmt_amt: 50 });
    c.fee({ feedetl_sn: 'F4', mdtrt_id: 'V2', setl_id: 'SV2', pric: 50.01, cnt: 1, pric_uplmt_amt: 50 }); // within tolerance
    c.fee({ feedetl_sn: 'F5', mdtrt_id: 'V3', setl_id: 'SV3', med_list_codg: 'XLINE', list_type: '101', pric: 80, cnt: 1, pric_uplmt_amt: 100 }); // line ceiling wins
    c.fee({ feedetl_sn: 'F6', mdtrt_id: 'V4', setl_id: 'SV4', pric: 500, cnt: 1, pric_uplmt_amt: 50 }); // reversed settlement
    await c.flush();

    const alerts = await detectOnce(store, 'price_over_ceiling', WINDOW);
    expect(alerts.map((a) => a.mdtrt_id)).toEqual(['V1']);
    const a = alerts[0]!;
    expect(a).toMatchObject({ subject_type: 'visit', psn_no: 'P1', fixmedins_code: 'H1', feedetl_sn: ['F1', 'F2'], amount_at_risk: 35, peer: null });
    expect(a.measured).toMatchObject({ lines: 2, lines_total: 210, max_price_ratio: 1.2 });
    expect((a.measured.detail as { ceiling_source: string }[]).map((d) => d.ceiling_source)).toEqual(['fee_list_d', 'med_catalog']);
  });
});
