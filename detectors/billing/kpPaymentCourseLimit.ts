import type { Detector } from '../types.ts';
import { num, quoted, yuan } from './explainText.ts';

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
    course_gap_days: { default: 30, unit: '天', min: 1, max: 365, description_zh: '两次用药间隔超过此天数视为新疗程 (a gap longer than this starts a new course)' },
    use_prd_days: { default: true, unit: 'boolean', description_zh: '按 prd_days 计算门诊带药覆盖天数 (count prd_days of supply as days of use)' },
  },
  lookbackDays: 400,
  sql: 'billing/kp_payment_course_limit.sql',
  usesKnowledgeBase: true,
  explain: (h) => {
    const m = h.measured;
    const stay = m.per_stay_mdtrt_id ? `单次住院（就诊 ${String(m.per_stay_mdtrt_id)}）` : '';
    return `${quoted(m.item_name)}${stay}限支付 ${num(h.threshold.max_days)} 天，本疗程自 ${String(m.course_start)} 起已用药 ${num(m.days_used)} 天；` +
      `超出部分（第 ${num(Number(h.threshold.max_days) + 1)} 天起）${num(m.lines)} 条明细，金额 ${yuan(h.amount_at_risk)}`;
  },
};
