import type { Detector } from '../types.ts';
import { charged, clauses, num, quoted } from './explainText.ts';

type Pair = { main_name?: string; main_code?: string; included_name?: string; included_code?: string; window?: string; window_hours?: number };

/** Included item billed with the main item that contains it (知识库第七批 重复收费), same visit, within the window. */
export const detector: Detector = {
  id: 'kp_duplicate_charge',
  version: 1,
  family: 'billing',
  gz_code: 'GZ10000102012000',
  title_zh: '医疗服务项目重复收费（知识点）',
  title_en: 'Duplicate charge: included item billed with its main item',
  result_type: 'violation',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条（重复收费）；国家医保智能监管规则库 医疗服务项目重复收费 (GZ10000102012000)，知识库第七批（重复收费）',
  subject_type: 'visit',
  params: {
    window_mode: {
      default: 'as_published',
      unit: 'mode',
      description_zh:
        'as_published：按知识点频度（单日/单次就诊/同一小时/6小时）判断；same_day：一律按同一就诊同一日判断 (pair window: as published, or same day for every pair)',
    },
  },
  lookbackDays: 60, // a stay spanning run windows keeps its whole evidence (see the SQL)
  sql: 'billing/kp_duplicate_charge.sql',
  usesKnowledgeBase: true,
  explain: (h) => {
    const m = h.measured;
    const pairs = (Array.isArray(m.pairs) ? m.pairs : []) as Pair[];
    const when = (p: Pair) => (p.window === 'visit' ? '在同一次就诊中' : p.window === 'hours' ? `在 ${num(p.window_hours)} 小时内` : '同日');
    const text = clauses(pairs.map((p) =>
      `已收取${quoted(p.main_name ?? p.main_code)}，其包含的${quoted(p.included_name ?? p.included_code)}又${when(p)}单独收费`));
    return `本次就诊${text}；${charged(m.dates, m.included_lines, h.amount_at_risk)}`;
  },
};
