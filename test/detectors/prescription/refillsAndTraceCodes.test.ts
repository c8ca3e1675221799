import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce, lastSummary } from '../harness.ts';
import { explainOf } from './explainOf.ts';
import type { Store } from '../../../pipeline/store/store.ts';

let t: Awaited<ReturnType<typeof tempStore>>;
let store: Store;
beforeEach(async () => {
  t = await tempStore();
  store = t.store;
});
afterEach(() => t.cleanup());

const WINDOW = { from: '2026-01-01', to: '2026-06-30' };
const AMLODIPINE = 'XC08CAA001A001010101445';
const AMLODIPINE_OTHER_MAKER = 'XC08CAA001A001010201999';
const AMBROXOL = 'XR05CBA001A001010101445';

type F = Record<string, string | number | null>;

/** A purchase: one visit (own settlement) with one drug line `${id}-1`. */
function purchase(c: ClaimFixtures, id: string, psn: string, provider: string, day: string, line: F, medType = '140104'): void {
  c.visit({ mdtrt_id: id, psn_no: psn, fixmedins_code: provider, med_type: medType, begntime: `${day} 10:00:00`, dscg_maindiag_code: 'I10.x00' });
  c.settlement({ setl_id: `S${id}`, mdtrt_id: id });
  c.fee({ feedetl_sn: `${id}-1`, mdtrt_id: id, setl_id: `S${id}`, list_type: '101', med_chrgitm_type: '09', hilist_name: '苯磺酸氨氯地平片', ...line });
}

