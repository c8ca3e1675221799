import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce } from '../harness.ts';
import { bulkVisits, mad, median, round, type BulkVisit } from '../provider_pattern/bulkClaims.ts';
import type { Store } from '../../../pipeline/store/store.ts';
import { detector as mccCc } from '../../../detectors/upcoding/mccCcShare.ts';
import { detector as topTier } from '../../../detectors/upcoding/topTierItemShare.ts';
import { detector as costPerStay } from '../../../detectors/upcoding/costPerStayPeer.ts';
import { detector as priceCeiling } from '../../../detectors/upcoding/priceOverCeiling.ts';
import { explainOf } from '../admission/explainOf.ts';

let t: Awaited<ReturnType<typeof tempStore>>;
let store: Store;
beforeEach(async () => {
  t = await tempStore();
  store = t.store;
});
afterEach(() => t.cleanup());

const WINDOW = { from: '2026-01-01', to: '2026-06-30' };

async function providers(codes: string[], hosp_lv: string, type = 'hospital', name = '测试市第一人民医院'): Promise<void> {
  const c = new ClaimFixtures(store);
  for (const code of codes) c.provider({ fixmedins_code: code, hosp_lv, fixmedins_type: type, fixmedins_name: name });
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
  /**
   * The case-mix expectation as the SQL computes it: each group's share at the reference providers of the kind
   * (`reference`: those whose raw share does not stand out), the provider itself left out.
   */
  function expectedShare(cells: Record<string, Record<string, [number, number]>>, code: string, reference: string[]): number {
    const mine = cells[code]!;
    const total = Object.values(mine).reduce((a, [n]) => a + n, 0);
    let sum = 0;
    for (const [g, [n]] of Object.entries(mine)) {
      let on = 0;
      let occ = 0;
      for (const other of reference) {
        if (other === code || !cells[other]![g]) continue;
        on += cells[other]![g]![0];
        occ += cells[other]![g]![1];
      }
      sum += n * (occ / on);
    }
    return sum / total;
  }

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
    // one case-mix group (J18, non-surgical): the expectation is the share at the other five
    // T0's raw share stands out (z 8.4, 42 points above the median): the reference is T1–T5
    const cells = Object.fromEntries(Object.entries(shares).map(([k, cc]) => [k, { J18: [30, cc] as [number, number] }]));
    const reference = ['T1', 'T2', 'T3', 'T4', 'T5'];
    const excess = Object.keys(shares).map((k) => shares[k as keyof typeof shares] / 30 - expectedShare(cells, k, reference));
    const med = median(excess);
    const spread = mad(excess);
    expect(a.peer).toEqual({ group: '一级医院', size: 6, median: round(med, 4), spread: round(spread, 4), score: round((excess[0]! - med) / (1.4826 * spread), 2) });
    expect(a.measured).toMatchObject({ stays: 30, mcc_cc_stays: 18, mcc_stays: 9, share: 0.6, expected_share: 0.16, excess_share: 0.44, excess_stays: round((0.44 - med) * 30, 1) });
    // (0.44 − median excess 0.0292) × 30 = 12.3 excess stays × (6000 − 4000)
    expect(a.amount_at_risk).toBe(24650);
    expect(a).toMatchObject({ subject_type: 'provider', admdvs: '421000', mdtrt_id: null });
    expect(explainOf(mccCc, a)).toBe(
      '2026-01-01 至 2026-06-30 出院 30 人次中 18 人次填报了 MCC/CC 并发症，占 60.0%；按本院病种结构、以同类机构（一级医院，6 家）的水平预期为 16.0%，' +
        '高出预期 44.0 个百分点，比同类机构的中位水平多 41.1 个百分点（界限 15.0 个百分点），疑似高编高套；估算涉及金额 24650.00 元',
    );
  });

  it('a hospital whose case mix is heavier (more strokes) is not an outlier; upcoding across its groups still is', async () => {
    await providers(['T0', 'T1', 'T2', 'T3', 'T4', 'T5', 'T7'], '08');
    const v: BulkVisit[] = [];
    const group = (code: string, diag: string, n: number, cc: number) =>
      v.push(...stays(code, n, cc).map((x, i) => ({ ...x, mdtrt_id: `${code}-${diag}-${i}`, dscg_maindiag_code: diag, diag_codes: i < cc ? x.diag_codes : 'J06.900' })));
    // peers: 30 pneumonias with 10–20 % MCC/CC, 10 strokes with half of them
    for (const [code, cc] of [['T1', 3], ['T2', 4], ['T3', 5], ['T4', 6], ['T5', 6]] as const) {
      group(code, 'J18.900', 30, cc);
      group(code, 'I63.900', 10, 5);
    }
    group('T7', 'J18.900', 6, 1); // T7 treats strokes mostly: raw share 20/40, as expected for its mix
    group('T7', 'I63.900', 34, 19);
    group('T0', 'J18.900', 30, 18); // T0 codes MCC/CC on most pneumonias
    group('T0', 'I63.900', 10, 8);
    await bulkVisits(store, v);

    const alerts = await detectOnce(store, 'mcc_cc_share', WINDOW);
    expect(alerts.map((a) => [a.fixmedins_code, a.measured.share])).toEqual([['T0', 0.65]]);
    const cells: Record<string, Record<string, [number, number]>> = {
      T0: { J18: [30, 18], I63: [10, 8] }, T7: { J18: [6, 1], I63: [34, 19] },
      ...Object.fromEntries([['T1', 3], ['T2', 4], ['T3', 5], ['T4', 6], ['T5', 6]].map(([k, cc]) => [k, { J18: [30, cc as number], I63: [10, 5] }])),
    };
    // T0 and T7 stand out on raw share (T7: 50 % against a median of 27.5 %, which the old comparison flagged): the
    // reference is T1–T5, and T7's strokes explain its share
    expect(alerts[0]!.measured.expected_share).toBe(round(expectedShare(cells, 'T0', ['T1', 'T2', 'T3', 'T4', 'T5']), 4));
    expect(round(20 / 40 - median([8, 9, 10, 11, 11, 20, 26].map((k) => k / 40)), 4)).toBeGreaterThan(0.2);
  });
});

