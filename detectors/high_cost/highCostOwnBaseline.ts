import type { Detector, ExplainInput } from '../types.ts';
import { num, yuan } from '../../pipeline/detect/explain.ts';
import { CASE_MIX_PARAMS } from './caseMixParams.ts';

/**
 * A calendar month far above the person's own baseline (median of active months in the previous 12) and far above
 * what the month's care costs others (case mix; high-intensity care counts at its own cost).
 */
export const detector: Detector = {
  id: 'high_cost_own_baseline',
  version: 2,
  family: 'high_cost',
  gz_code: null,
  title_zh: '参保人当月费用显著高于本人历史水平且高于同病种诊疗费用',
  title_en: "Person's month far above the own baseline and above what the same care costs others",
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条',
  subject_type: 'person',
  params: {
    min_ratio: { default: 5, unit: 'ratio', min: 2, max: 50, description_zh: '当月费用 / 基线中位数 的下限 (month cost ÷ baseline median)' },
    min_excess: { default: 20000, unit: '元', min: 1000, max: 1000000, description_zh: '当月超出基线中位数的最小金额 (minimum excess over the baseline median)' },
    min_baseline_months: {
      default: 5,
      unit: '月',
      min: 2,
      max: 12,
      description_zh: '基线期最少有费用月份数，不足则跳过；要求稳定的就医规律 (fewer active baseline months: skipped — a baseline needs a regular pattern)',
    },
    min_case_mix_ratio: {
      default: 2,
      unit: 'ratio',
      min: 0,
      max: 10,
      description_zh: '当月费用 / 病种结构预期费用（每次就诊按同病组中位数，高强度治疗按实际）的下限，0 = 不比较 (month cost ÷ case-mix expectation; 0 turns it off)',
    },
    ...CASE_MIX_PARAMS,
  },
  lookbackDays: 366,
  sql: 'high_cost/high_cost_own_baseline.sql',
  explain,
};

function explain(h: ExplainInput): string {
  const m = h.measured;
  return (
    `${m.month} 费用 ${yuan(Number(m.month_cost))}（主要为 ${m.main_care ?? '未填诊断'}），是本人前 12 个月 ${h.peer?.size} 个有费用月份中位数 ${yuan(Number(h.peer?.median))}` +
    `的 ${num(h.peer?.score)} 倍（界限 ${num(h.threshold.min_ratio)} 倍），也是当月诊疗按同病组常见费用应花的 ${yuan(Number(m.case_mix_expected_cost))}` +
    `的 ${num(m.ratio_to_case_mix)} 倍（界限 ${num(h.threshold.min_case_mix_ratio)} 倍）；估算超出 ${yuan(h.amount_at_risk)}`
  );
}
