import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce, lastSummary } from '../harness.ts';
import type { Store } from '../../../pipeline/store/store.ts';
import { detector } from '../../../detectors/admission/splitHospitalisation.ts';
import { explainOf } from './explainOf.ts';

let t: Awaited<ReturnType<typeof tempStore>>;
let store: Store;
beforeEach(async () => {
  t = await tempStore();
  store = t.store;
});
afterEach(() => t.cleanup());

const WINDOW = { from: '2026-01-01', to: '2026-06-30' };

type F = Record<string, string | number | null>;

/** A stay with one settlement, a bed-fee line and a drug line on its admission day. */
function stay(c: ClaimFixtures, id: string, psn: string, begin: string, end: string, extra: F = {}): void {
  c.visit({ mdtrt_id: id, psn_no: psn, med_type: '21', begntime: begin, endtime: end, dscg_maindiag_code: 'J18.900', dept_name: '呼吸内科', ...extra });
  c.settlement({ setl_id: `S${id}`, mdtrt_id: id });
  c.fee({ feedetl_sn: `${id}-bed`, mdtrt_id: id, setl_id: `S${id}`, fee_ocur_time: begin, med_chrgitm_type: '01', med_list_codg: '001109000010000', pric: 45 });
  c.fee({ feedetl_sn: `${id}-drug`, mdtrt_id: id, setl_id: `S${id}`, fee_ocur_time: begin, med_chrgitm_type: '09', list_type: '101', med_list_codg: 'XJ01DDA001', cnt: 2, pric: 33.3 });
}

async function claims(): Promise<void> {
  const c = new ClaimFixtures(store);
  c.provider({ fixmedins_code: 'H1' });
  c.provider({ fixmedins_code: 'H2' });
  for (let i = 1; i <= 22; i++) c.person({ psn_no: `P${i}` });
  // P1: re-admitted 6 days after discharge, same hospital, same category (J18.900 → J18.100): fires
  stay(c, 'A1', 'P1', '2026-03-01 09:00:00', '2026-03-08 10:00:00');
  stay(c, 'A2', 'P1', '2026-03-14 15:00:00', '2026-03-20 10:00:00', { dscg_maindiag_code: 'J18.100' });
  // P2: day 16 does not fire; P3: day 15 does
  stay(c, 'B1', 'P2', '2026-03-01 09:00:00', '2026-03-08 10:00:00');
  stay(c, 'B2', 'P2', '2026-03-24 09:00:00', '2026-03-28 10:00:00');
  stay(c, 'C1', 'P3', '2026-04-01 09:00:00', '2026-04-05 10:00:00');
  stay(c, 'C2', 'P3', '2026-04-20 08:00:00', '2026-04-25 10:00:00');
  // P4: the second stay is at another hospital
  stay(c, 'D1', 'P4', '2026-03-01 09:00:00', '2026-03-08 10:00:00');
  stay(c, 'D2', 'P4', '2026-03-13 09:00:00', '2026-03-18 10:00:00', { fixmedins_code: 'H2' });
  // P5: chemotherapy cycles (Z51.1 as another diagnosis); P6: dialysis (procedure 39.95)
  stay(c, 'E1', 'P5', '2026-03-01 09:00:00', '2026-03-04 10:00:00', { dscg_maindiag_code: 'C34.900', diag_codes: 'Z51.102' });
  stay(c, 'E2', 'P5', '2026-03-15 09:00:00', '2026-03-18 10:00:00', { dscg_maindiag_code: 'C34.900', diag_codes: 'Z51.102|I10.x00' });
  stay(c, 'E3', 'P5', '2026-03-29 09:00:00', '2026-04-01 10:00:00', { dscg_maindiag_code: 'C34.900', diag_codes: 'Z51.102' });
  stay(c, 'F1', 'P6', '2026-03-01 09:00:00', '2026-03-03 10:00:00', { dscg_maindiag_code: 'N18.500', oprn_oprt_codes: '39.9500' });
  stay(c, 'F2', 'P6', '2026-03-06 09:00:00', '2026-03-08 10:00:00', { dscg_maindiag_code: 'N18.500', oprn_oprt_codes: '38.9500x001|39.9500x001' });
  // P7: another diagnosis category
  stay(c, 'G1', 'P7', '2026-03-01 09:00:00', '2026-03-08 10:00:00');
  stay(c, 'G2', 'P7', '2026-03-11 09:00:00', '2026-03-15 10:00:00', { dscg_maindiag_code: 'K35.800' });
  // P8: transfer on the discharge day to another department: excluded; P9: same day, same department: fires
  stay(c, 'T1', 'P8', '2026-05-01 09:00:00', '2026-05-10 10:00:00');
  stay(c, 'T2', 'P8', '2026-05-10 11:00:00', '2026-05-15 10:00:00', { dept_name: '胸外科' });
  stay(c, 'U1', 'P9', '2026-05-01 09:00:00', '2026-05-10 10:00:00');
  stay(c, 'U2', 'P9', '2026-05-10 16:00:00', '2026-05-15 10:00:00');
  // P10: day surgery (28) then an ordinary stay: day surgery is not an admission here
  c.visit({ mdtrt_id: 'W1', psn_no: 'P10', med_type: '28', begntime: '2026-03-01 08:00:00', endtime: '2026-03-01 17:00:00', dscg_maindiag_code: 'J18.900' });
  c.settlement({ setl_id: 'SW1', mdtrt_id: 'W1', medfee_sumamt: 3000 });
  stay(c, 'W2', 'P10', '2026-03-03 09:00:00', '2026-03-08 10:00:00');
  await c.flush();
}

