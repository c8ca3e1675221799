import type { Detector, ExplainInput } from '../types.ts';
import { quoted, yuan } from '../../pipeline/detect/explain.ts';

/** Unit price above the capped price (pric_uplmt_amt on the line, else med_catalog). Rule 14 of the catalogue. */
export const detector: Detector = {
  id: 'price_over_ceiling',
  version: 2,
  family: 'upcoding',
  gz_code: 'GZ10000102001000',
  title_zh: '医疗服务项目超限定单价收费',
  title_en: 'Unit price above the price ceiling',
  result_type: 'violation',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条（超标准收费）',
  subject_type: 'visit',
  params: {
    price_tolerance: { default: 0.01, unit: '元', min: 0, max: 10, description_zh: '单价超出限价的容差 (tolerance above the ceiling)' },
  },
  lookbackDays: 0,
  sql: 'upcoding/price_over_ceiling.sql',
  explain,
};

interface OverLine {
  name: string | null;
  med_list_codg: string;
  pric: number;
  ceiling: number;
  cnt: number;
  date: string;
}

function explain(h: ExplainInput): string {
  const lines = (h.measured.detail as OverLine[] | undefined) ?? [];
  const top = [...lines].sort((a, b) => (b.pric - b.ceiling) * b.cnt - (a.pric - a.ceiling) * a.cnt)[0];
  if (!top) return '';
  const more = lines.length > 1 ? `；本次就诊另有 ${lines.length - 1} 行超限价，合计超收 ${yuan(h.amount_at_risk)}` : `，超收 ${yuan(h.amount_at_risk)}`;
  return (
    `${quoted(top.name ?? top.med_list_codg)}单价 ${yuan(top.pric)}，超过限价 ${yuan(top.ceiling)}；${top.date} 收费 ${top.cnt} 次` + more
  );
}
