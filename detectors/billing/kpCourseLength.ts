import type { Detector } from '../types.ts';
import { num, quoted, yuan } from './explainText.ts';

/** Service billed beyond its course length (知识库第八批-3 限定疗程, e.g. 支付不超过30天, 总时间不超过90天). */
export const detector: Detector = {
  id: 'kp_course_length',
  version: 1,
  family: 'billing',
  gz_code: 'GZ10000102010000',
  title_zh: '医疗服务项目超限定支付疗程',
  title_en: 'Service billed beyond its course length',
  result_type: 'violation',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条；国家医保智能监管规则库 项目限支付疗程 (GZ10000102010000)，知识库第八批-3（限定疗程）',
  subject_type: 'person',
  params: {
    course_gap_days: { default: 30, unit: '天', min: 1, max: 365, description_zh: '两次治疗间隔超过此天数视为新疗程 (a gap longer than this starts a new course)' },
  },
  lookbackDays: 400,
  sql: 'billing/kp_course_length.sql',
  usesKnowledgeBase: true,
  explain: (h) => {
    const m = h.measured;
    const measuredDays = h.threshold.course_measure === 'billed_days' ? `已收费 ${num(m.billed_days)} 天` : `已持续 ${num(m.span_days)} 天（收费 ${num(m.billed_days)} 天）`;
    return `${quoted(m.item_name)}限支付疗程 ${num(h.threshold.max_days)} 天，本疗程自 ${String(m.course_start)} 起${measuredDays}；` +
      `超出部分 ${num(m.lines)} 条明细，金额 ${yuan(h.amount_at_risk)}`;
  },
};