/** Ordinary practice that looks like a re-admission, next to the fraud it must still catch. */
async function practice(): Promise<void> {
  const c = new ClaimFixtures(store);
  const eye = { dscg_maindiag_code: 'H25.900', dept_name: '眼科' };
  // P11: staged cataract surgery, right eye then left eye 10 days later (an operation on both stays): excluded
  stay(c, 'K1', 'P11', '2026-03-01 09:00:00', '2026-03-03 10:00:00', { ...eye, oprn_oprt_codes: '13.4100x001' });
  stay(c, 'K2', 'P11', '2026-03-13 09:00:00', '2026-03-15 10:00:00', { ...eye, oprn_oprt_codes: '13.4100x001' });
  // P12: a work-up stay, then the operation 8 days later (only the second stay operates): fires
  stay(c, 'L1', 'P12', '2026-03-01 09:00:00', '2026-03-04 10:00:00', { ...eye, oprn_oprt_codes: '95.0300' });
  stay(c, 'L2', 'P12', '2026-03-12 09:00:00', '2026-03-14 10:00:00', { ...eye, oprn_oprt_codes: '13.4100x001' });
  // P13: chemotherapy cycles seen only in the fee lines (an XL01 antineoplastic drug on the first stay): excluded
  stay(c, 'M1', 'P13', '2026-03-01 09:00:00', '2026-03-04 10:00:00', { dscg_maindiag_code: 'C34.900' });
  c.fee({ feedetl_sn: 'M1-chemo', mdtrt_id: 'M1', setl_id: 'SM1', med_chrgitm_type: '09', list_type: '101', med_list_codg: 'XL01BCA001A001010101234', pric: 480 });
  stay(c, 'M2', 'P13', '2026-03-15 09:00:00', '2026-03-18 10:00:00', { dscg_maindiag_code: 'C34.900' });
  // P14: haemodialysis item (003110000060000) on the re-admission: excluded
  stay(c, 'N1', 'P14', '2026-03-01 09:00:00', '2026-03-03 10:00:00', { dscg_maindiag_code: 'N18.500' });
  stay(c, 'N2', 'P14', '2026-03-05 09:00:00', '2026-03-06 10:00:00', { dscg_maindiag_code: 'N18.500' });
  c.fee({ feedetl_sn: 'N2-hd', mdtrt_id: 'N2', setl_id: 'SN2', med_list_codg: '003110000060000', pric: 420 });
  // P15: radiotherapy service (price-item category 24) on both stays: excluded
  stay(c, 'O1', 'P15', '2026-03-01 09:00:00', '2026-03-05 10:00:00', { dscg_maindiag_code: 'C50.900' });
  c.fee({ feedetl_sn: 'O1-rt', mdtrt_id: 'O1', setl_id: 'SO1', med_list_codg: '002402000010000', pric: 900 });
  stay(c, 'O2', 'P15', '2026-03-12 09:00:00', '2026-03-16 10:00:00', { dscg_maindiag_code: 'C50.900' });
  // P16: seen in the emergency room at the same hospital 3 hours before the re-admission: excluded
  stay(c, 'Q1', 'P16', '2026-04-01 09:00:00', '2026-04-06 10:00:00');
  c.visit({ mdtrt_id: 'Q-er', psn_no: 'P16', med_type: '13', begntime: '2026-04-10 21:00:00', dscg_maindiag_code: 'J18.900' });
  stay(c, 'Q2', 'P16', '2026-04-11 00:10:00', '2026-04-16 10:00:00');
  // P17: the emergency visit was 30 hours before (outside 24 h): fires; P18: emergency at another hospital: fires
  stay(c, 'R1', 'P17', '2026-04-01 09:00:00', '2026-04-06 10:00:00');
  c.visit({ mdtrt_id: 'R-er', psn_no: 'P17', med_type: '13', begntime: '2026-04-09 09:00:00', dscg_maindiag_code: 'J18.900' });
  stay(c, 'R2', 'P17', '2026-04-10 15:00:00', '2026-04-16 10:00:00');
  stay(c, 'S1', 'P18', '2026-04-01 09:00:00', '2026-04-06 10:00:00');
  c.visit({ mdtrt_id: 'S-er', psn_no: 'P18', fixmedins_code: 'H2', med_type: '13', begntime: '2026-04-10 20:00:00', dscg_maindiag_code: 'J18.900' });
  stay(c, 'S2', 'P18', '2026-04-10 22:00:00', '2026-04-16 10:00:00');
  // P19: re-admitted for another condition of the same chapter (J18 pneumonia, then J44 COPD): not a split
  stay(c, 'X1', 'P19', '2026-04-01 09:00:00', '2026-04-06 10:00:00');
  stay(c, 'X2', 'P19', '2026-04-12 09:00:00', '2026-04-16 10:00:00', { dscg_maindiag_code: 'J44.100' });
  // P20: home for the Spring Festival (2026-02-15…23, nine holidays) and back after it: excluded
  stay(c, 'Y1', 'P20', '2026-02-05 09:00:00', '2026-02-13 10:00:00');
  stay(c, 'Y2', 'P20', '2026-02-24 09:00:00', '2026-02-28 10:00:00');
  // P21: six days over the three Qingming holidays (2026-04-04…06) only: fires
  stay(c, 'Z1', 'P21', '2026-03-28 09:00:00', '2026-04-02 10:00:00');
  stay(c, 'Z2', 'P21', '2026-04-08 09:00:00', '2026-04-12 10:00:00');
  // P22: discharged the day before May Day (2026-05-01…05) and re-admitted on its last day, not after it: fires
  stay(c, 'Q21', 'P22', '2026-04-23 09:00:00', '2026-04-30 10:00:00');
  stay(c, 'Q22', 'P22', '2026-05-05 09:00:00', '2026-05-09 10:00:00');
  await c.flush();
}

