import type { Detector } from '../types.ts';
import { LONG_RX_PARAMS } from './longPrescription.ts';
import { days, pct, yuan } from './text.ts';

/**
 * A physician's rate of oversized outpatient prescriptions above peers; a prescription is oversized as in
 * oversized_days_supply (7 / 3 days, 12 weeks for a long prescription of a chronic condition, a standard course such
 * as 14 days of H. pylori eradication).
 */
export const detector: Detector = {
  id: 'physician_oversized_rate',
  version: 2,
  family: 'prescription',
  gz_code: null,
  title_zh: '医师超量处方比例显著高于同行',
  title_en: "Physician's rate of oversized prescriptions far above peers",
  result_type: 'suspicious',
  legal_basis: '《处方管理办法》第十九条；《长期处方管理规范（试行）》；《医疗保障基金使用监督管理条例》第三十八条（超量开药）',
  subject_type: 'physician',
  params: {
    outpatient_max_days: { default: 7, unit: '天', min: 1, max: 30, description_zh: '门诊处方一般不超过天数，取值 1–30 (outpatient supply)' },
    emergency_max_days: { default: 3, unit: '天', min: 1, max: 7, description_zh: '急诊处方一般不超过天数，取值 1–7 (emergency supply, med_type 13)' },
    chronic_max_days: { default: 84, unit: '天', min: 28, max: 90, description_zh: '慢性病长期处方上限 12 周，取值 28–90 (long prescription: 门慢门特 visit, chronic drug or diagnosis)' },
    ...LONG_RX_PARAMS,
    min_prescriptions: { default: 30, unit: '张', min: 10, max: 1000, description_zh: '医师最少处方数，不足不参与比较，取值 10–1000 (physicians with fewer prescriptions are skipped)' },
    min_peers: { default: 10, unit: '人', min: 5, max: 1000, description_zh: '同组最少医师数，不足则跳过，取值 5–1000 (smaller peer groups are skipped)' },
    z_threshold: { default: 3, unit: 'z', min: 2, max: 10, description_zh: '稳健 z 分数阈值，取值 2–10 (robust z on the rate)' },
    min_rate_gap: { default: 0.2, unit: 'ratio', min: 0.05, max: 0.9, description_zh: '高出同行中位数的最小比例差，取值 0.05–0.9 (minimum rate above the peer median)' },
    spread_floor: { default: 0.02, unit: 'ratio', min: 0.005, max: 0.2, description_zh: 'z 分母下限，取值 0.005–0.2 (floor of 1.4826·MAD)' },
  },
  lookbackDays: 0,
  sql: 'prescription/physician_oversized_rate.sql',
  explain: (hit) => {
    const m = hit.measured;
    const peer = hit.peer ?? {};
    const t = hit.threshold;
    return (
      `医师 ${hit.bilg_dr_codg}（${hit.fixmedins_code}）${m.period_from} 至 ${m.period_to} 门诊处方 ${days(m.prescriptions)} 张，` +
      `超量 ${days(m.oversized)} 张（超量率 ${pct(m.rate)}），同行 ${days(peer.size)} 名医师中位数 ${pct(peer.median)}，` +
      `稳健 z 分数 ${peer.score}，超过阈值 ${t.z_threshold}；超量部分药费估计 ${yuan(hit.amount_at_risk)} 元`
    );
  },
};