describe('overlapping_refills', () => {
  async function claims(): Promise<void> {
    const c = new ClaimFixtures(store);
    for (const h of ['H1', 'H2', 'H3', 'H4']) c.provider({ fixmedins_code: h });
    for (const p of ['PR', 'PN', 'PI', 'PX', 'PZ']) c.person({ psn_no: p });
    c.row('med_catalog', { med_list_codg: AMLODIPINE, name: '苯磺酸氨氯地平片', list_type: '101', max_days_supply: 84, ingredient: '氨氯地平' });
    c.row('med_catalog', { med_list_codg: AMLODIPINE_OTHER_MAKER, name: '苯磺酸氨氯地平片(B厂)', list_type: '101', max_days_supply: 84, ingredient: '氨氯地平' });
    const amlo = { med_list_codg: AMLODIPINE, prd_days: 28, cnt: 2, pric: 18.5 };
    // PR: 28-day supplies every 6 days at four providers (planted pattern)
    ['2026-03-01', '2026-03-07', '2026-03-13', '2026-03-19', '2026-03-25'].forEach((d, i) =>
      purchase(c, `R${i + 1}`, 'PR', `H${(i % 4) + 1}`, d, amlo),
    );
    // PN: refills 2 days early every 26 days (normal)
    ['2026-02-01', '2026-02-27', '2026-03-25', '2026-04-20'].forEach((d, i) => purchase(c, `N${i + 1}`, 'PN', `H${(i % 2) + 1}`, d, amlo));
    // PI: two makers of one ingredient (same drug through med_catalog.ingredient), 30 days each, 2 days apart
    purchase(c, 'I1', 'PI', 'H1', '2026-04-01', { ...amlo, prd_days: 30 });
    purchase(c, 'I2', 'PI', 'H2', '2026-04-03', { ...amlo, med_list_codg: AMLODIPINE_OTHER_MAKER, prd_days: 30, pric: 20 });
    purchase(c, 'I3', 'PI', 'H1', '2026-04-05', { ...amlo, prd_days: 30 });
    // PX: the same fast pattern for a drug without catalogue entry, but only two fills (min_fills 3)
    purchase(c, 'X1', 'PX', 'H1', '2026-05-01', { med_list_codg: AMBROXOL, hilist_name: '盐酸氨溴索片', prd_days: 30, pric: 8 }, '41');
    purchase(c, 'X2', 'PX', 'H2', '2026-05-02', { med_list_codg: AMBROXOL, hilist_name: '盐酸氨溴索片', prd_days: 30, pric: 8 }, '41');
    // PZ: three 30-day purchases on consecutive days, but the middle one was returned on its visit: two fills
    purchase(c, 'Z1', 'PZ', 'H1', '2026-05-10', { ...amlo, prd_days: 30 });
    purchase(c, 'Z2', 'PZ', 'H2', '2026-05-11', { ...amlo, prd_days: 30 });
    c.fee({ feedetl_sn: 'Z2-2', mdtrt_id: 'Z2', setl_id: 'SZ2', list_type: '101', med_chrgitm_type: '09', med_list_codg: AMLODIPINE, prd_days: 30, cnt: -2, pric: 18.5 });
    purchase(c, 'Z3', 'PZ', 'H3', '2026-05-12', { ...amlo, prd_days: 30 });
    // Legitimate practice, none of which fires:
    for (const p of ['PF', 'PG', 'PE']) c.person({ psn_no: p });
    // PF: monthly 30 days, plus a second box bought on 02-12 before the Spring Festival (02-17) for the journey home
    ['2026-01-05', '2026-02-04', '2026-02-12', '2026-03-06', '2026-04-05'].forEach((d, i) => purchase(c, `F${i + 1}`, 'PF', i === 2 ? 'H2' : 'H1', d, { ...amlo, prd_days: 30 }));
    // PG: the dose is doubled a week after a 30-day fill: a new 30-day prescription of the 10 mg tablets, then monthly
    purchase(c, 'G1', 'PG', 'H1', '2026-03-01', { ...amlo, prd_days: 30 });
    purchase(c, 'G2', 'PG', 'H1', '2026-03-08', { ...amlo, med_list_codg: AMLODIPINE_OTHER_MAKER, prd_days: 30 });
    purchase(c, 'G3', 'PG', 'H2', '2026-04-07', { ...amlo, med_list_codg: AMLODIPINE_OTHER_MAKER, prd_days: 30 });
    // PE: refills five days early every time (every 25 days, 30 days each)
    ['2026-01-10', '2026-02-04', '2026-03-01', '2026-03-26', '2026-04-20'].forEach((d, i) => purchase(c, `E${i + 1}`, 'PE', 'H1', d, { ...amlo, prd_days: 30 }));
    // PD: 12 weeks bought before the Spring Festival, then blood pressure is not controlled and the dose is doubled two
    // weeks later (two tablets a day: 4 boxes for 4 weeks instead of 2): counted against the old supply it would look
    // like 112 days bought in 42; the new daily quantity starts a new regimen (the dose text differs by provider and
    // is not used)
    c.person({ psn_no: 'PD' });
    purchase(c, 'D1', 'PD', 'H1', '2026-01-10', { ...amlo, prd_days: 28, sin_dos_dscr: '5mg' });
    purchase(c, 'D2', 'PD', 'H1', '2026-02-07', { ...amlo, prd_days: 84, cnt: 6, sin_dos_dscr: '1片' });
    purchase(c, 'D3', 'PD', 'H2', '2026-02-21', { ...amlo, prd_days: 28, cnt: 4, sin_dos_dscr: '10mg' });
    purchase(c, 'D4', 'PD', 'H1', '2026-03-21', { ...amlo, prd_days: 28, cnt: 4, sin_dos_dscr: '2片' });
    await c.flush();
  }

  it('flags refills far ahead of elapsed days (incl. same ingredient), not early-by-two-days refills or two fills', async () => {
    await claims();
    const alerts = await detectOnce(store, 'overlapping_refills', WINDOW);
    expect(alerts.map((a) => [a.psn_no, a.feedetl_sn, a.amount_at_risk])).toEqual([
      ['PI', ['I1-1', 'I2-1', 'I3-1'], 37],
      ['PR', ['R1-1', 'R2-1', 'R3-1', 'R4-1', 'R5-1'], 111],
    ]);
    const pr = alerts[1]!;
    expect(pr).toMatchObject({ subject_type: 'person', mdtrt_id: null, fixmedins_code: null, admdvs: '421000', gz_code: 'GZ10000204003000' });
    // fills 3, 4 and 5 trigger: at fill 5, 112 days bought over the 24 days before it, at 4 providers
    expect(pr.measured).toMatchObject({
      drug: 'ingredient:氨氯地平',
      triggering_fills: 3,
      trigger_visits: ['R3', 'R4', 'R5'],
      max_fills_in_window: 5,
      max_providers: 4,
      first_trigger_date: '2026-03-13',
      last_trigger_date: '2026-03-25',
    });
    expect(pr.threshold).toEqual({ window_days: 90, ratio: 1.5, min_fills: 3, travel_tolerance_days: 30, min_providers: 1 });
    expect(pr.measured).toMatchObject({ worst_fill_date: '2026-03-25', worst_prior_supply_days: 112, worst_elapsed_days: 24, worst_allowed_days: 66 });
    expect(await explainOf(store, pr)).toBe(
      '参保人 2026-03-25 再次购买"苯磺酸氨氯地平片"时，此前 24 天内已购 112 天用量，超过允许的 66 天（经过天数 × 1.5 + 30 天）；' +
        '90 天内最多购药 5 次、涉及 4 家机构，2026-03-13 至 2026-03-25 触发购药 3 次，金额 111.00 元',
    );
  });

  it('parameters: requiring five providers or a larger travel tolerance clears the cases', async () => {
    await claims();
    await detectOnce(store, 'overlapping_refills', { ...WINDOW, config: { detectors: { overlapping_refills: { params: { min_providers: 5 } } } } });
    expect(lastSummary!.counts.per_detector.overlapping_refills).toMatchObject({ status: 'succeeded', hits: 0 });
    const fewer = await detectOnce(store, 'overlapping_refills', {
      ...WINDOW,
      config: { detectors: { overlapping_refills: { params: { travel_tolerance_days: 60 } } } },
    });
    // tolerance 60: PR fill 5 only (112 > 36 + 60); PI (60 > 6 + 60) no longer. Alerts of earlier runs stay in the table.
    const latest = fewer.filter((a) => a.run_id === lastSummary!.run_id);
    expect(latest.map((a) => [a.psn_no, a.amount_at_risk])).toEqual([['PR', 37]]);
    expect(latest[0]!.measured).toMatchObject({ trigger_visits: ['R5'] });
  });
});

