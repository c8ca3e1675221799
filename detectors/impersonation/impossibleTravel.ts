import type { Detector } from '../types.ts';

/** One card settled on the same day at providers too far apart for the time between them: 冒名就医. */
export const detector: Detector = {
  id: 'impossible_travel',
  version: 1,
  family: 'impersonation',
  gz_code: null,
  title_zh: '同日异地就医时间距离不可能（疑似冒名就医）',
  title_en: 'Same-day settlements at providers too far apart (impossible travel)',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第四十条（冒名就医骗取医保基金）',
  subject_type: 'person',
  params: {
    min_distance_km: { default: 50, unit: '公里', description_zh: '两家机构的直线距离（haversine）超过此值 (great-circle distance above this)' },
    max_gap_hours: { default: 1, unit: '小时', description_zh: '两次结算相隔不超过此时间 (settlements at most this many hours apart)' },
  },
  lookbackDays: 0,
  sql: 'impersonation/impossible_travel.sql',
};
