import type { Detector } from '../types.ts';

/** One inpatient stay ≥ 150,000 yuan (a local/product parameter, see domain-notes §7): targeted review. */
export const detector: Detector = {
  id: 'high_cost_single_stay',
  version: 1,
  family: 'high_cost',
  gz_code: null,
  title_zh: '单次住院费用异常高额',
  title_en: 'Single inpatient stay with very high total cost',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条（过度诊疗、过度检查）',
  subject_type: 'visit',
  params: {
    min_stay_cost: { default: 150000, unit: '元', description_zh: '单次住院总费用阈值 (stay total at or above this fires)' },
    min_peer_stays: {
      default: 10,
      unit: '次',
      description_zh: '同主诊断住院数不少于此值时以其中位数估算超额 (peer stays needed to estimate the excess over the median)',
    },
  },
  lookbackDays: 365,
  sql: 'high_cost/high_cost_single_stay.sql',
};