describe('split_hospitalisation', () => {
  it('flags the re-admission within 15 days (day 15 fires, day 16 not) with its lines; exclusions hold', async () => {
    await claims();
    const alerts = await detectOnce(store, 'split_hospitalisation', WINDOW);
    expect(alerts.map((a) => [a.mdtrt_id, a.feedetl_sn, a.amount_at_risk])).toEqual([
      ['A2', ['A2-bed', 'A2-drug'], 111.6],
      ['C2', ['C2-bed', 'C2-drug'], 111.6],
      ['U2', ['U2-bed', 'U2-drug'], 111.6],
    ]);
    expect(alerts[0]).toMatchObject({
      subject_type: 'visit',
      psn_no: 'P1',
      fixmedins_code: 'H1',
      setl_id: 'SA2',
      admdvs: '421000',
      gz_code: 'GZ10000204001000',
      family: 'admission',
    });
    expect(alerts[0]!.measured).toMatchObject({
      previous_mdtrt_id: 'A1',
      previous_discharge: '2026-03-08 10:00:00',
      readmission: '2026-03-14 15:00:00',
      gap_days: 6,
      principal_diagnosis: 'J18.100',
      previous_principal_diagnosis: 'J18.900',
    });
    expect(alerts[0]!.threshold).toEqual({ readmit_days: 15, diag_prefix_len: 3 });
    expect(alerts[1]!.measured).toMatchObject({ gap_days: 15 });
    expect(alerts[2]!.measured).toMatchObject({ gap_days: 0, previous_dept: '呼吸内科', dept: '呼吸内科' });
  });

  it('parameters: 16 days, no transfer exclusion, full-code comparison', async () => {
    await claims();
    const config = {
      detectors: { split_hospitalisation: { params: { readmit_days: 16, exclude_same_day_transfer: false, diag_prefix_len: 7 } } },
    };
    await detectOnce(store, 'split_hospitalisation', { ...WINDOW, config });
    const rows = await store.all<{ mdtrt_id: string }>(
      `SELECT mdtrt_id FROM alerts WHERE detector_id = 'split_hospitalisation' AND last_run_id = $1 ORDER BY mdtrt_id`,
      [lastSummary!.run_id],
    );
    // A2 (J18.100 vs J18.900) no longer matches on 7 characters; B2 (day 16) and T2 (transfer) now fire
    expect(rows.map((r) => r.mdtrt_id)).toEqual(['B2', 'C2', 'T2', 'U2']);
  });

  it('without the chemo/dialysis exclusion lists (and the staged-operation rule: dialysis 39.95 is an ICD-9-CM-3 operation) the cycle stays fire', async () => {
    await claims();
    const config = { detectors: { split_hospitalisation: { params: { exclude_diag_prefixes: '', exclude_oprn_prefixes: '', exclude_item_prefixes: '', exclude_staged_operations: false } } } };
    const alerts = await detectOnce(store, 'split_hospitalisation', { ...WINDOW, config });
    expect(alerts.map((a) => a.mdtrt_id)).toEqual(['A2', 'C2', 'E2', 'E3', 'F2', 'U2']);
  });

  it('a reversed first stay does not make the next one a re-admission', async () => {
    await claims();
    await store.run("UPDATE setl_d SET refd_setl_flag = 1 WHERE setl_id = 'SA1'");
    const alerts = await detectOnce(store, 'split_hospitalisation', WINDOW);
    expect(alerts.map((a) => a.mdtrt_id)).toEqual(['C2', 'U2']);
  });
});

