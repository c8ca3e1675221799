import type { Detector } from '../types.ts';

/** A provider's monthly visits far above its own previous months. */
export const detector: Detector = {
  id: 'provider_volume_spike',
  version: 1,
  family: 'provider_pattern',
  gz_code: null,
  title_zh: '机构月就诊量较自身历史异常激增',
  title_en: "Provider's monthly volume spike against its own history",
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条、第四十条',
  subject_type: 'provider',
  params: {
    baseline_months: { default: 6, unit: '月', description_zh: '基线月数（最多12）(months before the month that form the baseline, at most 12)' },
    min_baseline_months: { default: 3, unit: '月', description_zh: '基线期最少有就诊月份数，不足则跳过 (fewer baseline months: skipped)' },
    min_visits: { default: 30, unit: '次', description_zh: '当月最少就诊量 (minimum visits in the month)' },
    min_ratio: { default: 2, unit: 'ratio', description_zh: '当月就诊量 / 基线中位数 下限 (visits ÷ baseline median)' },
    z_threshold: { default: 3.5, unit: 'z', description_zh: '稳健 z 分数阈值 (robust z against the own months)' },
    spread_floor_ratio: { default: 0.1, unit: 'ratio', description_zh: 'z 分母下限 = 该比例 × 基线中位数 (floor of 1.4826·MAD as a share of the median)' },
  },
  lookbackDays: 372,
  sql: 'provider_pattern/provider_volume_spike.sql',
};
