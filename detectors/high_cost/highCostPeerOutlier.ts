import type { Detector, ExplainInput } from '../types.ts';
import { num, yuan } from '../../pipeline/detect/explain.ts';
import { CASE_MIX_PARAMS } from './caseMixParams.ts';

/**
 * A person's rolling 12-month cost far above peers (robust z on ln cost; median / MAD) and far above what the same
 * care costs others (case mix: diagnosis group × operation; high-intensity care counts at its own cost).
 */
export const detector: Detector = {
  id: 'high_cost_peer_outlier',
  version: 2,
  family: 'high_cost',
  gz_code: null,
  title_zh: '参保人年度费用显著高于同类人群且高于同病种诊疗费用',
  title_en: "Person's 12-month cost far above peers (age band, sex, insurance type, chronic care) and above what the same care costs others",
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条',
  subject_type: 'person',
  params: {
    z_threshold: { default: 3.5, unit: 'z', min: 2, max: 10, description_zh: 'ln(费用) 稳健 z 分数阈值 (robust z on ln cost, Iglewicz–Hoaglin 3.5)' },
    min_peer_size: { default: 30, unit: '人', min: 10, max: 1000, description_zh: '同组最少人数，不足则不预警 (smaller peer groups: no alert)' },
    age_band_years: { default: 10, unit: '岁', min: 5, max: 20, description_zh: '年龄分组宽度 (age band width)' },
    min_annual_cost: {
      default: 100000,
      unit: '元',
      min: 10000,
      max: 1000000,
      description_zh: '12个月费用下限：住院者相对以门诊为主的人群天然是离群值，故另设绝对金额门槛 (12-month cost floor: every inpatient is a log-scale outlier against a mostly outpatient population)',
    },
    min_visits: {
      default: 2,
      unit: '次',
      min: 1,
      max: 50,
      description_zh: '12个月最少就诊次数：单次高额住院由 high_cost_single_stay 负责，此处看累计 (a single expensive stay is high_cost_single_stay\'s finding; this one is about accumulated care)',
    },
    min_case_mix_ratio: {
      default: 2,
      unit: 'ratio',
      min: 0,
      max: 10,
      description_zh: '12个月费用 / 病种结构预期费用（每次就诊按同病组中位数，高强度治疗按实际）的下限，0 = 不比较 (cost ÷ case-mix expectation; 0 turns it off)',
    },
    ...CASE_MIX_PARAMS,
    spread_floor: { default: 0.05, unit: 'ln', min: 0.01, max: 1, description_zh: 'z 分母下限，防止 MAD 为 0 (floor of 1.4826·MAD on the ln scale)' },
  },
  lookbackDays: 365,
  sql: 'high_cost/high_cost_peer_outlier.sql',
  explain,
};

function explain(h: ExplainInput): string {
  const m = h.measured;
  return (
    `${m.period_from} 至 ${m.period_to} 共就诊 ${m.visits} 次、费用 ${yuan(Number(m.cost_12m))}，远高于同类人群（${h.peer?.group}，${h.peer?.size} 人）` +
    `中位数 ${yuan(Number(h.peer?.median))}（稳健 z ${num(h.peer?.score)}，界限 ${num(h.threshold.z_threshold)}），` +
    `也是这些诊疗按同病组常见费用应花的 ${yuan(Number(m.case_mix_expected_cost))}的 ${num(m.ratio_to_case_mix)} 倍（界限 ${num(h.threshold.min_case_mix_ratio)} 倍）；` +
    `估算超出 ${yuan(h.amount_at_risk)}`
  );
}
