import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce } from '../harness.ts';
import type { Store } from '../../../pipeline/store/store.ts';
import { detector as singleStay } from '../../../detectors/high_cost/highCostSingleStay.ts';
import { detector as peerOutlier } from '../../../detectors/high_cost/highCostPeerOutlier.ts';
import { detector as ownBaseline } from '../../../detectors/high_cost/highCostOwnBaseline.ts';
import { explainOf } from '../admission/explainOf.ts';

let t: Awaited<ReturnType<typeof tempStore>>;
let store: Store;
beforeEach(async () => {
  t = await tempStore();
  store = t.store;
});
afterEach(() => t.cleanup());

const WINDOW = { from: '2026-01-01', to: '2026-06-30' };

describe('high_cost_single_stay', () => {
  const PROSTHESIS = 'C0703040400000001234';
  async function claims(): Promise<void> {
    const c = new ClaimFixtures(store);
    c.provider({ fixmedins_code: 'H1' });
    c.person({ psn_no: 'P1' });
    type F = Record<string, string | number | null>;
    const stay = (id: string, cost: number, diag = 'J18.900', extra: F = {}, lines: F[] = []) => {
      c.visit({ mdtrt_id: id, psn_no: 'P1', med_type: '21', begntime: '2026-03-01 09:00:00', endtime: '2026-03-13 10:00:00', dscg_maindiag_code: diag, ...extra });
      c.settlement({ setl_id: `S${id}`, mdtrt_id: id, medfee_sumamt: cost });
      lines.forEach((l, i) => c.fee({ feedetl_sn: `${id}-${i}`, mdtrt_id: id, setl_id: `S${id}`, fee_ocur_time: '2026-03-02 09:00:00', ...l }));
    };
    // prosthesis, operation, 12 bed days and the rest of the stay as one line of its own (an item seen once has no usual price)
    let rest = 0;
    const hip = (prosthesis: number, other: number): F[] => [
      { med_list_codg: PROSTHESIS, hilist_name: '人工髋关节假体(套)', list_type: '301', med_chrgitm_type: '08', pric: prosthesis },
      { med_list_codg: '003314990010000', hilist_name: '人工全髋关节置换术', med_chrgitm_type: '06', pric: 5800 },
      { med_list_codg: '001109000010000', hilist_name: '普通病房床位费', med_chrgitm_type: '01', cnt: 12, pric: 45 },
      { med_list_codg: `XREST${rest++}`, hilist_name: '其他', list_type: '101', med_chrgitm_type: '09', pric: Math.round((other - 540) * 100) / 100 },
    ];
    for (let i = 0; i < 24; i++) stay(`N${String(i).padStart(2, '0')}`, 5000 + 100 * i); // ordinary pneumonia stays
    for (let i = 0; i < 6; i++) stay(`L${i}`, 40000, 'S72.000', { oprn_oprt_codes: '81.5100' }, hip(26800, 7400)); // hip replacements
    // PAD: a pneumonia stay of 160,000 yuan, 25× its case-mix group, with no intensive care in it
    stay('PAD', 160000);
    // IMPLANT: a hip replacement with the prosthesis billed at 110,000 (usual 26,800)
    stay('IMPLANT', 152000, 'S72.000', { oprn_oprt_codes: '81.5100' }, hip(110000, 36200));
    // NEARPRICE: prosthesis at 2.9× its usual price (below 3×); NEAR: 149,999.99 yuan with the same fourfold prosthesis
    stay('NEARPRICE', 152000, 'S72.000', { oprn_oprt_codes: '81.5100' }, hip(77720, 68480));
    stay('NEAR', 149999.99, 'S72.000', { oprn_oprt_codes: '81.5100' }, hip(110000, 34199.99));
    // Expensive but ordinary: ICU pneumonia (ICU bed days), ECMO (39.65), targeted lung-cancer drugs (XL01)
    stay('ICU', 200000, 'J18.900', { diag_codes: 'J96.000' }, [{ med_list_codg: '001109000030100', hilist_name: '重症监护病房床位费', med_chrgitm_type: '01', cnt: 12, pric: 150 }]);
    stay('ECMO', 350000, 'J96.000', { oprn_oprt_codes: '39.6500|96.7201' });
    stay('TARGETED', 180000, 'C34.900', {}, [{ med_list_codg: 'XL01XEA001A001010101234', hilist_name: '甲磺酸奥希替尼片', list_type: '101', med_chrgitm_type: '09', cnt: 30, pric: 4980 }]);
    c.visit({ mdtrt_id: 'OUT', psn_no: 'P1', med_type: '11', begntime: '2026-03-02 09:00:00' });
    c.settlement({ setl_id: 'SOUT', mdtrt_id: 'OUT', medfee_sumamt: 200000 }); // outpatient: not a stay
    stay('REV', 300000, 'J18.900', { begntime: '2026-04-01 09:00:00', endtime: '2026-04-03 09:00:00' });
    c.settlement({ setl_id: 'SREV', mdtrt_id: 'REV', medfee_sumamt: 300000, refd_setl_flag: 1 });
    await c.flush();
    // the fixture's first SREV row duplicates the key: keep only the reversed one
    await store.run("DELETE FROM setl_d WHERE setl_id = 'SREV' AND refd_setl_flag = 0");
  }

  it('flags the overpriced implant and the padded stay; intensive care, ECMO, targeted drugs and near misses stay quiet', async () => {
    await claims();
    const alerts = await detectOnce(store, 'high_cost_single_stay', WINDOW);
    expect(alerts.map((a) => [a.mdtrt_id, a.measured.findings, a.feedetl_sn, a.amount_at_risk])).toEqual([
      ['IMPLANT', ['price'], ['IMPLANT-0'], 83200], // (110000 − 26800) × 1
      ['PAD', ['case_mix'], [], 153750], // 160000 − median 6250 of the 26 non-surgical J18 stays
    ]);
    const implant = alerts[0]!;
    expect(implant).toMatchObject({ psn_no: 'P1', fixmedins_code: 'H1', subject_type: 'visit', admdvs: '421000' });
    expect(implant.measured).toMatchObject({
      total_cost: 152000,
      overprice_amount: 83200,
      overpriced_lines: [{ feedetl_sn: 'IMPLANT-0', med_list_codg: PROSTHESIS, name: '人工髋关节假体(套)', pric: 110000, usual_pric: 26800, cnt: 1, excess: 83200 }],
      high_intensity_care: false,
    });
    expect(alerts[1]!.peer).toEqual({ group: 'J18 肺炎·非手术', size: 26, median: 6250, spread: 650, score: 25.6 });
    expect(explainOf(singleStay, implant)).toBe(
      '2026-03-01 至 2026-03-13 住院（主诊断 S72.000）总费用 152000.00 元（审查线 150000.00 元），其中"人工髋关节假体(套)"单价 110000.00 元，' +
        '为同病组该项目常用单价 26800.00 元的 4.1 倍（界限 3 倍），高于常用单价部分共 83200.00 元，占总费用 54.7%；涉及金额 83200.00 元',
    );
    expect(explainOf(singleStay, alerts[1]!)).toBe(
      '2026-03-01 至 2026-03-13 住院（主诊断 J18.900）总费用 160000.00 元（审查线 150000.00 元），为同病组（J18 肺炎·非手术，26 次住院）中位数 6250.00 元的 25.6 倍' +
        '（界限 4 倍），且无重症监护、ECMO、透析、放化疗等高强度治疗；涉及金额 153750.00 元',
    );
  });

  it('without the high-intensity list the ICU stay is a case-mix outlier too (the list is what clears it)', async () => {
    await claims();
    const config = { detectors: { high_cost_single_stay: { params: { intensive_item_prefixes: '', intensive_oprn_prefixes: '', intensive_diag_prefixes: '' } } } };
    const alerts = await detectOnce(store, 'high_cost_single_stay', { ...WINDOW, config });
    expect(alerts.map((a) => a.mdtrt_id)).toEqual(['ICU', 'IMPLANT', 'PAD']);
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
    // the same care (outpatient J18 visits) costs 4000 at the median: expected 2 × 4000; 200000 − max(4000, 8000)
    expect(a).toMatchObject({ subject_type: 'person', fixmedins_code: null, admdvs: '421000', amount_at_risk: 192000 });
    // 33 peers: median 4000, MAD of ln cost = ln 2; z = ln 50 / (1.4826 · ln 2) = 3.81
    expect(a.peer).toEqual({
      group: '参保地 421000·60–69岁·男·职工医保·非慢特病',
      size: 33,
      median: 4000,
      spread: 0.6931,
      score: 3.81,
    });
    expect(a.measured).toMatchObject({ cost_12m: 200000, visits: 2, period_from: '2025-07-01', period_to: '2026-06-30', case_mix_expected_cost: 8000, ratio_to_case_mix: 25 });
    expect(a.threshold).toEqual({ z_threshold: 3.5, min_annual_cost: 100000, min_peer_size: 30, min_visits: 2, min_case_mix_ratio: 2 });
    expect(explainOf(peerOutlier, a)).toBe(
      '2025-07-01 至 2026-06-30 共就诊 2 次、费用 200000.00 元，远高于同类人群（参保地 421000·60–69岁·男·职工医保·非慢特病，33 人）中位数 4000.00 元（稳健 z 3.81，界限 3.5），' +
        '也是这些诊疗按同病组常见费用应花的 8000.00 元的 25 倍（界限 2 倍）；估算超出 192000.00 元',
    );
  });

  it('expensive but ordinary care (ECMO, targeted cancer drugs, intensive care) is not an outlier; stays far dearer than the same stays elsewhere are', async () => {
    const c = new ClaimFixtures(store);
    c.provider({ fixmedins_code: 'H1' });
    type F = Record<string, string | number | null>;
    let n = 0;
    const visit = (psn_no: string, cost: number, extra: F = {}, lines: F[] = []) => {
      const id = `V${psn_no}-${n++}`;
      c.visit({ mdtrt_id: id, psn_no, med_type: '11', begntime: `2026-0${1 + (n % 6)}-10 09:00:00`, dscg_maindiag_code: 'J06.900', ...extra });
      c.settlement({ setl_id: `S${id}`, mdtrt_id: id, medfee_sumamt: cost });
      lines.forEach((l, i) => c.fee({ feedetl_sn: `${id}-${i}`, mdtrt_id: id, setl_id: `S${id}`, ...l }));
    };
    const stay = (dx: string, extra: F = {}): F => ({ med_type: '21', dscg_maindiag_code: dx, endtime: '2026-03-20 10:00:00', ...extra });
    const man = (psn_no: string) => c.person({ psn_no, gend: '1', brdy: '1960-06-01', insutype: '310' });
    for (let i = 0; i < 40; i++) {
      man(`A${i}`);
      visit(`A${i}`, 2000 + 100 * i);
    }
    // ordinary stent stays of others (women of 30: another peer group) set the I20 + 36.0 case mix at 15,000
    for (let i = 0; i < 12; i++) {
      c.person({ psn_no: `S${i}`, gend: '2', brdy: '1995-05-05' });
      visit(`S${i}`, 14400 + 100 * i, stay('I20.000', { oprn_oprt_codes: '36.0601' }));
      visit(`S${i}`, 5400 + 100 * i, stay('J18.900')); // and ordinary pneumonia stays at ~6,000
    }
    man('ECMO'); // emergency visit, then ECMO
    visit('ECMO', 1000, { med_type: '13', dscg_maindiag_code: 'J96.000' });
    visit('ECMO', 400000, stay('J96.000', { oprn_oprt_codes: '39.6500|96.7201' }));
    man('CANCER'); // four stays of targeted therapy
    for (let k = 0; k < 4; k++) visit('CANCER', 40000, stay('C34.900'), [{ med_list_codg: 'XL01XEA001A001010101234', hilist_name: '甲磺酸奥希替尼片', list_type: '101', cnt: 8, pric: 4980 }]);
    man('ICU'); // emergency visit, then ten days in intensive care
    visit('ICU', 800, { med_type: '13', dscg_maindiag_code: 'J18.900' });
    visit('ICU', 150000, stay('J18.900'), [{ med_list_codg: '001109000030100', hilist_name: '重症监护病房床位费', cnt: 10, pric: 150 }]);
    man('STENTS'); // three stent stays at 120,000 each: eight times what the same stays cost others
    for (let k = 0; k < 3; k++) visit('STENTS', 120000, stay('I20.000', { oprn_oprt_codes: '36.0601' }));
    await c.flush();

    const alerts = await detectOnce(store, 'high_cost_peer_outlier', WINDOW);
    // I20 + 36.0: 15 stays (the 12 ordinary ones, 14,400–15,500, and STENTS' three): median 15,100; 360000 − 3 × 15100
    expect(alerts.map((a) => [a.psn_no, a.measured.case_mix_expected_cost, a.measured.ratio_to_case_mix, a.amount_at_risk])).toEqual([['STENTS', 45300, 7.95, 314700]]);

    // without the high-intensity list the ICU stay is judged against ordinary pneumonia stays and fires too
    // (ECMO's J96 stay has no group of ten to compare with, so it stays at its own cost either way)
    await store.run('DELETE FROM alerts');
    const config = { detectors: { high_cost_peer_outlier: { params: { intensive_item_prefixes: '', intensive_oprn_prefixes: '', intensive_diag_prefixes: '' } } } };
    expect((await detectOnce(store, 'high_cost_peer_outlier', { ...WINDOW, config })).map((a) => a.psn_no)).toEqual(['ICU', 'STENTS']);
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
      group: '本人前12个月有费用的月份',
      size: 5,
      median: 200,
      spread: 0,
      score: 150,
    });
    expect(a.measured).toMatchObject({ case_mix_expected_cost: 200, ratio_to_case_mix: 150, main_care: '肺炎' });
    expect(explainOf(ownBaseline, a)).toBe(
      '2026-06 费用 30000.00 元（主要为 肺炎），是本人前 12 个月 5 个有费用月份中位数 200.00 元的 150 倍（界限 5 倍），也是当月诊疗按同病组常见费用应花的 200.00 元的 150 倍（界限 2 倍）；估算超出 29800.00 元',
    );
  });

  it('a hip fracture, intensive care or the start of targeted therapy after months of small bills is ordinary; a stent stay at four times the usual cost is not', async () => {
    const c = new ClaimFixtures(store);
    c.provider({ fixmedins_code: 'H1' });
    type F = Record<string, string | number | null>;
    const visit = (psn_no: string, id: string, day: string, cost: number, extra: F = {}, lines: F[] = []) => {
      c.visit({ mdtrt_id: id, psn_no, med_type: '11', begntime: `${day} 09:00:00`, dscg_maindiag_code: 'I10.x00', dscg_maindiag_name: '高血压', ...extra });
      c.settlement({ setl_id: `S${id}`, mdtrt_id: id, medfee_sumamt: cost });
      lines.forEach((l, i) => c.fee({ feedetl_sn: `${id}-${i}`, mdtrt_id: id, setl_id: `S${id}`, ...l }));
    };
    const stay = (dx: string, name: string, day: string, extra: F = {}): F => ({ med_type: '21', dscg_maindiag_code: dx, dscg_maindiag_name: name, endtime: `${day} 10:00:00`, ...extra });
    const smallMonths = (psn_no: string) => {
      c.person({ psn_no });
      for (const m of ['01', '02', '03', '04', '05']) visit(psn_no, `${psn_no}-${m}`, `2026-${m}-12`, 200);
    };
    // other persons' ordinary stays set the case mix: hip replacements at ~40,000, stent stays at ~15,000
    for (let i = 0; i < 12; i++) {
      c.person({ psn_no: `O${i}` });
      visit(`O${i}`, `O${i}-hip`, '2026-02-03', 38800 + 200 * i, stay('S72.000', '股骨颈骨折', '2026-02-15', { oprn_oprt_codes: '81.5100' }));
      visit(`O${i}`, `O${i}-pci`, '2026-04-03', 14400 + 100 * i, stay('I20.000', '心绞痛', '2026-04-08', { oprn_oprt_codes: '36.0601' }));
    }
    smallMonths('HIP');
    visit('HIP', 'HIP-stay', '2026-06-02', 41000, stay('S72.000', '股骨颈骨折', '2026-06-14', { oprn_oprt_codes: '81.5100' }));
    smallMonths('ICU');
    visit('ICU', 'ICU-stay', '2026-06-02', 90000, stay('J18.900', '肺炎', '2026-06-14'), [{ med_list_codg: '001109000030100', hilist_name: '重症监护病房床位费', cnt: 8, pric: 150 }]);
    smallMonths('ONCO');
    visit('ONCO', 'ONCO-1', '2026-06-05', 25000, { med_type: '140201', dscg_maindiag_code: 'C34.900', dscg_maindiag_name: '肺恶性肿瘤' }, [{ med_list_codg: 'XL01XEA001A001010101234', hilist_name: '甲磺酸奥希替尼片', list_type: '101', cnt: 5, pric: 4980 }]);
    smallMonths('PCI');
    visit('PCI', 'PCI-stay', '2026-06-02', 60000, stay('I20.000', '心绞痛', '2026-06-14', { oprn_oprt_codes: '36.0601' }));
    await c.flush();

    const alerts = await detectOnce(store, 'high_cost_own_baseline', WINDOW);
    // I20 + 36.0: the 12 ordinary stays (14,400–15,500) and PCI's: median 15,000
    expect(alerts.map((a) => [a.psn_no, a.measured.case_mix_expected_cost, a.measured.ratio_to_case_mix, a.amount_at_risk])).toEqual([['PCI', 15000, 4, 45000]]);

    // judged against the own baseline only (min_case_mix_ratio 0) every one of them fires
    await store.run('DELETE FROM alerts');
    const config = { detectors: { high_cost_own_baseline: { params: { min_case_mix_ratio: 0 } } } };
    expect((await detectOnce(store, 'high_cost_own_baseline', { ...WINDOW, config })).map((a) => a.psn_no)).toEqual(['HIP', 'ICU', 'ONCO', 'PCI']);
  });
});
