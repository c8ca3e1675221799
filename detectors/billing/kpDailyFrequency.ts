import type { Detector } from '../types.ts';

/** Service billed above its daily limit in one visit (知识库第八批-1 限定频次: 1/日 or 24 小时/日). */
export const detector: Detector = {
  id: 'kp_daily_frequency',
  version: 1,
  family: 'billing',
  gz_code: 'GZ10000102014000',
  title_zh: '医疗服务项目超限定频次（每日）',
  title_en: 'Service billed above its daily frequency',
  result_type: 'violation',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条；国家医保智能监管规则库 医疗服务项目限定频次 (GZ10000102014000)，知识库第八批-1（限定频次）',
  subject_type: 'visit',
  params: {},
  lookbackDays: 60, // a stay spanning run windows keeps its whole evidence (see the SQL)
  sql: 'billing/kp_daily_frequency.sql',
  usesKnowledgeBase: true,
};