describe('top_tier_item_share', () => {
  const TIERS = [
    ['001102000010000', 10, '普通门诊诊查费'],
    ['001102000010100', 20, '普通门诊诊查费(副主任医师)'],
    ['001102000010200', 30, '普通门诊诊查费(主任医师)'],
    ['001102000010300', 50, '普通门诊诊查费(知名专家)'],
  ] as const;
  function consults(code: string, n: number, top: number): BulkVisit[] {
    return Array.from({ length: n }, (_, i) => {
      const [item, price, name] = i < top ? TIERS[3] : TIERS[i % 3]!;
      return {
        mdtrt_id: `${code}-c${i}`,
        psn_no: `P${i}`,
        fixmedins_code: code,
        begntime: '2026-02-10 09:00:00',
        cost: price,
        fee: { med_list_codg: item, name, cnt: 1, pric: price },
      };
    });
  }

  it('flags the provider billing the top consultation tier far more than same-level peers', async () => {
    const c = new ClaimFixtures(store);
    for (const [code, , name] of TIERS) c.row('med_catalog', { med_list_codg: code, name, list_type: '201' });
    await c.flush();
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
      group: '一级医院·普通门诊诊查费（00110200001）',
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
    expect(explainOf(topTier, a)).toBe(
      '2026-01-01 至 2026-06-30 本院"普通门诊诊查费"等 4 档项目共收费 40 次，其中最高档"普通门诊诊查费(知名专家)"（50.00 元）24 次，占 60.0%；' +
        '同类机构（一级医院，6 家）中位数 8.8%（界限：高出 20 个百分点），疑似串换高套；估算多收 615.00 元',
    );
  });
});

