import type { Detector } from '../types.ts';
import { byLimit, charged, items, medTypeZh } from './explainText.ts';

/** Drug payable only under work-injury or maternity insurance (知识库第三批) billed to basic medical insurance. */
export const detector: Detector = {
  id: 'kp_insurance_type_limit',
  version: 1,
  family: 'billing',
  gz_code: 'GZ10000101001000',
  title_zh: '药品限工伤保险/限生育保险（知识点）',
  title_en: 'Work-injury or maternity-only drug billed to basic medical insurance',
  result_type: 'violation',
  legal_basis:
    '《医疗保障基金使用监督管理条例》第三十八条；国家医保智能监管规则库 药品限工伤保险 (GZ10000101001000) / 药品限生育保险 (GZ10000101002000)，知识库第三批（限定保险类型）',
  subject_type: 'visit',
  params: {
    maternity_med_types: {
      default: '51,52',
      unit: 'med_type',
      description_zh: '生育就医的医疗类别前缀，逗号分隔（在这些就诊中限生育药品可支付）(maternity med_type prefixes)',
    },
  },
  lookbackDays: 60, // a stay spanning run windows keeps its whole evidence (see the SQL)
  sql: 'billing/kp_insurance_type_limit.sql',
  usesKnowledgeBase: true,
  explain: (h) => {
    const m = h.measured;
    const limits = byLimit(items(m), (i) => (i.insurance === 'work_injury' ? '限工伤保险支付' : '限生育保险支付（生育就医）'));
    return `${limits}，本次${medTypeZh(m.med_type)}由基本医疗保险结算；${charged(m.dates, m.lines, h.amount_at_risk)}`;
  },
};
