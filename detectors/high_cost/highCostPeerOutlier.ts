import type { Detector } from '../types.ts';

/** A person's rolling 12-month cost far above peers (robust z on ln cost; median / MAD). */
export const detector: Detector = {
  id: 'high_cost_peer_outlier',
  version: 1,
  family: 'high_cost',
  gz_code: null,
  title_zh: '参保人年度费用显著高于同类人群',
  title_en: "Person's 12-month cost far above peers (age band, sex, insurance type, chronic care)",
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条',
  subject_type: 'person',
  params: {
    z_threshold: { default: 3.5, unit: 'z', description_zh: 'ln(费用) 稳健 z 分数阈值 (robust z on ln cost, Iglewicz–Hoaglin 3.5)' },
    min_peer_size: { default: 30, unit: '人', description_zh: '同组最少人数，不足则跳过 (smaller peer groups are skipped)' },
    age_band_years: { default: 10, unit: '岁', description_zh: '年龄分组宽度 (age band width)' },
    min_annual_cost: {
      default: 100000,
      unit: '元',
      description_zh: '12个月费用下限：住院者相对以门诊为主的人群天然是离群值，故另设绝对金额门槛 (12-month cost floor: every inpatient is a log-scale outlier against a mostly outpatient population)',
    },
    min_visits: {
      default: 2,
      unit: '次',
      description_zh: '12个月最少就诊次数：单次高额住院由 high_cost_single_stay 负责，此处看累计 (a single expensive stay is high_cost_single_stay\'s finding; this one is about accumulated care)',
    },
    spread_floor: { default: 0.05, unit: 'ln', description_zh: 'z 分母下限，防止 MAD 为 0 (floor of 1.4826·MAD on the ln scale)' },
  },
  lookbackDays: 365,
  sql: 'high_cost/high_cost_peer_outlier.sql',
};
