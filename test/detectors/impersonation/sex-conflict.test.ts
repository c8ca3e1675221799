import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce, lastSummary } from '../harness.ts';
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
    await c.flush();

    const alerts = await detectOnce(t.store, 'diagnosis_sex_conflict', { from: '2026-01-01', to: '2026-01-31' });
    expect(alerts.map((a) => [a.psn_no, a.mdtrt_id, a.subject_type, a.feedetl_sn, a.amount_at_risk, a.gz_code])).toEqual([
      ['F1', 'V2', 'visit', ['F2'], 33.3, 'GZ10000204006000'],
      ['M1', 'V1', 'visit', ['F1a', 'F1b'], 816.5, 'GZ10000204006000'],
    ]);
    expect(alerts[0].measured).toEqual({
      gend: '2',
      conflicts: [{ code: 'N40.x00', kind: 'diagnosis', role: 'secondary', requires: 'male', group: '男性生殖器官疾病 diseases of male genital organs' }],
    });
    expect((alerts[1].measured as { conflicts: { code: string }[] }).conflicts.map((x) => x.code)).toEqual(['68.1200']);

    // Procedures switched off in the config: the male hysteroscopy no longer fires.
    const config = { detectors: { diagnosis_sex_conflict: { params: { include_procedures: false } } } };
    await detectOnce(t.store, 'diagnosis_sex_conflict', { from: '2026-01-01', to: '2026-01-31', config });
    expect(lastSummary?.counts.per_detector.diagnosis_sex_conflict).toMatchObject({ hits: 1, alerts: 1, alerts_new: 0, alerts_existing: 1, amount_at_risk: 33.3 });
  });
});
