import type { Detector } from '../types.ts';
import { days, yuan } from './text.ts';

/** A physician's drug amount per outpatient visit for one diagnosis far above peers (医师画像). */
export const detector: Detector = {
  id: 'physician_rx_amount_peer',
  version: 1,
  family: 'prescription',
  gz_code: null,
  title_zh: '医师同诊断次均处方金额显著高于同行',
  title_en: "Physician's prescription amount per visit for one diagnosis far above peers",
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条（过度诊疗、超量开药）',
  subject_type: 'physician',
  params: {
    min_visits: { default: 10, unit: '次', min: 5, max: 1000, description_zh: '医师该诊断最少就诊次数，取值 5–1000 (minimum visits of the diagnosis per physician)' },
    min_peers: { default: 8, unit: '人', min: 5, max: 1000, description_zh: '同组最少医师数，不足则跳过，取值 5–1000 (smaller peer groups are skipped)' },
    z_threshold: { default: 3, unit: 'z', min: 2, max: 10, description_zh: 'ln(次均金额) 稳健 z 分数阈值，取值 2–10 (robust z on ln mean amount)' },
    min_ratio: { default: 2.5, unit: 'ratio', min: 1.5, max: 20, description_zh: '次均金额 / 同行中位数 下限，取值 1.5–20；机构间药价差异即可造成约2倍 (mean ÷ peer median; provider price differences alone reach ~2×)' },
    spread_floor: { default: 0.05, unit: 'ln', min: 0.01, max: 1, description_zh: 'z 分母下限，取值 0.01–1 (floor of 1.4826·MAD on the ln scale)' },
  },
  lookbackDays: 0,
  sql: 'prescription/physician_rx_amount_peer.sql',
  explain: (hit) => {
    const m = hit.measured;
    const peer = hit.peer ?? {};
    return (
      `医师 ${hit.bilg_dr_codg}（${hit.fixmedins_code}）${m.period_from} 至 ${m.period_to} 主诊断 ${m.dscg_maindiag_code} 的 ${days(m.visits)} 次就诊` +
      `次均处方金额 ${yuan(m.mean_rx_amount)} 元，为同组 ${days(peer.size)} 名医师中位数 ${yuan(peer.median)} 元的 ${days(m.ratio_to_peer_median)} 倍，` +
      `超过 ${days(hit.threshold.min_ratio)} 倍的阈值；超出部分估计 ${yuan(hit.amount_at_risk)} 元`
    );
  },
};