describe('cost_per_stay_peer', () => {
  type Add = (code: string, diag: string, n: number, cost: number, extra?: Partial<BulkVisit>) => void;
  function adder(v: BulkVisit[]): Add {
    return (code, diag, n, cost, extra = {}) => {
      for (let i = 0; i < n; i++) {
        v.push({
          mdtrt_id: `${code}-${diag}-${extra.oprn_oprt_codes ?? 'm'}-${i}`, psn_no: `P${i}`, fixmedins_code: code, med_type: '21',
          begntime: '2026-04-01 09:00:00', endtime: '2026-04-05 09:00:00', dscg_maindiag_code: diag, dscg_maindiag_name: '急性阑尾炎', cost, ...extra,
        });
      }
    };
  }

  it('flags the provider whose mean cost per stay for one case-mix group is far above peers', async () => {
    await providers(['T0', 'T1', 'T2', 'T3', 'T4', 'T5', 'T7'], '08');
    const means = { T0: 12000, T1: 4000, T2: 4200, T3: 4400, T4: 4600, T5: 4800 };
    const v: BulkVisit[] = [];
    const add = adder(v);
    for (const [code, cost] of Object.entries(means)) add(code, 'K35.800', 5, cost);
    add('T7', 'K35.800', 3, 50000); // too few stays to compare
    add('T0', 'I63.900', 5, 40000, { dscg_maindiag_name: '脑梗死' }); // only three providers treat I63: skipped
    add('T1', 'I63.900', 5, 8000, { dscg_maindiag_name: '脑梗死' });
    add('T2', 'I63.900', 5, 8000, { dscg_maindiag_name: '脑梗死' });
    await bulkVisits(store, v);

    const alerts = await detectOnce(store, 'cost_per_stay_peer', WINDOW);
    expect(alerts.map((a) => [a.fixmedins_code, a.measured.case_mix_group])).toEqual([['T0', 'K35 急性阑尾炎·非手术']]);
    const a = alerts[0]!;
    const logs = Object.values(means).map(Math.log);
    expect(a.peer).toEqual({
      group: '一级医院·K35 急性阑尾炎·非手术',
      size: 6,
      median: 4500,
      spread: round(mad(logs), 4),
      score: round((Math.log(12000) - median(logs)) / (1.4826 * mad(logs)), 2),
    });
    expect(a.measured).toMatchObject({ diagnosis_group: 'K35', operation_group: null, provider_kind: '一级医院', stays: 5, mean_cost: 12000, ratio_to_peer_median: 2.67 });
    expect(a.amount_at_risk).toBe(37500); // (12000 − 4500) × 5
    expect(explainOf(costPerStay, a)).toBe(
      '2026-01-01 至 2026-06-30 本院 K35 急性阑尾炎·非手术 病组出院 5 人次，次均费用 12000.00 元，是同类机构（一级医院，6 家）中位数 4500.00 元的 2.67 倍（界限 1.3 倍）；估算多收 37500.00 元',
    );
  });

  it('compares like with like: surgical stays with surgical stays, an oncology hospital with oncology hospitals', async () => {
    await providers(['T0', 'T1', 'T2', 'T3', 'T4', 'T5', 'T8'], '05');
    await providers(['K1', 'K2', 'K3', 'K4', 'K5'], '03');
    await providers(['ONC'], '03', 'hospital', '测试市肿瘤医院');
    const v: BulkVisit[] = [];
    const add = adder(v);
    const surgical = { oprn_oprt_codes: '47.0100' };
    // T1–T5 operate on half of their appendicitis patients (11,000–13,000) and treat the others medically (4,000–4,800)
    [4000, 4200, 4400, 4600, 4800].forEach((cost, i) => {
      add(`T${i + 1}`, 'K35.800', 5, cost);
      add(`T${i + 1}`, 'K35.800', 5, 11000 + 500 * i, surgical);
    });
    add('T0', 'K35.800', 5, 12000); // medical stays at surgical cost: flagged
    add('T8', 'K35.800', 6, 12500, surgical); // operates on all its patients: ordinary for surgery
    // ONC: pneumonia in cancer patients costs three times a general tertiary hospital's
    for (const [i, code] of ['K1', 'K2', 'K3', 'K4', 'K5'].entries()) add(code, 'J18.900', 5, 6000 + 200 * i, { dscg_maindiag_name: '肺炎' });
    add('ONC', 'J18.900', 8, 19000, { dscg_maindiag_name: '肺炎' });
    await bulkVisits(store, v);

    const alerts = await detectOnce(store, 'cost_per_stay_peer', WINDOW);
    expect(alerts.map((a) => [a.fixmedins_code, a.peer?.group, a.peer?.size, a.amount_at_risk])).toEqual([['T0', '二级医院·K35 急性阑尾炎·非手术', 6, 37500]]); // (12000 − 4500) × 5
    // by diagnosis alone T8 (12,500 against mixed means of 7,500–8,900) and ONC (19,000 against ~6,400 in a group of six) would be outliers
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
    expect(explainOf(priceCeiling, a)).toBe('"项目"单价 60.00 元，超过限价 50.00 元；2026-02-03 收费 2 次；本次就诊另有 1 行超限价，合计超收 35.00 元');
  });
});
