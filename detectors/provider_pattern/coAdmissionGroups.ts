import type { Detector } from '../types.ts';

/** 结伙住院: groups of persons repeatedly admitted together at the same provider. */
export const detector: Detector = {
  id: 'co_admission_groups',
  version: 1,
  family: 'provider_pattern',
  gz_code: null,
  title_zh: '同一机构多人反复同时入院（疑似结伙住院）',
  title_en: 'Groups of persons repeatedly admitted together at the same provider',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第四十条（诱导、协助他人冒名或者虚假就医）',
  subject_type: 'provider',
  params: {
    admit_window_days: { default: 0, unit: '天', description_zh: '入院日期相差不超过天数视为同时入院，0 = 同日 (admission dates this close count as together; 0 = same day)' },
    min_co_admissions: { default: 3, unit: '次', description_zh: '两人同时入院的最少次数 (minimum joint admissions of a pair)' },
    min_group_persons: { default: 3, unit: '人', description_zh: '机构涉及的最少人数 (minimum persons in repeated pairs at the provider)' },
  },
  lookbackDays: 365,
  sql: 'provider_pattern/co_admission_groups.sql',
};
