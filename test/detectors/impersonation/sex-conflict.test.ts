import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce, lastSummary } from '../harness.ts';
import { explainOf } from '../prescription/explainOf.ts';
import type { Store } from '../../../pipeline/store/store.ts';

let t: { store: Store; cleanup: () => void };
beforeEach(async () => {
  t = await tempStore();
});
afterEach(() => t.cleanup());

describe('diagnosis_sex_conflict', () => {
  it('flags a male with a hysteroscopy and a female with prostate hyperplasia; same codes on the right sex do not fire', async () => {
    const c = new ClaimFixtures(t.store);
    c.provider({ fixmedins_code: 'H1' });
    c.person({ psn_no: 'M1', gend: '1' });
    c.person({ psn_no: 'F1', gend: '2' });
    c.person({ psn_no: 'F2', gend: '2' });
    c.person({ psn_no: 'M2', gend: '1' });
    c.person({ psn_no: 'U1', gend: '9' });
    // Male with a uterine procedure (68.1200 宫腔镜检查) on an otherwise neutral diagnosis.
    c.visit({ mdtrt_id: 'V1', psn_no: 'M1', med_type: '21', begntime: '2026-01-05 09:00:00', endtime: '2026-01-07 09:00:00',
      dscg_maindiag_code: 'R10.400', oprn_oprt_codes: '68.1200' });
    c.settlement({ setl_id: 'S1', mdtrt_id: 'V1' });
    c.fee({ feedetl_sn: 'F1a', mdtrt_id: 'V1', setl_id: 'S1', cnt: 1, pric: 680 });
    c.fee({ feedetl_sn: 'F1b', mdtrt_id: 'V1', setl_id: 'S1', cnt: 3, pric: 45.5 });
    // Female with N40 (prostate hyperplasia) as a secondary diagnosis.
    c.visit({ mdtrt_id: 'V2', psn_no: 'F1', begntime: '2026-01-06 09:00:00', dscg_maindiag_code: 'I10.x00', diag_codes: 'E11.900|N40.x00' });
    c.settlement({ setl_id: 'S2', mdtrt_id: 'V2' });
    c.fee({ feedetl_sn: 'F2', mdtrt_id: 'V2', setl_id: 'S2', cnt: 1, pric: 33.3 });
    // Near misses: the same codes on the right sex, a pregnancy on a female, unknown sex, and N39 (not sex-specific) on a female.
    c.visit({ mdtrt_id: 'V3', psn_no: 'F2', med_type: '21', begntime: '2026-01-05 09:00:00', endtime: '2026-01-07 09:00:00',
      dscg_maindiag_code: 'O80.000', oprn_oprt_codes: '68.1200|73.5900' });
    c.visit({ mdtrt_id: 'V4', psn_no: 'M2', begntime: '2026-01-06 09:00:00', dscg_maindiag_code: 'N40.x00' });
    c.visit({ mdtrt_id: 'V5', psn_no: 'U1', begntime: '2026-01-06 09:00:00', dscg_maindiag_code: 'N40.x00' });
    c.visit({ mdtrt_id: 'V6', psn_no: 'F2', begntime: '2026-01-08 09:00:00', dscg_maindiag_code: 'N39.000' });
    // Newborn boys billed on their mothers' cards (新生儿随母结算): F3 delivered on 01-02, her son's undescended
    // testis (Q53.100) is seen on 01-20; F4's visit lists the newborn code P07.300 with the son's phimosis (N47.x00).
    c.person({ psn_no: 'F3', gend: '2' });
    c.person({ psn_no: 'F4', gend: '2' });
    c.person({ psn_no: 'F5', gend: '2' });
    c.visit({ mdtrt_id: 'N1', psn_no: 'F3', med_type: '21', begntime: '2026-01-02 09:00:00', endtime: '2026-01-05 09:00:00', dscg_maindiag_code: 'O80.000' });
    c.visit({ mdtrt_id: 'N2', psn_no: 'F3', begntime: '2026-01-20 09:00:00', dscg_maindiag_code: 'Q53.100' });
    c.visit({ mdtrt_id: 'N3', psn_no: 'F4', begntime: '2026-01-09 09:00:00', dscg_maindiag_code: 'P07.300', diag_codes: 'N47.x00' });
    // … but 60 days after a delivery the newborn period is over: F5's Q53.100 in March fires
    c.visit({ mdtrt_id: 'N4', psn_no: 'F5', med_type: '21', begntime: '2026-01-02 09:00:00', endtime: '2026-01-05 09:00:00', dscg_maindiag_code: 'O80.000' });
    c.visit({ mdtrt_id: 'N5', psn_no: 'F5', begntime: '2026-03-03 09:00:00', dscg_maindiag_code: 'Q53.100' });
    c.settlement({ setl_id: 'SN5', mdtrt_id: 'N5' });
    c.fee({ feedetl_sn: 'FN5', mdtrt_id: 'N5', setl_id: 'SN5', cnt: 1, pric: 28 });
    await c.flush();

    const alerts = await detectOnce(t.store, 'diagnosis_sex_conflict', { from: '2026-01-01', to: '2026-03-31' });
    expect(alerts.map((a) => [a.psn_no, a.mdtrt_id, a.subject_type, a.feedetl_sn, a.amount_at_risk, a.gz_code])).toEqual([
      ['F1', 'V2', 'visit', ['F2'], 33.3, 'GZ10000204006000'],
      ['F5', 'N5', 'visit', ['FN5'], 28, 'GZ10000204006000'],
      ['M1', 'V1', 'visit', ['F1a', 'F1b'], 816.5, 'GZ10000204006000'],
    ]);
    expect(alerts[0].measured).toEqual({
      gend: '2',
      conflicts: [{ code: 'N40.x00', kind: 'diagnosis', role: 'secondary', requires: 'male', group: '男性生殖器官疾病 diseases of male genital organs' }],
      dscg_maindiag_code: 'I10.x00',
      dscg_maindiag_name: '肺炎',
      lines: 1,
    });
    expect((alerts[2].measured as { conflicts: { code: string }[] }).conflicts.map((x) => x.code)).toEqual(['68.1200']);
    expect(alerts[0].detector_version).toBe(2);
    expect(await explainOf(t.store, alerts[0])).toBe('参保人为女性，其他诊断"N40.x00"（男性生殖器官疾病）限男性；2026-01-06 就诊收费 1 项，金额 33.30 元');
    expect(await explainOf(t.store, alerts[2])).toBe('参保人为男性，手术操作"68.1200"（女性生殖器官手术）限女性；2026-01-05 就诊收费 2 项，金额 816.50 元');

    // Procedures switched off in the config: the male hysteroscopy no longer fires.
    const config = { detectors: { diagnosis_sex_conflict: { params: { include_procedures: false } } } };
    await detectOnce(t.store, 'diagnosis_sex_conflict', { from: '2026-01-01', to: '2026-03-31', config });
    expect(lastSummary?.counts.per_detector.diagnosis_sex_conflict).toMatchObject({ hits: 2, alerts: 2, alerts_new: 0, alerts_existing: 2, amount_at_risk: 61.3 });
  });
});
