import type { Detector } from '../types.ts';

/**
 * One physician settles the same drug for many different persons within minutes: the NHSA 2025-09 case of a
 * medical representative who collected dozens of 社保卡 and had 司美格鲁肽 (semaglutide) prescribed on them.
 */
export const detector: Detector = {
  id: 'card_stacking',
  version: 1,
  family: 'impersonation',
  gz_code: null,
  title_zh: '同一医师短时间内为多名参保人开具同一药品（疑似集中刷卡、冒名开药）',
  title_en: 'One physician bills the same drug for many persons within minutes (card stacking)',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第四十条（诱导、协助他人冒名就医、购药）',
  subject_type: 'physician',
  params: {
    min_persons: { default: 5, unit: '人', description_zh: '时间窗内不同参保人数达到此值 (distinct persons within the window)' },
    window_minutes: { default: 2, unit: '分钟', description_zh: '滑动时间窗长度 (sliding window length)' },
  },
  lookbackDays: 0,
  sql: 'impersonation/card_stacking.sql',
};
