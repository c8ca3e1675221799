import type { Detector } from '../types.ts';

/** A stay whose cost is almost all tests and exams, with no treatment or surgery: 低标准入院 / 无指征住院. */
export const detector: Detector = {
  id: 'low_standard_admission',
  version: 1,
  family: 'admission',
  gz_code: 'GZ10000204005000',
  title_zh: '低标准入院：检查化验费占比畸高且无治疗',
  title_en: 'Low-standard admission: tests and exams dominate the stay and no treatment was given',
  result_type: 'suspicious',
  legal_basis: '两库规则 GZ10000204005000 无指征住院（低标准入院）；《医疗保障基金使用监督管理条例》第三十八条（过度检查、挂床住院）',
  subject_type: 'visit',
  params: {
    min_test_share: { default: 0.8, unit: 'ratio', description_zh: '检查费(03)+化验费(04)占住院费用的最低比例 (share of the stay cost)' },
  },
  lookbackDays: 0,
  sql: 'admission/low_standard_admission.sql',
};
