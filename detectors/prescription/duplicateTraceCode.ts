import type { Detector } from '../types.ts';
import { days, yuan } from './text.ts';

/**
 * One drug traceability code (one box) sold again while it is still sold — on two non-reversed sales, at two
 * providers, or in unit-dose parts beyond one box: 回流药 / 串换 lead. Unit-dose (拆零) sales of one box at one
 * pharmacy, a ward pharmacy's unit doses from one box over a stay, a resale after a return and a resale after a
 * refunded (reversed) settlement are not duplicates.
 */
export const detector: Detector = {
  id: 'duplicate_trace_code',
  version: 2,
  family: 'prescription',
  gz_code: null,
  title_zh: '药品追溯码重复结算（回流药嫌疑）',
  title_en: 'Drug traceability code settled more than once (resold or substituted drug)',
  result_type: 'violation',
  legal_basis:
    '国家医保局等四部门药品追溯码全场景采集应用要求（2026-01-01 起全量采集上传）；《医疗保障基金使用监督管理条例》第三十八条（串换药品、为参保人员转卖药品提供便利）',
  subject_type: 'visit',
  params: {
    split_tolerance: {
      default: 0.01,
      unit: '盒',
      min: 0, max: 0.2,
      description_zh: '拆零销售累计数量允许超出一盒的舍入误差，取值 0–0.2 (unit-dose sales of one box may add up to 1 + this many boxes)',
    },
    max_ward_units: {
      default: 100,
      unit: '单位',
      min: 2, max: 500,
      description_zh:
        '住院药房按剂拆零摆药：同一住院期间同一盒追溯码累计数量（片、支）不超过此值，取值 2–500；目录无包装规格，按常见最大包装量 (unit doses from one box on one stay; the pack size is not in med_catalog)',
    },
  },
  // A box resold months later is still the same box: look back one year for its first sale.
  lookbackDays: 365,
  sql: 'prescription/duplicate_trace_code.sql',
  explain: (hit) => {
    const m = hit.measured;
    const item = m.hilist_name ? `（"${m.hilist_name}"）` : '';
    const where = `${m.first_sale_date} 在 ${m.first_sale_fixmedins_code} 首次销售`;
    const why =
      m.reason === 'other_provider'
        ? `已于 ${where}且未退货，${hit.activity_date} 又在另一机构 ${hit.fixmedins_code} 销售`
        : m.reason === 'beyond_content'
          ? `已于 ${where}，至 ${hit.activity_date} 在 ${hit.fixmedins_code} 拆零累计销售 ${days(m.sold_boxes)} 盒，超过一盒的包装量`
          : `已于 ${where}，${hit.activity_date} 在 ${hit.fixmedins_code} 再次销售（第 ${days(m.max_sale_count)} 次）`;
    return `药品追溯码 ${m.code}${item}${why}，每盒只能销售一次；本次金额 ${yuan(hit.amount_at_risk)} 元`;
  },
};
