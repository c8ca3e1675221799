import type { Detector } from '../types.ts';

/** Re-admission to the same provider for the same diagnosis category soon after discharge: 分解住院. */
export const detector: Detector = {
  id: 'split_hospitalisation',
  version: 1,
  family: 'admission',
  gz_code: 'GZ10000204001000',
  title_zh: '分解住院：同院同类诊断出院后短期内再次入院',
  title_en: 'Split hospitalisation: re-admission to the same provider for the same diagnosis soon after discharge',
  result_type: 'suspicious',
  legal_basis: '两库规则 GZ10000204001000 分解住院；《医疗保障基金使用监督管理条例》第三十八条（分解住院）',
  subject_type: 'visit',
  params: {
    readmit_days: { default: 15, unit: '天', description_zh: '出院后再入院间隔不超过该天数即触发 (days from discharge date to re-admission date; local 7–31)' },
    diag_prefix_len: { default: 3, unit: '字符', description_zh: '主诊断比较的 ICD-10 前缀长度 (3 = category, e.g. J18)' },
    exclude_diag_prefixes: {
      default: 'Z51.0,Z51.1,Z51.2,Z49,Z99.2,O80,O81,O82,O83,O84,Z37',
      unit: 'list',
      description_zh: '任一次住院的主/次诊断以此开头则排除：放化疗、透析、分娩 (planned chemo/radiotherapy, dialysis, delivery)',
    },
    exclude_oprn_prefixes: {
      default: '39.95,54.98,92.2,99.25',
      unit: 'list',
      description_zh: '任一次住院的手术操作以此开头则排除：血液/腹膜透析、放疗、化疗注射 (ICD-9-CM-3)',
    },
    exclude_same_day_transfer: {
      default: true,
      unit: 'boolean',
      description_zh: '出院当日在同院另一科室入院视为转科，不计 (same-day re-admission to another department = transfer)',
    },
  },
  // Covers the longest local interval (31 days) before the window.
  lookbackDays: 31,
  sql: 'admission/split_hospitalisation.sql',
};
