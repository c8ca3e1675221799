import type { Detector } from '../types.ts';

/** Two inpatient stays of one person overlapping at different providers: one of them is a 冒名 or 虚假住院. */
export const detector: Detector = {
  id: 'overlapping_inpatient_stays',
  version: 1,
  family: 'impersonation',
  gz_code: null,
  title_zh: '同一参保人在不同医疗机构住院时间重叠',
  title_en: 'Overlapping inpatient stays at different providers',
  result_type: 'violation',
  legal_basis: '《医疗保障基金使用监督管理条例》第四十条（冒名就医、虚假住院骗取医保基金）',
  subject_type: 'person',
  params: {
    min_overlap_days: {
      default: 1,
      unit: '天',
      description_zh: '重叠天数不少于此值才触发；当天出院当天转入他院（转院）重叠 0 天 (a same-day transfer overlaps 0 days)',
    },
  },
  lookbackDays: 90,
  sql: 'impersonation/overlapping_inpatient_stays.sql',
};
