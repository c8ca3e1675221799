import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce } from '../harness.ts';
import { explainOf } from '../prescription/explainOf.ts';
import type { Store } from '../../../pipeline/store/store.ts';

let t: { store: Store; cleanup: () => void };
beforeEach(async () => {
  t = await tempStore();
});
afterEach(() => t.cleanup());

function providers(c: ClaimFixtures): void {
  c.provider({ fixmedins_code: 'H1' });
  c.provider({ fixmedins_code: 'H2', fixmedins_name: '测试市第二人民医院' });
  c.provider({ fixmedins_code: 'D1', fixmedins_name: '测试大药房', fixmedins_type: 'pharmacy', hosp_lv: '11' });
}

describe('overlapping_inpatient_stays', () => {
  it('flags the later stay overlapping a stay elsewhere; a same-day transfer and same-provider stays do not fire', async () => {
    const c = new ClaimFixtures(t.store);
    providers(c);
    c.person({ psn_no: 'P1' });
    c.visit({ mdtrt_id: 'A1', psn_no: 'P1', fixmedins_code: 'H1', med_type: '21', begntime: '2026-01-05 09:00:00', endtime: '2026-01-15 10:00:00' });
    c.settlement({ setl_id: 'SA1', mdtrt_id: 'A1' });
    c.fee({ feedetl_sn: 'FA1', mdtrt_id: 'A1', setl_id: 'SA1', cnt: 1, pric: 3000 });
    c.visit({ mdtrt_id: 'B1', psn_no: 'P1', fixmedins_code: 'H2', med_type: '21', begntime: '2026-01-10 14:00:00', endtime: '2026-01-18 10:00:00' });
    c.settlement({ setl_id: 'SB1', mdtrt_id: 'B1' });
    c.fee({ feedetl_sn: 'FB1a', mdtrt_id: 'B1', setl_id: 'SB1', fee_ocur_time: '2026-01-10 15:00:00', cnt: 1, pric: 200 });
    c.fee({ feedetl_sn: 'FB1b', mdtrt_id: 'B1', setl_id: 'SB1', fee_ocur_time: '2026-01-14 15:00:00', cnt: 2, pric: 50.5 });
    c.fee({ feedetl_sn: 'FB1c', mdtrt_id: 'B1', setl_id: 'SB1', fee_ocur_time: '2026-01-16 15:00:00', cnt: 1, pric: 70 });
    // Near miss P2: transferred — discharged from H1 and admitted to H2 the same day.
    c.person({ psn_no: 'P2' });
    c.visit({ mdtrt_id: 'A2', psn_no: 'P2', fixmedins_code: 'H1', med_type: '21', begntime: '2026-01-05 09:00:00', endtime: '2026-01-12 09:00:00' });
    c.settlement({ setl_id: 'SA2', mdtrt_id: 'A2' });
    c.fee({ feedetl_sn: 'FA2', mdtrt_id: 'A2', setl_id: 'SA2', cnt: 1, pric: 1000 });
    c.visit({ mdtrt_id: 'B2', psn_no: 'P2', fixmedins_code: 'H2', med_type: '21', begntime: '2026-01-12 14:00:00', endtime: '2026-01-20 09:00:00' });
    c.settlement({ setl_id: 'SB2', mdtrt_id: 'B2' });
    c.fee({ feedetl_sn: 'FB2', mdtrt_id: 'B2', setl_id: 'SB2', cnt: 1, pric: 1000 });
    // Near miss P3: overlapping stays at the same provider (a data question, not impersonation).
    c.person({ psn_no: 'P3' });
    c.visit({ mdtrt_id: 'A3', psn_no: 'P3', fixmedins_code: 'H1', med_type: '21', begntime: '2026-01-05 09:00:00', endtime: '2026-01-15 09:00:00' });
    c.visit({ mdtrt_id: 'B3', psn_no: 'P3', fixmedins_code: 'H1', med_type: '21', begntime: '2026-01-08 09:00:00', endtime: '2026-01-16 09:00:00' });
    // Near miss P4: a transfer the other way round — admitted to H2 at 08:00, H1's discharge recorded at 10:00.
    c.person({ psn_no: 'P4' });
    c.visit({ mdtrt_id: 'A4', psn_no: 'P4', fixmedins_code: 'H1', med_type: '21', begntime: '2026-01-03 09:00:00', endtime: '2026-01-09 10:00:00' });
    c.visit({ mdtrt_id: 'B4', psn_no: 'P4', fixmedins_code: 'H2', med_type: '21', begntime: '2026-01-09 08:00:00', endtime: '2026-01-14 10:00:00' });
    // Near miss P5: H1's stay has no discharge yet in the batch, its charges stop on the transfer day.
    c.person({ psn_no: 'P5' });
    c.visit({ mdtrt_id: 'A5', psn_no: 'P5', fixmedins_code: 'H1', med_type: '21', begntime: '2026-01-05 09:00:00', endtime: null });
    c.settlement({ setl_id: 'SA5', mdtrt_id: 'A5', setl_time: '2026-01-12 09:00:00' });
    c.fee({ feedetl_sn: 'FA5a', mdtrt_id: 'A5', setl_id: 'SA5', fee_ocur_time: '2026-01-06 08:00:00', cnt: 1, pric: 300 });
    c.fee({ feedetl_sn: 'FA5b', mdtrt_id: 'A5', setl_id: 'SA5', fee_ocur_time: '2026-01-12 08:00:00', cnt: 1, pric: 300 });
    c.visit({ mdtrt_id: 'B5', psn_no: 'P5', fixmedins_code: 'H2', med_type: '21', begntime: '2026-01-12 15:00:00', endtime: '2026-01-18 09:00:00' });
    c.settlement({ setl_id: 'SB5', mdtrt_id: 'B5' });
    c.fee({ feedetl_sn: 'FB5', mdtrt_id: 'B5', setl_id: 'SB5', fee_ocur_time: '2026-01-13 08:00:00', cnt: 1, pric: 500 });
    // P6: H1's stay not discharged and still billing on the 20th, while admitted to H2 on the 15th: fires.
    c.person({ psn_no: 'P6' });
    c.visit({ mdtrt_id: 'A6', psn_no: 'P6', fixmedins_code: 'H1', med_type: '21', begntime: '2026-01-05 09:00:00', endtime: null });
    c.settlement({ setl_id: 'SA6', mdtrt_id: 'A6', setl_time: '2026-01-20 09:00:00' });
    c.fee({ feedetl_sn: 'FA6', mdtrt_id: 'A6', setl_id: 'SA6', fee_ocur_time: '2026-01-20 08:00:00', cnt: 1, pric: 300 });
    c.visit({ mdtrt_id: 'B6', psn_no: 'P6', fixmedins_code: 'H2', med_type: '21', begntime: '2026-01-15 10:00:00', endtime: '2026-01-25 09:00:00' });
    c.settlement({ setl_id: 'SB6', mdtrt_id: 'B6' });
    c.fee({ feedetl_sn: 'FB6a', mdtrt_id: 'B6', setl_id: 'SB6', fee_ocur_time: '2026-01-16 08:00:00', cnt: 1, pric: 410 });
    c.fee({ feedetl_sn: 'FB6b', mdtrt_id: 'B6', setl_id: 'SB6', fee_ocur_time: '2026-01-22 08:00:00', cnt: 1, pric: 410 });
    // Near miss P8: transferred up by ambulance on the 12th, H1's discharge recorded the next morning (charges stop on
    // the 12th). P9: the same records, but H1 still bills the 13th: fires.
    for (const [psn, billed13] of [['P8', false], ['P9', true]] as const) {
      c.person({ psn_no: psn });
      c.visit({ mdtrt_id: `A${psn}`, psn_no: psn, fixmedins_code: 'H1', med_type: '21', begntime: '2026-01-10 09:00:00', endtime: '2026-01-13 09:00:00' });
      c.settlement({ setl_id: `SA${psn}`, mdtrt_id: `A${psn}` });
      c.fee({ feedetl_sn: `FA${psn}a`, mdtrt_id: `A${psn}`, setl_id: `SA${psn}`, fee_ocur_time: '2026-01-12 00:05:00', cnt: 1, pric: 45 });
      if (billed13) c.fee({ feedetl_sn: `FA${psn}b`, mdtrt_id: `A${psn}`, setl_id: `SA${psn}`, fee_ocur_time: '2026-01-13 00:05:00', cnt: 1, pric: 45 });
      c.visit({ mdtrt_id: `B${psn}`, psn_no: psn, fixmedins_code: 'H2', med_type: '21', begntime: '2026-01-12 14:00:00', endtime: '2026-01-19 09:00:00' });
      c.settlement({ setl_id: `SB${psn}`, mdtrt_id: `B${psn}` });
      c.fee({ feedetl_sn: `FB${psn}`, mdtrt_id: `B${psn}`, setl_id: `SB${psn}`, fee_ocur_time: '2026-01-12 15:00:00', cnt: 1, pric: 260 });
    }
    // Near miss P7: a dialysis patient admitted at H1 spends a night at H2's dialysis unit (血液透析).
    c.person({ psn_no: 'P7' });
    c.visit({ mdtrt_id: 'A7', psn_no: 'P7', fixmedins_code: 'H1', med_type: '21', begntime: '2026-01-05 09:00:00', endtime: '2026-01-15 10:00:00', dscg_maindiag_code: 'J18.900' });
    c.visit({ mdtrt_id: 'B7', psn_no: 'P7', fixmedins_code: 'H2', med_type: '21', begntime: '2026-01-09 18:00:00', endtime: '2026-01-10 09:00:00', dscg_maindiag_code: 'N18.500' });
    c.settlement({ setl_id: 'SB7', mdtrt_id: 'B7' });
    c.fee({ feedetl_sn: 'FB7', mdtrt_id: 'B7', setl_id: 'SB7', med_list_codg: '003110000060000', hilist_name: '血液透析', fee_ocur_time: '2026-01-09 19:00:00', cnt: 1, pric: 420 });
    await c.flush();

    const alerts = await detectOnce(t.store, 'overlapping_inpatient_stays', { from: '2026-01-01', to: '2026-01-31' });
    expect(alerts.map((a) => [a.psn_no, a.mdtrt_id, a.fixmedins_code, a.feedetl_sn, a.amount_at_risk])).toEqual([
      ['P1', 'B1', 'H2', ['FB1a', 'FB1b'], 301],
      ['P6', 'B6', 'H2', ['FB6a'], 410],
      ['P9', 'BP9', 'H2', ['FBP9'], 260],
    ]);
    expect(alerts[0].measured).toMatchObject({ overlap_days: 5, earlier_mdtrt_id: 'A1', earlier_fixmedins_code: 'H1' });
    expect(alerts[1].measured).toMatchObject({ overlap_days: 5, earlier_end: '2026-01-20 08:00:00', earlier_end_recorded: false });
    expect(alerts[0].detector_version).toBe(2);
    expect(await explainOf(t.store, alerts[0])).toBe(
      '参保人在 测试市第一人民医院 住院（2026-01-05 至 2026-01-15）期间，2026-01-10 又在 测试市第二人民医院 入院，两次住院重叠 5 天（重叠 1 天及以上即违规）；重叠期间收费 2 项，金额 301.00 元',
    );
    expect(await explainOf(t.store, alerts[1])).toBe(
      '参保人在 测试市第一人民医院 住院（2026-01-05 入院，至 2026-01-20 仍有收费、尚无出院记录）期间，2026-01-15 又在 测试市第二人民医院 入院，两次住院重叠 5 天（重叠 1 天及以上即违规）；重叠期间收费 1 项，金额 410.00 元',
    );
  });
});

