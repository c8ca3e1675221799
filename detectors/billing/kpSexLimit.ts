import type { Detector } from '../types.ts';
import { byLimit, charged, items } from './explainText.ts';

const SEX_ZH: Record<string, string> = { '1': '男性', '2': '女性' };

/** Drug or service limited to one sex (知识库第一批 限定性别对象) billed for a person of the other sex. */
export const detector: Detector = {
  id: 'kp_sex_limit',
  version: 1,
  family: 'billing',
  gz_code: 'GZ10000301004000',
  title_zh: '药品/医疗服务项目限定性别（知识点）',
  title_en: 'Drug or service limited to the other sex (knowledge point)',
  result_type: 'violation',
  legal_basis:
    '《医疗保障基金使用监督管理条例》第三十八条；国家医保智能监管规则库 药品区分性别使用 (GZ10000301004000) / 项目区分性别 (GZ10000302004000)，知识库第一批（限定性别对象）',
  subject_type: 'visit',
  params: {},
  lookbackDays: 60, // a stay spanning run windows keeps its whole evidence (see the SQL)
  sql: 'billing/kp_sex_limit.sql',
  usesKnowledgeBase: true,
  explain: (h) => {
    const m = h.measured;
    const limits = byLimit(items(m), (i) => `限${SEX_ZH[String(i.limited_to_sex)] ?? '另一性别'}使用`);
    return `参保人为${SEX_ZH[String(m.gend)] ?? `性别代码 ${String(m.gend)}`}，${limits}；${charged(m.dates, m.lines, h.amount_at_risk)}`;
  },
};
