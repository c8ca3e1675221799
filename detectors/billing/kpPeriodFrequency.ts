import type { Detector } from '../types.ts';

/** Service billed more often than allowed within its period (知识库第八批-4 限定周期, e.g. 15 天内 1 次). */
export const detector: Detector = {
  id: 'kp_period_frequency',
  version: 1,
  family: 'billing',
  gz_code: null,
  title_zh: '医疗服务项目周期超频次',
  title_en: 'Service billed above its count within a period',
  result_type: 'violation',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条；国家医保智能监管规则库（2025版）项目周期超频次，知识库第八批-4（限定周期）',
  subject_type: 'person',
  params: {},
  lookbackDays: 60,
  sql: 'billing/kp_period_frequency.sql',
  usesKnowledgeBase: true,
};
