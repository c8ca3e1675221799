import { describe, expect, it } from 'vitest';
import { getDetector, listDetectors } from '../../../pipeline/detect/registry.ts';
import { alertJson } from '../../../pipeline/detect/alerts.ts';

describe('registry', () => {
  it('discovers the impersonation detectors with their SQL, ids unique', async () => {
    const all = await listDetectors();
    const ids = all.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(all.filter((d) => d.family === 'impersonation').map((d) => d.id)).toEqual([
      'card_stacking', 'care_after_death', 'diagnosis_sex_conflict', 'impossible_travel', 'outpatient_during_inpatient',
      'overlapping_inpatient_stays',
    ]);
    const d = await getDetector('card_stacking');
    expect(d.file).toBe('detectors/impersonation/cardStacking.ts');
    expect(d.sqlPath.endsWith('sql/detectors/impersonation/card_stacking.sql')).toBe(true);
    await expect(getDetector('no_such_rule')).rejects.toThrow(/unknown detector "no_such_rule"/);
  });
});

describe('alertJson', () => {
  it('gives exactly the interfaces.md keys (explanation_zh last: additions of 2026-12), money with 2 decimals, JSON parsed', () => {
    const a = alertJson({
      alert_id: 'abc', run_id: 'R1', last_run_id: 'R2', family: 'impersonation', detector_id: 'x', detector_version: 2,
      gz_code: null, result_type: 'violation', title_zh: '标题', subject_type: 'visit', psn_no: 'P1', fixmedins_code: 'H1',
      bilg_dr_codg: null, mdtrt_id: 'V1', setl_id: null, feedetl_sn: ['F1'], admdvs: '421000', measured: '{"a":1}',
      threshold: '{"b":2}', peer: null, amount_at_risk: 12.345, params: '{}', params_hash: 'h', legal_basis: '条例',
      status: 'open', created_at: new Date('2026-01-05T01:02:03Z'), explanation_zh: '说明',
    });
    expect(Object.keys(a)).toEqual([
      'alert_id', 'run_id', 'family', 'detector_id', 'detector_version', 'gz_code', 'result_type', 'title_zh', 'subject_type',
      'psn_no', 'fixmedins_code', 'bilg_dr_codg', 'mdtrt_id', 'setl_id', 'feedetl_sn', 'admdvs', 'measured', 'threshold', 'peer',
      'amount_at_risk', 'params_hash', 'legal_basis', 'status', 'created_at', 'explanation_zh',
    ]);
    expect([a.amount_at_risk, a.measured, a.created_at]).toEqual([12.35, { a: 1 }, '2026-01-05T09:02:03+08:00']);
  });
});
