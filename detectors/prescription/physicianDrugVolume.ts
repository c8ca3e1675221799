import type { Detector } from '../types.ts';
import { days, yuan } from './text.ts';

/**
 * A physician's volume of one drug far above the physicians prescribing it (NHSA: nicotinamide at 200×), with far
 * more on each prescription than peers write — a chronic-care physician with many long-prescription patients has
 * volume, not over-prescription.
 */
export const detector: Detector = {
  id: 'physician_drug_volume',
  version: 2,
  family: 'prescription',
  gz_code: null,
  title_zh: '医师单一药品开药量显著高于同行',
  title_en: "Physician's volume of one drug far above peers",
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条（超量开药）',
  subject_type: 'physician',
  params: {
    min_peers: { default: 10, unit: '人', min: 5, max: 1000, description_zh: '开具该药的最少医师数，不足则跳过，取值 5–1000 (drugs with fewer prescribing physicians are skipped)' },
    z_threshold: { default: 2.5, unit: 'z', min: 2, max: 10, description_zh: 'ln(用量) 稳健 z 分数阈值，取值 2–10 (robust z on ln volume)' },
    min_ratio: { default: 30, unit: 'ratio', min: 2, max: 1000, description_zh: '用量 / 同行中位数 下限，取值 2–1000 (volume ÷ peer median)' },
    spread_floor: { default: 0.1, unit: 'ln', min: 0.01, max: 1, description_zh: 'z 分母下限，取值 0.01–1 (floor of 1.4826·MAD on the ln scale)' },
    min_per_rx_ratio: {
      default: 4,
      unit: 'ratio',
      min: 1, max: 100,
      description_zh: '每条处方明细的开具量 / 同行中位数 下限，取值 1–100；12周长期处方约为4周处方的3倍，不应因此触发 (volume per prescription line ÷ peers’ median)',
    },
  },
  lookbackDays: 0,
  sql: 'prescription/physician_drug_volume.sql',
  explain: (hit) => {
    const m = hit.measured;
    const peer = hit.peer ?? {};
    return (
      `医师 ${hit.bilg_dr_codg}（${hit.fixmedins_code}）${m.period_from} 至 ${m.period_to} 开具"${m.hilist_name ?? m.med_list_codg}"数量 ${days(m.volume)}` +
      `（${days(m.lines)} 条明细、${days(m.persons)} 人），为开具该药的 ${days(peer.size)} 名医师中位数 ${days(peer.median)} 的 ${days(m.ratio_to_peer_median)} 倍，` +
      `超过 ${days(hit.threshold.min_ratio)} 倍的阈值，每条处方 ${days(m.per_rx)}、同行中位数 ${days(m.peer_median_per_rx)}；超出部分估计 ${yuan(hit.amount_at_risk)} 元`
    );
  },
};
