import type { Detector } from '../types.ts';

/** A stay with consecutive days of bed fees but no treatment, drug or nursing: 挂床住院. */
export const detector: Detector = {
  id: 'bed_holding',
  version: 1,
  family: 'admission',
  gz_code: null,
  title_zh: '挂床住院：连续多日仅收床位费，无治疗、用药和护理',
  title_en: 'Bed holding: consecutive stay days billed for the bed with no treatment, drug or nursing',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条（挂床住院）',
  subject_type: 'visit',
  params: {
    min_empty_days: { default: 3, unit: '天', description_zh: '连续无诊疗日的最少天数 (consecutive days with a bed fee and no care line)' },
    care_categories: {
      default: '05,06,07,09,10,11',
      unit: 'list',
      description_zh: '算作实际诊疗的收费类别：治疗、手术、护理、西药、中药饮片、中成药 (med_chrgitm_type)',
    },
  },
  lookbackDays: 0,
  sql: 'admission/bed_holding.sql',
};
