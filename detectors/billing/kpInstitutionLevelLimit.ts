import type { Detector } from '../types.ts';
import { byLimit, charged, items, num } from './explainText.ts';

const TIER_ZH: Record<string, string> = { '3': '三级', '2': '二级', '1': '一级', '0': '无等级' };
const LEVEL_ZH: Record<string, string> = { '3': '三级', '2': '二级及以上', '1': '一级及以上' };

/** Drug billed by a provider below its required institution level (知识库第五批 限定机构等级). */
export const detector: Detector = {
  id: 'kp_institution_level_limit',
  version: 1,
  family: 'billing',
  gz_code: 'GZ10000101012000',
  title_zh: '药品限医疗机构级别（知识点）',
  title_en: 'Drug billed below its required institution level',
  result_type: 'violation',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条；国家医保智能监管规则库 药品限医疗机构级别 (GZ10000101012000)，知识库第五批（限定机构等级）',
  subject_type: 'visit',
  params: {
    first_rx_lookback_days: {
      default: 365,
      unit: '天',
      min: 30, max: 1095,
      description_zh: '“首次处方需二级及以上”药品：回看此天数内是否已在达标机构开具过 (look-back for a qualifying first prescription)',
    },
  },
  lookbackDays: 365,
  sql: 'billing/kp_institution_level_limit.sql',
  usesKnowledgeBase: true,
  explain: (h) => {
    const m = h.measured;
    const limits = byLimit(items(m), (i) => {
      const level = LEVEL_ZH[String(i.min_level_tier)] ?? `${num(i.min_level_tier)}级及以上`;
      return i.first_rx_only
        ? `首次处方须由${level}医疗机构开具，此前 ${num(h.threshold.first_rx_lookback_days)} 天内未在达标机构开具`
        : `限${level}医疗机构使用`;
    });
    const own = TIER_ZH[String(m.level_tier)] ?? '无等级';
    return `${limits}，本机构为${own}${m.hosp_lv ? `（医院等级代码 ${String(m.hosp_lv)}）` : ''}；${charged(m.dates, m.lines, h.amount_at_risk)}`;
  },
};
