import type { Detector } from '../types.ts';

/** Mean cost per stay for one principal diagnosis far above same-level providers. */
export const detector: Detector = {
  id: 'cost_per_stay_peer',
  version: 1,
  family: 'upcoding',
  gz_code: null,
  title_zh: '同病种次均住院费用显著高于同级机构',
  title_en: 'Mean cost per stay for one principal diagnosis above same-level peers',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条',
  subject_type: 'provider',
  params: {
    min_stays: { default: 5, unit: '次', description_zh: '机构该病种最少出院人次 (minimum stays of the diagnosis at a provider)' },
    min_peers: { default: 5, unit: '家', description_zh: '同组最少机构数，不足则跳过 (smaller peer groups are skipped)' },
    z_threshold: { default: 3, unit: 'z', description_zh: 'ln(次均费用) 稳健 z 分数阈值 (robust z on ln mean cost)' },
    min_ratio: { default: 1.3, unit: 'ratio', description_zh: '次均费用 / 同组中位数 下限 (mean ÷ peer median)' },
    spread_floor: { default: 0.05, unit: 'ln', description_zh: 'z 分母下限 (floor of 1.4826·MAD on the ln scale)' },
  },
  lookbackDays: 0,
  sql: 'upcoding/cost_per_stay_peer.sql',
};
