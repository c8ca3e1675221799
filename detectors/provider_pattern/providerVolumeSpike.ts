import type { Detector, ExplainInput } from '../types.ts';
import { num, yuan } from '../../pipeline/detect/explain.ts';

/** A provider's weekly visits far above its own previous weeks, beyond what lifted its peers the same week. */
export const detector: Detector = {
  id: 'provider_volume_spike',
  version: 2,
  family: 'provider_pattern',
  gz_code: null,
  title_zh: '机构周就诊量较自身历史异常激增',
  title_en: "Provider's weekly volume spike against its own history",
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条、第四十条',
  subject_type: 'provider',
  params: {
    baseline_weeks: { default: 8, unit: '周', min: 4, max: 16, description_zh: '基线周数 (weeks before the week that form the baseline; range 4–16)' },
    min_baseline_weeks: { default: 4, unit: '周', min: 2, max: 16, description_zh: '基线期最少有就诊周数，不足则跳过 (fewer baseline weeks: skipped)' },
    min_visits: { default: 30, unit: '次', min: 10, max: 1000, description_zh: '当周最少就诊量 (minimum visits in the week)' },
    min_ratio: { default: 2.5, unit: 'ratio', min: 1.5, max: 10, description_zh: '当周就诊量（按同类机构涨幅校正后）/ 基线中位数 下限 (visits ÷ wave ÷ baseline median)' },
    z_threshold: { default: 3.5, unit: 'z', min: 2, max: 10, description_zh: '稳健 z 分数阈值 (robust z against the own weeks)' },
    spread_floor_ratio: { default: 0.1, unit: 'ratio', min: 0.01, max: 0.5, description_zh: 'z 分母下限 = 该比例 × 基线中位数 (floor of 1.4826·MAD as a share of the median)' },
    ramp_up_weeks: {
      default: 8,
      unit: '周',
      min: 0,
      max: 26,
      description_zh: '新机构或新纳入门诊统筹的机构（首次就诊或首次统筹基金支付晚于数据起点 14 天以上）开头不参与检测的周数，0 = 不排除 (first weeks of a provider that is new or joins outpatient pooling are left out: a ramp-up from zero)',
    },
    min_wave_peers: {
      default: 5,
      unit: '家',
      min: 3,
      max: 50,
      description_zh: '同类型机构同周至少有此数量才按其涨幅中位数校正（流感季等整体上升） (peers needed to correct for a wave that lifts everyone)',
    },
  },
  lookbackDays: 119,
  sql: 'provider_pattern/provider_volume_spike.sql',
  explain,
};

function explain(h: ExplainInput): string {
  const m = h.measured;
  const wave = Number(m.wave_factor) > 1 ? `同类机构同周普遍上升至常态的 ${num(m.wave_factor)} 倍，校正后为 ${num(m.ratio_after_wave)} 倍` : `同类机构同周无普遍上升`;
  return (
    `${m.week_from} 至 ${m.week_to} 一周就诊 ${m.visits} 人次，是本机构前 ${h.peer?.size ?? ''} 周中位数 ${num(h.peer?.median)} 人次的 ${num(m.ratio_to_baseline)} 倍` +
    `（界限 ${num(h.threshold.min_ratio)} 倍），${wave}；超出常态的金额 ${yuan(h.amount_at_risk)}`
  );
}
