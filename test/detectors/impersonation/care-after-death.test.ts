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

describe('care_after_death', () => {
  it('flags a visit after death and charges after an in-hospital death, not the family settling afterwards', async () => {
    const c = new ClaimFixtures(t.store);
    c.provider({ fixmedins_code: 'H1' });
    c.person({ psn_no: 'P1', certno: '110101195001010011' });
    c.person({ psn_no: 'P2', certno: '110101195002020022' });
    c.person({ psn_no: 'P3', certno: '110101195003030033' });
    c.row('death_records', { certno: '110101195001010011', die_date: '2026-01-10', source: '公安销户' });
    c.row('death_records', { certno: '110101195002020022', die_date: '2026-01-12', source: '民政火化' });
    c.row('death_records', { certno: '110101195003030033', die_date: '2026-01-12', source: '民政火化' });
    // P1: an outpatient visit five days after death.
    c.visit({ mdtrt_id: 'V1', psn_no: 'P1', begntime: '2026-01-15 09:00:00' });
    c.settlement({ setl_id: 'S1', mdtrt_id: 'V1' });
    c.fee({ feedetl_sn: 'F1a', mdtrt_id: 'V1', setl_id: 'S1', cnt: 2, pric: 30.25 });
    c.fee({ feedetl_sn: 'F1b', mdtrt_id: 'V1', setl_id: 'S1', cnt: 1, pric: 12 });
    // P2: died in hospital on the 12th; nursing and bed still billed on the 13th and 14th.
    c.visit({ mdtrt_id: 'V2', psn_no: 'P2', med_type: '21', begntime: '2026-01-08 10:00:00', endtime: '2026-01-14 10:00:00' });
    c.settlement({ setl_id: 'S2', mdtrt_id: 'V2' });
    c.fee({ feedetl_sn: 'F2a', mdtrt_id: 'V2', setl_id: 'S2', fee_ocur_time: '2026-01-12 08:00:00', cnt: 1, pric: 500 });
    c.fee({ feedetl_sn: 'F2b', mdtrt_id: 'V2', setl_id: 'S2', fee_ocur_time: '2026-01-13 08:00:00', cnt: 1, pric: 80 });
    c.fee({ feedetl_sn: 'F2c', mdtrt_id: 'V2', setl_id: 'S2', fee_ocur_time: '2026-01-14 08:00:00', cnt: 1, pric: 80.5 });
    // Near miss P3: died in hospital on the 12th, family settles on the 13th, no charge after the death date.
    c.visit({ mdtrt_id: 'V3', psn_no: 'P3', med_type: '21', begntime: '2026-01-08 10:00:00', endtime: '2026-01-13 10:00:00' });
    c.settlement({ setl_id: 'S3', mdtrt_id: 'V3' });
    c.fee({ feedetl_sn: 'F3a', mdtrt_id: 'V3', setl_id: 'S3', fee_ocur_time: '2026-01-12 08:00:00', cnt: 1, pric: 900 });
    // Near miss: a living person (no death record) with the same kind of visit.
    c.person({ psn_no: 'P4', certno: '110101195004040044' });
    c.visit({ mdtrt_id: 'V4', psn_no: 'P4', begntime: '2026-01-15 09:00:00' });
    c.settlement({ setl_id: 'S4', mdtrt_id: 'V4' });
    c.fee({ feedetl_sn: 'F4a', mdtrt_id: 'V4', setl_id: 'S4', cnt: 1, pric: 40 });
    // Near miss P5: died in hospital late on the 12th, discharged the next morning: body care (尸体料理) and the
    // discharge dated the 13th are no care after death.
    c.person({ psn_no: 'P5', certno: '110101195005050055' });
    c.row('death_records', { certno: '110101195005050055', die_date: '2026-01-12', source: '民政火化' });
    c.visit({ mdtrt_id: 'V5', psn_no: 'P5', med_type: '21', begntime: '2026-01-06 10:00:00', endtime: '2026-01-13 08:30:00' });
    c.settlement({ setl_id: 'S5', mdtrt_id: 'V5', setl_time: '2026-01-13 09:00:00' });
    c.fee({ feedetl_sn: 'F5a', mdtrt_id: 'V5', setl_id: 'S5', fee_ocur_time: '2026-01-12 20:00:00', cnt: 1, pric: 600 });
    c.fee({ feedetl_sn: 'F5b', mdtrt_id: 'V5', setl_id: 'S5', fee_ocur_time: '2026-01-13 07:00:00', med_chrgitm_type: '07', hilist_name: '尸体料理', cnt: 1, pric: 100 });
    // P6: the same, but a drug was still billed on the 13th: that line fires.
    c.person({ psn_no: 'P6', certno: '110101195006060066' });
    c.row('death_records', { certno: '110101195006060066', die_date: '2026-01-12', source: '公安销户' });
    c.visit({ mdtrt_id: 'V6', psn_no: 'P6', med_type: '21', begntime: '2026-01-06 10:00:00', endtime: '2026-01-13 08:30:00' });
    c.settlement({ setl_id: 'S6', mdtrt_id: 'V6', setl_time: '2026-01-13 09:00:00' });
    c.fee({ feedetl_sn: 'F6a', mdtrt_id: 'V6', setl_id: 'S6', fee_ocur_time: '2026-01-13 07:00:00', med_chrgitm_type: '07', hilist_name: '尸体料理', cnt: 1, pric: 100 });
    c.fee({ feedetl_sn: 'F6b', mdtrt_id: 'V6', setl_id: 'S6', fee_ocur_time: '2026-01-13 07:30:00', list_type: '101', med_chrgitm_type: '09', hilist_name: '注射用头孢曲松钠', cnt: 2, pric: 16.5 });
    await c.flush();

    const alerts = await detectOnce(t.store, 'care_after_death', { from: '2026-01-01', to: '2026-01-31' });
    expect(alerts.map((a) => [a.psn_no, a.setl_id, a.mdtrt_id, a.feedetl_sn, a.amount_at_risk, a.subject_type, a.admdvs])).toEqual([
      ['P1', 'S1', 'V1', ['F1a', 'F1b'], 72.5, 'person', '421000'],
      ['P2', 'S2', 'V2', ['F2b', 'F2c'], 160.5, 'person', '421000'],
      ['P6', 'S6', 'V6', ['F6b'], 33, 'person', '421000'],
    ]);
    expect(alerts[1].measured).toMatchObject({ die_date: '2026-01-12', first_charge_after_death: '2026-01-13', days_after_death: 1, in_hospital_death: true });
    expect(alerts[0].legal_basis).toContain('第四十条');
    expect(alerts[0].detector_version).toBe(2);
    expect(await explainOf(t.store, alerts[0])).toBe('参保人已于 2026-01-10 死亡（公安销户），2026-01-15（死亡后 5 天）仍在 测试市第一人民医院 发生收费 2 项，金额 72.50 元');
    expect(await explainOf(t.store, alerts[1])).toBe(
      '参保人于 2026-01-12 在住院期间死亡（民政火化），2026-01-13 至 2026-01-14（死亡后第 1 天起）仍在 测试市第一人民医院 发生收费 2 项，金额 160.50 元',
    );
  });

  it('grace_days from the config lets a charge the day after death pass', async () => {
    const c = new ClaimFixtures(t.store);
    c.provider({ fixmedins_code: 'H1' });
    c.person({ psn_no: 'P2', certno: '110101195002020022' });
    c.row('death_records', { certno: '110101195002020022', die_date: '2026-01-12', source: '民政火化' });
    c.visit({ mdtrt_id: 'V2', psn_no: 'P2', med_type: '21', begntime: '2026-01-08 10:00:00', endtime: '2026-01-14 10:00:00' });
    c.settlement({ setl_id: 'S2', mdtrt_id: 'V2' });
    c.fee({ feedetl_sn: 'F2b', mdtrt_id: 'V2', setl_id: 'S2', fee_ocur_time: '2026-01-13 08:00:00', cnt: 1, pric: 80 });
    c.fee({ feedetl_sn: 'F2c', mdtrt_id: 'V2', setl_id: 'S2', fee_ocur_time: '2026-01-14 08:00:00', cnt: 1, pric: 80.5 });
    await c.flush();
    const config = { detectors: { care_after_death: { params: { grace_days: 1 } } } };
    const alerts = await detectOnce(t.store, 'care_after_death', { from: '2026-01-01', to: '2026-01-31', config });
    expect(alerts.map((a) => [a.setl_id, a.feedetl_sn, a.amount_at_risk])).toEqual([['S2', ['F2c'], 80.5]]);
  });
});
