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
  for (let i = 1; i <= 10; i++) c.person({ psn_no: `P${i}` });
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

  it('without the chemo/dialysis exclusion lists the cycle stays fire (the exclusions are what clears them)', async () => {
    await claims();
    const config = { detectors: { split_hospitalisation: { params: { exclude_diag_prefixes: '', exclude_oprn_prefixes: '' } } } };
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