describe('lines without a fee time are dated by their visit', () => {
  it('overlapping_refills and duplicate_trace_code use the visit begin when fee_ocur_time is missing', async () => {
    const c = new ClaimFixtures(store);
    for (const h of ['H1', 'H2', 'H3']) c.provider({ fixmedins_code: h });
    for (const p of ['PT', 'PU', 'PV']) c.person({ psn_no: p });
    const amlo = { med_list_codg: AMLODIPINE, prd_days: 28, cnt: 2, pric: 18.5 };
    ['2026-03-01', '2026-03-05', '2026-03-09'].forEach((d, i) => purchase(c, `T${i + 1}`, 'PT', `H${i + 1}`, d, amlo));
    const code = '81234567890123456788';
    purchase(c, 'U1', 'PU', 'H1', '2026-03-02', { med_list_codg: AMBROXOL, prd_days: 5, pric: 15, drug_trac_codg: code }, '41');
    purchase(c, 'V1', 'PV', 'H2', '2026-03-04', { med_list_codg: AMBROXOL, prd_days: 5, pric: 15, drug_trac_codg: code }, '41');
    await c.flush();
    // (the fixture dates a line by its visit when no time is given: take the times away again)
    await store.run(`UPDATE fee_list_d SET fee_ocur_time = NULL WHERE feedetl_sn IN ('T1-1', 'T2-1', 'T3-1', 'U1-1', 'V1-1')`);
    const refills = await detectOnce(store, 'overlapping_refills', WINDOW);
    expect(refills.map((a) => [a.psn_no, a.feedetl_sn, a.measured.first_trigger_date])).toEqual([['PT', ['T1-1', 'T2-1', 'T3-1'], '2026-03-09']]);
    // lines without any time would not be read at all: the resale is found only through its visit's begin
    const codes = await detectOnce(store, 'duplicate_trace_code', { from: '2026-03-03', to: '2026-03-31' });
    expect(codes.map((a) => [a.mdtrt_id, a.feedetl_sn])).toEqual([['V1', ['U1-1', 'V1-1']]]);
  });
});

