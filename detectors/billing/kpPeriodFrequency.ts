import type { Detector } from '../types.ts';
import { listZh, num, quoted, yuan } from './explainText.ts';

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
  explain: (h) => {
    const m = h.measured;
    const t = h.threshold;
    const dates = Array.isArray(m.dates) ? m.dates.map(String) : [];
    return `${quoted(m.item_name ?? m.med_list_codg)}限 ${num(t.period_days)} 天内 ${num(t.period_max)} 次，` +
      `${num(t.period_days)} 天内收费 ${num(m.count_in_period)} 次（${listZh(dates, 4, '天')}）；超出部分金额 ${yuan(h.amount_at_risk)}`;
  },
};