describe('outpatient_during_inpatient', () => {
  it('flags a pharmacy purchase elsewhere mid-stay; visits on admission/discharge days and at the same hospital do not fire', async () => {
    const c = new ClaimFixtures(t.store);
    providers(c);
    c.person({ psn_no: 'P1' });
    c.visit({ mdtrt_id: 'S1', psn_no: 'P1', fixmedins_code: 'H1', med_type: '21', begntime: '2026-01-05 09:00:00', endtime: '2026-01-15 10:00:00' });
    c.settlement({ setl_id: 'SS1', mdtrt_id: 'S1' });
    c.fee({ feedetl_sn: 'FS1', mdtrt_id: 'S1', setl_id: 'SS1', cnt: 1, pric: 4000 });
    // Mid-stay purchase at the pharmacy: fires.
    c.visit({ mdtrt_id: 'O1', psn_no: 'P1', fixmedins_code: 'D1', med_type: '41', begntime: '2026-01-09 16:20:00' });
    c.settlement({ setl_id: 'SO1', mdtrt_id: 'O1' });
    c.fee({ feedetl_sn: 'FO1a', mdtrt_id: 'O1', setl_id: 'SO1', list_type: '101', med_chrgitm_type: '09', med_list_codg: 'XA10BJG123A001010100000', cnt: 3, pric: 25.5 });
    c.fee({ feedetl_sn: 'FO1b', mdtrt_id: 'O1', setl_id: 'SO1', list_type: '101', med_chrgitm_type: '09', med_list_codg: 'XC09AAA001A001010100000', cnt: 1, pric: 18 });
    // Near misses: outpatient at H2 on the admission day and at the pharmacy on the discharge day; outpatient at H1 itself.
    c.visit({ mdtrt_id: 'O2', psn_no: 'P1', fixmedins_code: 'H2', med_type: '11', begntime: '2026-01-05 10:00:00' });
    c.settlement({ setl_id: 'SO2', mdtrt_id: 'O2' });
    c.fee({ feedetl_sn: 'FO2', mdtrt_id: 'O2', setl_id: 'SO2', cnt: 1, pric: 20 });
    c.visit({ mdtrt_id: 'O3', psn_no: 'P1', fixmedins_code: 'D1', med_type: '41', begntime: '2026-01-15 08:00:00' });
    c.settlement({ setl_id: 'SO3', mdtrt_id: 'O3' });
    c.fee({ feedetl_sn: 'FO3', mdtrt_id: 'O3', setl_id: 'SO3', cnt: 1, pric: 20 });
    c.visit({ mdtrt_id: 'O4', psn_no: 'P1', fixmedins_code: 'H1', med_type: '11', begntime: '2026-01-10 10:00:00' });
    c.settlement({ setl_id: 'SO4', mdtrt_id: 'O4' });
    c.fee({ feedetl_sn: 'FO4', mdtrt_id: 'O4', setl_id: 'SO4', cnt: 1, pric: 20 });
    // P2, on maintenance dialysis, admitted to H1 for pneumonia: keeps the sessions at H2's dialysis centre (one
    // with the 血液透析 item, one coded Z49.1 only) — no fire; an ordinary clinic visit at H2 mid-stay still fires.
    c.person({ psn_no: 'P2' });
    c.visit({ mdtrt_id: 'S2', psn_no: 'P2', fixmedins_code: 'H1', med_type: '21', begntime: '2026-01-05 09:00:00', endtime: '2026-01-15 10:00:00' });
    c.visit({ mdtrt_id: 'T1', psn_no: 'P2', fixmedins_code: 'H2', med_type: '140201', begntime: '2026-01-08 07:30:00', dscg_maindiag_code: 'N18.500' });
    c.settlement({ setl_id: 'ST1', mdtrt_id: 'T1' });
    c.fee({ feedetl_sn: 'FT1', mdtrt_id: 'T1', setl_id: 'ST1', med_list_codg: '003110000060000', hilist_name: '血液透析', cnt: 1, pric: 420 });
    c.visit({ mdtrt_id: 'T2', psn_no: 'P2', fixmedins_code: 'H2', med_type: '140201', begntime: '2026-01-10 07:30:00', dscg_maindiag_code: 'Z49.101' });
    c.settlement({ setl_id: 'ST2', mdtrt_id: 'T2' });
    c.fee({ feedetl_sn: 'FT2', mdtrt_id: 'T2', setl_id: 'ST2', cnt: 1, pric: 420 });
    c.visit({ mdtrt_id: 'T3', psn_no: 'P2', fixmedins_code: 'H2', med_type: '11', begntime: '2026-01-12 10:00:00', dscg_maindiag_code: 'K29.700' });
    c.settlement({ setl_id: 'ST3', mdtrt_id: 'T3' });
    c.fee({ feedetl_sn: 'FT3', mdtrt_id: 'T3', setl_id: 'ST3', cnt: 1, pric: 35 });
    // P3: emergency at H2 at 02:00, then admitted to H1 at 05:00 the same day — before the stay, no fire.
    c.person({ psn_no: 'P3' });
    c.visit({ mdtrt_id: 'E3', psn_no: 'P3', fixmedins_code: 'H2', med_type: '13', begntime: '2026-01-20 02:00:00' });
    c.settlement({ setl_id: 'SE3', mdtrt_id: 'E3' });
    c.fee({ feedetl_sn: 'FE3', mdtrt_id: 'E3', setl_id: 'SE3', cnt: 1, pric: 150 });
    c.visit({ mdtrt_id: 'S3', psn_no: 'P3', fixmedins_code: 'H1', med_type: '21', begntime: '2026-01-20 05:00:00', endtime: '2026-01-27 10:00:00' });
    await c.flush();

    const alerts = await detectOnce(t.store, 'outpatient_during_inpatient', { from: '2026-01-01', to: '2026-01-31' });
    expect(alerts.map((a) => [a.psn_no, a.mdtrt_id, a.setl_id, a.fixmedins_code, a.feedetl_sn, a.amount_at_risk])).toEqual([
      ['P1', 'O1', 'SO1', 'D1', ['FO1a', 'FO1b'], 94.5],
      ['P2', 'T3', 'ST3', 'H2', ['FT3'], 35],
    ]);
    expect(alerts[0].measured).toMatchObject({ stay_mdtrt_id: 'S1', stay_fixmedins_code: 'H1' });
    expect(alerts[0].detector_version).toBe(2);
    expect(await explainOf(t.store, alerts[0])).toBe(
      '参保人 2026-01-05 至 2026-01-15 在 测试市第一人民医院 住院期间，2026-01-09 16:20 又在 测试大药房 药店购药结算，收费 2 项，金额 94.50 元',
    );

    // With the edge days included, the admission-day and discharge-day visits fire too (params_hash differs).
    const config = { detectors: { outpatient_during_inpatient: { params: { exclude_admission_discharge_days: false } } } };
    const all = await detectOnce(t.store, 'outpatient_during_inpatient', { from: '2026-01-01', to: '2026-01-31', config });
    expect(all.filter((a) => a.psn_no === 'P1').map((a) => a.mdtrt_id)).toEqual(['O1', 'O3', 'O2']);
    expect(new Set(all.map((a) => a.params_hash)).size).toBe(1);
    expect(all[0].params_hash).not.toBe(alerts[0].params_hash);
  });
});