describe('split_hospitalisation knows practice', () => {
  it('leaves out staged operations, chemo/radiotherapy/dialysis items, emergency admissions, holiday breaks and other conditions; still flags the split', async () => {
    await claims();
    await practice();
    const alerts = await detectOnce(store, 'split_hospitalisation', WINDOW);
    expect(alerts.map((a) => [a.mdtrt_id, a.feedetl_sn, a.amount_at_risk]).sort()).toEqual([
      ['A2', ['A2-bed', 'A2-drug'], 111.6],
      ['C2', ['C2-bed', 'C2-drug'], 111.6],
      ['L2', ['L2-bed', 'L2-drug'], 111.6],
      ['Q22', ['Q22-bed', 'Q22-drug'], 111.6],
      ['R2', ['R2-bed', 'R2-drug'], 111.6],
      ['S2', ['S2-bed', 'S2-drug'], 111.6],
      ['U2', ['U2-bed', 'U2-drug'], 111.6],
      ['Z2', ['Z2-bed', 'Z2-drug'], 111.6],
    ]);
    expect(alerts.find((a) => a.mdtrt_id === 'L2')!.measured).toMatchObject({ previous_mdtrt_id: 'L1', gap_days: 8, diagnosis_group: 'H25' });
  });

  it('each exclusion can be turned off: staged operations, emergency window, item list, holiday break', async () => {
    await claims();
    await practice();
    const config = {
      detectors: { split_hospitalisation: { params: { exclude_staged_operations: false, emergency_hours: 0, exclude_item_prefixes: '', holiday_break_days: 0 } } },
    };
    const alerts = await detectOnce(store, 'split_hospitalisation', { ...WINDOW, config });
    expect(alerts.map((a) => [a.mdtrt_id, a.amount_at_risk]).sort()).toEqual([
      ['A2', 111.6],
      ['C2', 111.6],
      ['K2', 111.6],
      ['L2', 111.6],
      ['M2', 111.6],
      ['N2', 531.6],
      ['O2', 111.6],
      ['Q2', 111.6],
      ['Q22', 111.6],
      ['R2', 111.6],
      ['S2', 111.6],
      ['U2', 111.6],
      ['Y2', 111.6],
      ['Z2', 111.6],
    ]);
  });

  it('explains the re-admission in one sentence', async () => {
    await claims();
    const alerts = await detectOnce(store, 'split_hospitalisation', WINDOW);
    expect(explainOf(detector, alerts[0]!)).toBe(
      '2026-03-08 从本院呼吸内科出院（主诊断 J18.900）后 6 天，2026-03-14 再次入住呼吸内科（主诊断 J18.100，同属 J18 类），' +
        '间隔未超过 15 天，且非放化疗、透析、分期手术、转科、急诊入院或节假日回家；再入院费用 111.60 元',
    );
    expect(alerts[0]!.explanation_zh).toBe(explainOf(detector, alerts[0]!));
  });
});
