import type { Detector } from '../types.ts';

/**
 * A sex-specific diagnosis (ICD-10) or procedure (ICD-9-CM-3) on a person of the other sex: someone else's
 * card was used (冒名就医), or the visit was coded wrongly. The code lists are the explicit table at the top
 * of the SQL.
 */
export const detector: Detector = {
  id: 'diagnosis_sex_conflict',
  version: 1,
  family: 'impersonation',
  gz_code: 'GZ10000204006000',
  title_zh: '诊断或手术操作与患者性别不符',
  title_en: 'Sex-specific diagnosis or procedure on a person of the other sex',
  result_type: 'violation',
  legal_basis: '《医疗保障基金使用监督管理条例》第四十条（冒名就医）；属编码错误的按医保结算清单质量要求整改',
  subject_type: 'visit',
  params: {
    include_secondary_diagnoses: { default: true, unit: '是/否', description_zh: '同时检查其他诊断 diag_codes (also check secondary diagnoses)' },
    include_procedures: {
      default: true,
      unit: '是/否',
      description_zh: '同时检查手术操作编码 oprn_oprt_codes（GZ10000201005000 手术操作编码与性别不符）',
    },
  },
  lookbackDays: 0,
  sql: 'impersonation/diagnosis_sex_conflict.sql',
};
