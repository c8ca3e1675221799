import type { Detector } from '../types.ts';
import { byLimit, charged, items, medTypeZh } from './explainText.ts';

/** Drug payable only for inpatients (知识库第四批 限定就医方式) billed outside a stay. */
export const detector: Detector = {
  id: 'kp_care_setting_limit',
  version: 1,
  family: 'billing',
  gz_code: null,
  title_zh: '药品限就医方式（限住院）',
  title_en: 'Inpatient-only drug billed outside a stay',
  result_type: 'violation',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条；国家医保智能监管规则库（2025版）药品限就医方式，知识库第四批（限定就医方式）',
  subject_type: 'visit',
  params: {
    inpatient_med_types: { default: '2,52', unit: 'med_type', description_zh: '住院类医疗类别前缀，逗号分隔 (inpatient med_type prefixes)' },
    emergency_med_types: {
      default: '13',
      unit: 'med_type',
      description_zh: '急诊医疗类别前缀；“限急诊或住院患者”药品在急诊就诊中可支付 (emergency med_type prefixes)',
    },
  },
  lookbackDays: 60, // a stay spanning run windows keeps its whole evidence (see the SQL)
  sql: 'billing/kp_care_setting_limit.sql',
  usesKnowledgeBase: true,
  explain: (h) => {
    const m = h.measured;
    const limits = byLimit(items(m), (i) =>
      i.care_setting === 'outpatient' ? '限门诊使用' : i.emergency_allowed ? '限急诊或住院患者使用' : '限住院患者使用');
    return `${limits}，本次为${medTypeZh(m.med_type)}；${charged(m.dates, m.lines, h.amount_at_risk)}`;
  },
};
