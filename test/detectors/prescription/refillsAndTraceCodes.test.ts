import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce, lastSummary } from '../harness.ts';
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
    ]);
    expect(alerts[0]).toMatchObject({ subject_type: 'visit', setl_id: 'SVB', result_type: 'violation', admdvs: '421000' });
    expect(alerts[0]!.measured).toMatchObject({ repeated_codes: [X1], max_sale_count: 2, repeat_lines: ['VB-1'], earlier_lines: ['VA-1'] });
    expect(alerts[1]!.measured).toMatchObject({ repeated_codes: [X2] });
    expect(alerts[2]!.measured).toMatchObject({ max_sale_count: 3 });
  });

  it('finds the first sale in the look-back before the window', async () => {
    await claims();
    const alerts = await detectOnce(store, 'duplicate_trace_code', { from: '2026-03-04', to: '2026-03-06' });
    expect(alerts.map((a) => [a.mdtrt_id, a.feedetl_sn])).toEqual([['VB', ['VA-1', 'VB-1']]]);
  });
});
