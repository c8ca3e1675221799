import type { Detector } from '../types.ts';

/** A calendar month far above the person's own baseline (median of active months in the previous 12). */
export const detector: Detector = {
  id: 'high_cost_own_baseline',
  version: 1,
  family: 'high_cost',
  gz_code: null,
  title_zh: '参保人当月费用显著高于本人历史水平',
  title_en: "Person's month far above the own baseline",
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条',
  subject_type: 'person',
  params: {
    min_ratio: { default: 5, unit: 'ratio', description_zh: '当月费用 / 基线中位数 的下限 (month cost ÷ baseline median)' },
    min_excess: { default: 20000, unit: '元', description_zh: '当月超出基线中位数的最小金额 (minimum excess over the baseline median)' },
    min_baseline_months: {
      default: 5,
      unit: '月',
      description_zh: '基线期最少有费用月份数，不足则跳过；要求稳定的就医规律 (fewer active baseline months: skipped — a baseline needs a regular pattern)',
    },
  },
  lookbackDays: 366,
  sql: 'high_cost/high_cost_own_baseline.sql',
};
