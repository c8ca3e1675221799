import type { Detector } from '../types.ts';
import { listZh, quoted, yuan } from './explainText.ts';

type Secondary = { item_name?: string; med_list_codg?: string; pric?: number; full_price?: number };

/**
 * Two or more operations of one group (知识库第二批 限定主次操作) billed in one visit on one day — through the
 * same incision — with the second and later ones not discounted: unit price above discount_ratio × full price
 * (both at full price is the plain case).
 */
export const detector: Detector = {
  id: 'kp_surgery_discount',
  version: 1,
  family: 'billing',
  gz_code: 'GZ10000102002000',
  title_zh: '手术项目未按规定折价收费（同一切口第二及以后手术）',
  title_en: 'Second surgery through the same incision not discounted',
  result_type: 'violation',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条（超标准收费）；国家医保智能监管规则库 手术项目未按规定折价收费 (GZ10000102002000)，知识库第二批（限定主次操作）',
  subject_type: 'visit',
  params: {
    discount_ratio: {
      default: 0.5,
      unit: 'ratio',
      min: 0.1, max: 1,
      description_zh: '第二及以后手术最多按全价的此比例收取；高于即为未折价 (later operations may be billed at most this share of the full price)',
    },
    price_tolerance: { default: 0.01, unit: '元', min: 0, max: 10, description_zh: '单价比较容差 (unit-price tolerance)' },
  },
  lookbackDays: 90,
  sql: 'billing/kp_surgery_discount.sql',
  usesKnowledgeBase: true,
  explain: (h) => {
    const m = h.measured;
    const strs = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
    const later = (Array.isArray(m.secondary) ? m.secondary : []) as Secondary[];
    const ratio = Math.round(Number(h.threshold.discount_ratio) * 100);
    const billed = listZh(later.map((x) => `${quoted(x.item_name ?? x.med_list_codg)}按单价 ${yuan(Number(x.pric))}收费（全价 ${yuan(Number(x.full_price))}）`), 2, '项');
    return `${listZh(strs(m.dates))} 同一切口（${listZh(strs(m.groups))}）施行${listZh(strs(m.main_names).map(quoted))}及其他手术，` +
      `第二及以后手术应按不超过全价的 ${ratio}% 收费，${billed}；多收约 ${yuan(Number(m.overcharge_estimate))}，涉及金额 ${yuan(h.amount_at_risk)}`;
  },
};
