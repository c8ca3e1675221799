import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce } from '../harness.ts';
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
    await c.flush();

    const alerts = await detectOnce(t.store, 'overlapping_inpatient_stays', { from: '2026-01-01', to: '2026-01-31' });
    expect(alerts.map((a) => [a.psn_no, a.mdtrt_id, a.fixmedins_code, a.feedetl_sn, a.amount_at_risk])).toEqual([
      ['P1', 'B1', 'H2', ['FB1a', 'FB1b'], 301],
    ]);
    expect(alerts[0].measured).toMatchObject({ overlap_days: 5, earlier_mdtrt_id: 'A1', earlier_fixmedins_code: 'H1' });
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
    await c.flush();

    const alerts = await detectOnce(t.store, 'outpatient_during_inpatient', { from: '2026-01-01', to: '2026-01-31' });
    expect(alerts.map((a) => [a.psn_no, a.mdtrt_id, a.setl_id, a.fixmedins_code, a.feedetl_sn, a.amount_at_risk])).toEqual([
      ['P1', 'O1', 'SO1', 'D1', ['FO1a', 'FO1b'], 94.5],
    ]);
    expect(alerts[0].measured).toMatchObject({ stay_mdtrt_id: 'S1', stay_fixmedins_code: 'H1' });

    // With the edge days included, the admission-day and discharge-day visits fire too (params_hash differs).
    const config = { detectors: { outpatient_during_inpatient: { params: { exclude_admission_discharge_days: false } } } };
    const all = await detectOnce(t.store, 'outpatient_during_inpatient', { from: '2026-01-01', to: '2026-01-31', config });
    expect(all.map((a) => a.mdtrt_id)).toEqual(['O1', 'O3', 'O2']);
    expect(new Set(all.map((a) => a.params_hash)).size).toBe(1);
    expect(all[0].params_hash).not.toBe(alerts[0].params_hash);
  });
});
