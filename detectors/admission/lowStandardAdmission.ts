import type { Detector, ExplainInput } from '../types.ts';
import { yuan } from '../../pipeline/detect/explain.ts';

/** A stay whose cost is almost all tests and exams, with no treatment or surgery: 低标准入院 / 无指征住院. */
export const detector: Detector = {
  id: 'low_standard_admission',
  version: 2,
  family: 'admission',
  gz_code: 'GZ10000204005000',
  title_zh: '低标准入院：检查化验费占比畸高且无治疗',
  title_en: 'Low-standard admission: tests and exams dominate the stay and no treatment was given',
  result_type: 'suspicious',
  legal_basis: '两库规则 GZ10000204005000 无指征住院（低标准入院）；《医疗保障基金使用监督管理条例》第三十八条（过度检查、挂床住院）',
  subject_type: 'visit',
  params: {
    min_test_share: { default: 0.8, unit: 'ratio', min: 0.5, max: 1, description_zh: '检查费(03)+化验费(04)占住院费用的最低比例 (share of the stay cost; range 0.5–1)' },
  },
  lookbackDays: 0,
  sql: 'admission/low_standard_admission.sql',
  explain,
};

function explain(h: ExplainInput): string {
  const m = h.measured;
  const pct = (x: unknown) => `${(Number(x) * 100).toFixed(1)}%`;
  return (
    `${m.admission_date} 入院（主诊断 ${m.principal_diagnosis ?? '未填'}）住院费用 ${yuan(Number(m.stay_cost))}，其中检查化验费 ${yuan(Number(m.test_exam_cost))}，` +
    `占 ${pct(m.test_share)}（界限 ${pct(h.threshold.min_test_share)}），且无治疗、手术收费，疑似低标准入院；整次住院金额 ${yuan(h.amount_at_risk)}`
  );
}
