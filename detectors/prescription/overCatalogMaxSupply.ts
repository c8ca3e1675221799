import type { Detector } from '../types.ts';
import { days, yuan } from './text.ts';

interface Line {
  hilist_name?: string;
  prd_days?: number;
  max_days_supply?: number;
}

/** Days of supply above the catalogue's maximum for the drug (med_catalog.max_days_supply). */
export const detector: Detector = {
  id: 'over_catalog_max_supply',
  version: 2,
  family: 'prescription',
  gz_code: 'GZ10000101009000',
  title_zh: '药品超目录最大开药天数',
  title_en: 'Days of supply above the catalogue maximum for the drug',
  result_type: 'violation',
  legal_basis: '国家医保两库规则 GZ10000101009000 药品限最大开药天数/开药量；《医疗保障基金使用监督管理条例》第三十八条（超量开药）',
  subject_type: 'visit',
  params: {
    tolerance_days: {
      default: 0,
      unit: '天',
      min: 0, max: 14,
      description_zh: '允许超出目录最大天数的天数，取值 0–14 (fires when prd_days > max_days_supply + tolerance)',
    },
  },
  lookbackDays: 0,
  sql: 'prescription/over_catalog_max_supply.sql',
  explain: (hit) => {
    const lines = (hit.measured.lines as Line[] | undefined) ?? [];
    const worst = lines[0] ?? {};
    const more = lines.length > 1 ? `等 ${lines.length} 种药品` : '';
    const tol = Number(hit.threshold.tolerance_days ?? 0);
    return (
      `"${worst.hilist_name ?? '药品'}"${more}开药 ${days(worst.prd_days)} 天，超过医保目录最大开药天数 ${days(worst.max_days_supply)} 天` +
      `${tol > 0 ? `（允许超出 ${days(tol)} 天）` : ''}；${hit.activity_date} 收费 ${lines.length} 项，金额 ${yuan(hit.amount_at_risk)} 元`
    );
  },
};
