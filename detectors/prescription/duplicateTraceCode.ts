import type { Detector } from '../types.ts';

/** One drug traceability code (one box) sold on two or more non-reversed lines: 回流药 / 串换 lead. */
export const detector: Detector = {
  id: 'duplicate_trace_code',
  version: 1,
  family: 'prescription',
  gz_code: null,
  title_zh: '药品追溯码重复结算（回流药嫌疑）',
  title_en: 'Drug traceability code settled more than once (resold or substituted drug)',
  result_type: 'violation',
  legal_basis:
    '国家医保局等四部门药品追溯码全场景采集应用要求（2026-01-01 起全量采集上传）；《医疗保障基金使用监督管理条例》第三十八条（串换药品、为参保人员转卖药品提供便利）',
  subject_type: 'visit',
  params: {},
  // A box resold months later is still the same box: look back one year for its first sale.
  lookbackDays: 365,
  sql: 'prescription/duplicate_trace_code.sql',
};
