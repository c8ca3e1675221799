import type { Detector } from '../types.ts';

/** A provider's weekly visits far above its own previous weeks. */
export const detector: Detector = {
  id: 'provider_volume_spike',
  version: 1,
  family: 'provider_pattern',
  gz_code: null,
  title_zh: '机构周就诊量较自身历史异常激增',
  title_en: "Provider's weekly volume spike against its own history",
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条、第四十条',
  subject_type: 'provider',
  params: {
    baseline_weeks: { default: 8, unit: '周', description_zh: '基线周数（最多16）(weeks before the week that form the baseline, at most 16)' },
    min_baseline_weeks: { default: 4, unit: '周', description_zh: '基线期最少有就诊周数，不足则跳过 (fewer baseline weeks: skipped)' },
    min_visits: { default: 30, unit: '次', description_zh: '当周最少就诊量 (minimum visits in the week)' },
    min_ratio: { default: 2.5, unit: 'ratio', description_zh: '当周就诊量 / 基线中位数 下限 (visits ÷ baseline median)' },
    z_threshold: { default: 3.5, unit: 'z', description_zh: '稳健 z 分数阈值 (robust z against the own weeks)' },
    spread_floor_ratio: { default: 0.1, unit: 'ratio', description_zh: 'z 分母下限 = 该比例 × 基线中位数 (floor of 1.4826·MAD as a share of the median)' },
  },
  lookbackDays: 119,
  sql: 'provider_pattern/provider_volume_spike.sql',
};
