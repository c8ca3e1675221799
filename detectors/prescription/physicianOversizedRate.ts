import type { Detector } from '../types.ts';

/** A physician's rate of oversized outpatient prescriptions (days of supply over 7 / 3 / 84) above peers. */
export const detector: Detector = {
  id: 'physician_oversized_rate',
  version: 1,
  family: 'prescription',
  gz_code: null,
  title_zh: '医师超量处方比例显著高于同行',
  title_en: "Physician's rate of oversized prescriptions far above peers",
  result_type: 'suspicious',
  legal_basis: '《处方管理办法》第十九条；《医疗保障基金使用监督管理条例》第三十八条（超量开药）',
  subject_type: 'physician',
  params: {
    outpatient_max_days: { default: 7, unit: '天', description_zh: '门诊处方一般不超过天数 (outpatient supply)' },
    emergency_max_days: { default: 3, unit: '天', description_zh: '急诊处方一般不超过天数 (emergency supply, med_type 13)' },
    chronic_max_days: { default: 84, unit: '天', description_zh: '慢特病长期处方上限 (chronic/long prescription, med_type 14x)' },
    min_prescriptions: { default: 30, unit: '张', description_zh: '医师最少处方数，不足不参与比较 (physicians with fewer prescriptions are skipped)' },
    min_peers: { default: 10, unit: '人', description_zh: '同组最少医师数，不足则跳过 (smaller peer groups are skipped)' },
    z_threshold: { default: 3, unit: 'z', description_zh: '稳健 z 分数阈值 (robust z on the rate)' },
    min_rate_gap: { default: 0.2, unit: 'ratio', description_zh: '高出同行中位数的最小比例差 (minimum rate above the peer median)' },
    spread_floor: { default: 0.02, unit: 'ratio', description_zh: 'z 分母下限 (floor of 1.4826·MAD)' },
  },
  lookbackDays: 0,
  sql: 'prescription/physician_oversized_rate.sql',
};
