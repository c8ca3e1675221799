import type { Detector } from '../types.ts';
import { clauses, num, quoted, yuan } from './explainText.ts';

type Day = { date?: string; item_name?: string; med_list_codg?: string; day_cnt?: number; per_day_max?: number; unit?: string };

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
  explain: (h) => {
    const m = h.measured;
    // measured.days comes in no particular order: by date, then code.
    const days = ((Array.isArray(m.days) ? m.days : []) as Day[])
      .sort((a, b) => `${a.date}|${a.med_list_codg}`.localeCompare(`${b.date}|${b.med_list_codg}`));
    const text = clauses(days.map((x) => x.unit === 'hour'
      ? `${quoted(x.item_name ?? x.med_list_codg)}限每日 ${num(x.per_day_max)} 小时，${x.date} 计费 ${num(x.day_cnt)} 小时`
      : `${quoted(x.item_name ?? x.med_list_codg)}限每日 ${num(x.per_day_max)} 次，${x.date} 收费 ${num(x.day_cnt)} 次`));
    return `${text}；超出部分 ${num(m.lines)} 条明细，金额 ${yuan(h.amount_at_risk)}`;
  },
};
