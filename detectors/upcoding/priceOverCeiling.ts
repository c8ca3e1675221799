import type { Detector } from '../types.ts';

/** Unit price above the capped price (pric_uplmt_amt on the line, else med_catalog). Rule 14 of the catalogue. */
export const detector: Detector = {
  id: 'price_over_ceiling',
  version: 1,
  family: 'upcoding',
  gz_code: 'GZ10000102001000',
  title_zh: '医疗服务项目超限定单价收费',
  title_en: 'Unit price above the price ceiling',
  result_type: 'violation',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条（超标准收费）',
  subject_type: 'visit',
  params: {
    price_tolerance: { default: 0.01, unit: '元', description_zh: '单价超出限价的容差 (tolerance above the ceiling)' },
  },
  lookbackDays: 0,
  sql: 'upcoding/price_over_ceiling.sql',
};
