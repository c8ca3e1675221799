import type { Detector } from '../types.ts';

/** Drug used for more days than its payment course (知识库第六批 限定支付疗程, e.g. 支付不超过14天). */
export const detector: Detector = {
  id: 'kp_payment_course_limit',
  version: 1,
  family: 'billing',
  gz_code: 'GZ10000101010000',
  title_zh: '药品超限定支付疗程',
  title_en: 'Drug used beyond its payment course',
  result_type: 'violation',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条；国家医保智能监管规则库 药品限支付疗程 (GZ10000101010000)，知识库第六批（限定支付疗程）',
  subject_type: 'person',
  params: {
    course_gap_days: { default: 30, unit: '天', description_zh: '两次用药间隔超过此天数视为新疗程 (a gap longer than this starts a new course)' },
    use_prd_days: { default: true, unit: 'boolean', description_zh: '按 prd_days 计算门诊带药覆盖天数 (count prd_days of supply as days of use)' },
  },
  lookbackDays: 400,
  sql: 'billing/kp_payment_course_limit.sql',
  usesKnowledgeBase: true,
};
