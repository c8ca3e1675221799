import type { Detector, ExplainInput } from '../types.ts';
import { num, yuan } from '../../pipeline/detect/explain.ts';

/** Mean cost per stay for one principal diagnosis far above same-level providers. */
export const detector: Detector = {
  id: 'cost_per_stay_peer',
  version: 2,
  family: 'upcoding',
  gz_code: null,
  title_zh: '同病组次均住院费用显著高于同类机构',
  title_en: 'Mean cost per stay for one case-mix group above providers of the same kind',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条',
  subject_type: 'provider',
  params: {
    min_stays: { default: 5, unit: '次', min: 3, max: 100, description_zh: '机构该病组最少出院人次 (minimum stays of the case-mix group at a provider)' },
    min_peers: { default: 5, unit: '家', min: 3, max: 50, description_zh: '同组（同类机构·同病组）最少机构数，不足则不预警 (smaller peer groups: no alert)' },
    z_threshold: { default: 3, unit: 'z', min: 2, max: 10, description_zh: 'ln(次均费用) 稳健 z 分数阈值 (robust z on ln mean cost)' },
    min_ratio: { default: 1.3, unit: 'ratio', min: 1.1, max: 5, description_zh: '次均费用 / 同组中位数 下限 (mean ÷ peer median)' },
    spread_floor: { default: 0.05, unit: 'ln', min: 0.01, max: 0.5, description_zh: 'z 分母下限 (floor of 1.4826·MAD on the ln scale)' },
  },
  lookbackDays: 0,
  sql: 'upcoding/cost_per_stay_peer.sql',
  explain,
};

function explain(h: ExplainInput): string {
  const m = h.measured;
  return (
    `${m.period_from} 至 ${m.period_to} 本院 ${m.case_mix_group} 病组出院 ${m.stays} 人次，次均费用 ${yuan(Number(m.mean_cost))}，` +
    `是同类机构（${m.provider_kind}，${h.peer?.size} 家）中位数 ${yuan(Number(m.peer_median_cost))}的 ${num(m.ratio_to_peer_median)} 倍（界限 ${num(h.threshold.min_ratio)} 倍）；` +
    `估算多收 ${yuan(h.amount_at_risk)}`
  );
}