describe('duplicate_trace_code', () => {
  const X1 = '81234567890123456701';
  const X2 = '81234567890123456702';
  const X3 = '81234567890123456703';
  const X4 = '81234567890123456704';
  const X5 = '81234567890123456705';
  const X9 = '81234567890123456709';
  const X6 = '81234567890123456706';
  const X7 = '81234567890123456707';
  const X8 = '81234567890123456708';
  const X10 = '81234567890123456710';
  const X11 = '81234567890123456711';
  const X12 = '81234567890123456712';
  const X13 = '81234567890123456713';

  async function claims(): Promise<void> {
    const c = new ClaimFixtures(store);
    for (const p of ['PH1', 'PH2', 'PH3']) c.provider({ fixmedins_code: p, fixmedins_type: 'pharmacy' });
    for (const p of ['PA', 'PB', 'PC', 'PD', 'PE', 'PF', 'PG', 'PH', 'PI']) c.person({ psn_no: p });
    const box = { med_list_codg: AMBROXOL, hilist_name: '盐酸氨溴索片', prd_days: 5, pric: 15 };
    // first sale of two boxes, then X1 again at another pharmacy (and a unique box on the same visit)
    purchase(c, 'VA', 'PA', 'PH1', '2026-03-01', { ...box, cnt: 2, drug_trac_codg: `${X1},${X2}` }, '41');
    purchase(c, 'VB', 'PB', 'PH2', '2026-03-05', { ...box, drug_trac_codg: X1 }, '41');
    c.fee({ feedetl_sn: 'VB-2', mdtrt_id: 'VB', setl_id: 'SVB', list_type: '101', med_chrgitm_type: '09', pric: 5, drug_trac_codg: X9 });
    // X2 resold inside a list with spaces; X1 a third time
    purchase(c, 'VE', 'PE', 'PH3', '2026-03-10', { ...box, cnt: 2, drug_trac_codg: ` ${X2} , ${X4}` }, '41');
    purchase(c, 'VF', 'PF', 'PH1', '2026-03-12', { ...box, drug_trac_codg: X1 }, '41');
    // near miss: the first sale of X3 was reversed (returned), so the resale is the only sale
    c.visit({ mdtrt_id: 'VC', psn_no: 'PC', fixmedins_code: 'PH1', med_type: '41', begntime: '2026-03-02 10:00:00' });
    c.settlement({ setl_id: 'SVC', mdtrt_id: 'VC', refd_setl_flag: 1 });
    c.fee({ feedetl_sn: 'VC-1', mdtrt_id: 'VC', setl_id: 'SVC', list_type: '101', med_chrgitm_type: '09', pric: 15, drug_trac_codg: X3 });
    purchase(c, 'VD', 'PD', 'PH1', '2026-03-03', { ...box, drug_trac_codg: X3 }, '41');
    // near miss: X5 sold, returned the next day on a negative line, sold again; a further sale repeats
    purchase(c, 'VG', 'PG', 'PH2', '2026-04-01', { ...box, drug_trac_codg: X5 }, '41');
    c.fee({ feedetl_sn: 'VG-2', mdtrt_id: 'VG', setl_id: 'SVG', fee_ocur_time: '2026-04-02 09:00:00', list_type: '101', med_chrgitm_type: '09', cnt: -1, pric: 15, drug_trac_codg: X5 });
    purchase(c, 'VH', 'PH', 'PH2', '2026-04-05', { ...box, drug_trac_codg: X5 }, '41');
    purchase(c, 'VI', 'PI', 'PH3', '2026-04-09', { ...box, drug_trac_codg: X5 }, '41');
    for (const p of ['PJ', 'PK', 'PL', 'PM', 'PN', 'PO', 'PP', 'PQ', 'PR', 'PS', 'PT', 'PU']) c.person({ psn_no: p });
    // unit-dose (拆零) sales of one box at one pharmacy, a quarter, a quarter and a half: one box, no repeat
    purchase(c, 'U1', 'PJ', 'PH1', '2026-05-04', { ...box, cnt: 0.25, drug_trac_codg: X6 }, '41');
    purchase(c, 'U2', 'PK', 'PH1', '2026-05-05', { ...box, cnt: 0.25, drug_trac_codg: X6 }, '41');
    purchase(c, 'U3', 'PL', 'PH1', '2026-05-06', { ...box, cnt: 0.5, drug_trac_codg: X6 }, '41');
    // unit-dose sales beyond the box: half, half, and a third half fires
    purchase(c, 'W1', 'PM', 'PH1', '2026-05-04', { ...box, cnt: 0.5, drug_trac_codg: X7 }, '41');
    purchase(c, 'W2', 'PN', 'PH1', '2026-05-05', { ...box, cnt: 0.5, drug_trac_codg: X7 }, '41');
    purchase(c, 'W3', 'PO', 'PH1', '2026-05-06', { ...box, cnt: 0.5, drug_trac_codg: X7 }, '41');
    // a box split at two pharmacies fires at the second
    purchase(c, 'Y1', 'PP', 'PH1', '2026-05-04', { ...box, cnt: 0.5, drug_trac_codg: X8 }, '41');
    purchase(c, 'Y2', 'PQ', 'PH2', '2026-05-05', { ...box, cnt: 0.25, drug_trac_codg: X8 }, '41');
    // a whole box sold twice by the same pharmacy fires
    purchase(c, 'A1', 'PR', 'PH2', '2026-05-10', { ...box, drug_trac_codg: X10 }, '41');
    purchase(c, 'A2', 'PS', 'PH2', '2026-05-12', { ...box, drug_trac_codg: X10 }, '41');
    // refunded: the sale was reversed with an offset settlement (its negative lines carry the code), then the box was
    // sold at another pharmacy: one sale
    c.visit({ mdtrt_id: 'RF', psn_no: 'PT', fixmedins_code: 'PH1', med_type: '41', begntime: '2026-05-20 10:00:00' });
    c.settlement({ setl_id: 'SRF', mdtrt_id: 'RF', refd_setl_flag: 1 });
    c.settlement({ setl_id: 'SRF-OFF', mdtrt_id: 'RF', init_setl_id: 'SRF', setl_time: '2026-05-20 12:00:00' });
    c.fee({ feedetl_sn: 'RF-1', mdtrt_id: 'RF', setl_id: 'SRF', list_type: '101', med_chrgitm_type: '09', ...box, drug_trac_codg: X11 });
    c.fee({ feedetl_sn: 'RF-2', mdtrt_id: 'RF', setl_id: 'SRF-OFF', list_type: '101', med_chrgitm_type: '09', ...box, cnt: -1, drug_trac_codg: X11 });
    purchase(c, 'RS', 'PU', 'PH2', '2026-05-22', { ...box, drug_trac_codg: X11 }, '41');
    // a ward pharmacy dispensing ceftriaxone by the vial: 2 vials a day from one box of 10 over a stay (the fifth day
    // also opens the next box), no repeat; the same box code on another patient's stay fires
    c.provider({ fixmedins_code: 'HW', fixmedins_type: 'hospital' });
    c.person({ psn_no: 'PW' });
    c.person({ psn_no: 'PX2' });
    c.visit({ mdtrt_id: 'WARD', psn_no: 'PW', fixmedins_code: 'HW', med_type: '21', begntime: '2026-05-01 09:00:00', endtime: '2026-05-08 10:00:00' });
    c.settlement({ setl_id: 'SWARD', mdtrt_id: 'WARD' });
    for (let d = 1; d <= 6; d++) {
      c.fee({ feedetl_sn: `WD-${d}`, mdtrt_id: 'WARD', setl_id: 'SWARD', fee_ocur_time: `2026-05-0${d + 1} 09:30:00`, list_type: '101', med_chrgitm_type: '09',
        med_list_codg: 'XJ01DDA001A001010100000', hilist_name: '注射用头孢曲松钠', cnt: 2, pric: 16.5, drug_trac_codg: d < 5 ? X12 : d === 5 ? `${X12},${X13}` : X13 });
    }
    c.visit({ mdtrt_id: 'WARD2', psn_no: 'PX2', fixmedins_code: 'HW', med_type: '21', begntime: '2026-05-03 09:00:00', endtime: '2026-05-06 10:00:00' });
    c.settlement({ setl_id: 'SWARD2', mdtrt_id: 'WARD2' });
    c.fee({ feedetl_sn: 'WE-1', mdtrt_id: 'WARD2', setl_id: 'SWARD2', fee_ocur_time: '2026-05-04 09:30:00', list_type: '101', med_chrgitm_type: '09',
      med_list_codg: 'XJ01DDA001A001010100000', hilist_name: '注射用头孢曲松钠', cnt: 2, pric: 16.5, drug_trac_codg: X12 });
    await c.flush();
  }

  it('alerts on each later sale with the earlier lines as evidence; a resale after a reversal or a return does not fire', async () => {
    await claims();
    const alerts = await detectOnce(store, 'duplicate_trace_code', WINDOW);
    expect(alerts.map((a) => [a.mdtrt_id, a.psn_no, a.fixmedins_code, a.feedetl_sn, a.amount_at_risk])).toEqual([
      ['VB', 'PB', 'PH2', ['VA-1', 'VB-1'], 15],
      ['VE', 'PE', 'PH3', ['VA-1', 'VE-1'], 30],
      ['VF', 'PF', 'PH1', ['VA-1', 'VB-1', 'VF-1'], 15],
      ['VI', 'PI', 'PH3', ['VG-1', 'VH-1', 'VI-1'], 15],
      ['W3', 'PO', 'PH1', ['W1-1', 'W2-1', 'W3-1'], 7.5],
      ['Y2', 'PQ', 'PH2', ['Y1-1', 'Y2-1'], 3.75],
      ['A2', 'PS', 'PH2', ['A1-1', 'A2-1'], 15],
      ['WARD2', 'PX2', 'HW', ['WD-1', 'WD-2', 'WD-3', 'WE-1'], 33],
    ]);
    const by = (id: string) => alerts.find((a) => a.mdtrt_id === id)!;
    expect(alerts[0]).toMatchObject({ subject_type: 'visit', setl_id: 'SVB', result_type: 'violation', admdvs: '421000', detector_version: 2 });
    expect(alerts[0]!.measured).toMatchObject({ repeated_codes: [X1], max_sale_count: 2, repeat_lines: ['VB-1'], earlier_lines: ['VA-1'] });
    expect(alerts[1]!.measured).toMatchObject({ repeated_codes: [X2] });
    expect(alerts[2]!.measured).toMatchObject({ max_sale_count: 3 });
    expect([by('VB'), by('W3'), by('Y2'), by('A2')].map((a) => [a.measured.reason, a.measured.sold_boxes])).toEqual([
      ['other_provider', 2], ['beyond_content', 1.5], ['other_provider', 0.75], ['sold_again', 2],
    ]);
    expect(by('VB').threshold).toEqual({ max_sales_per_code: 1, split_tolerance: 0.01, max_ward_units: 100 });
    expect(await explainOf(store, by('VB'))).toBe(
      `药品追溯码 ${X1}（"盐酸氨溴索片"）已于 2026-03-01 在 PH1 首次销售且未退货，2026-03-05 又在另一机构 PH2 销售，每盒只能销售一次；本次金额 15.00 元`,
    );
    expect(await explainOf(store, by('W3'))).toBe(
      `药品追溯码 ${X7}（"盐酸氨溴索片"）已于 2026-05-04 在 PH1 首次销售，至 2026-05-06 在 PH1 拆零累计销售 1.5 盒，超过一盒的包装量，每盒只能销售一次；本次金额 7.50 元`,
    );
    expect(await explainOf(store, by('A2'))).toBe(
      `药品追溯码 ${X10}（"盐酸氨溴索片"）已于 2026-05-10 在 PH2 首次销售，2026-05-12 在 PH2 再次销售（第 2 次），每盒只能销售一次；本次金额 15.00 元`,
    );
  });

  it('finds the first sale in the look-back before the window', async () => {
    await claims();
    const alerts = await detectOnce(store, 'duplicate_trace_code', { from: '2026-03-04', to: '2026-03-06' });
    expect(alerts.map((a) => [a.mdtrt_id, a.feedetl_sn])).toEqual([['VB', ['VA-1', 'VB-1']]]);
  });
});
