import type { Detector, ExplainInput } from '../types.ts';
import { yuan } from '../../pipeline/detect/explain.ts';

/** A stay with consecutive days of bed fees but no treatment, drug or nursing: 挂床住院. */
export const detector: Detector = {
  id: 'bed_holding',
  version: 2,
  family: 'admission',
  gz_code: null,
  title_zh: '挂床住院：连续多日仅收床位费，无治疗、用药和护理',
  title_en: 'Bed holding: consecutive stay days billed for the bed with no treatment, drug or nursing',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第三十八条（挂床住院）',
  subject_type: 'visit',
  params: {
    min_empty_days: { default: 3, unit: '天', min: 2, max: 14, description_zh: '连续无诊疗日的最少天数 (consecutive days with a bed fee and no care line; range 2–14)' },
    care_categories: {
      default: '05,06,07,09,10,11',
      unit: 'list',
      description_zh: '算作实际诊疗的收费类别：治疗、手术、护理、西药、中药饮片、中成药 (med_chrgitm_type)',
    },
  },
  lookbackDays: 0,
  sql: 'admission/bed_holding.sql',
  explain,
};

interface EmptyRun {
  from: string;
  to: string;
  days: number;
}

function explain(h: ExplainInput): string {
  const runs = (h.measured.empty_runs as EmptyRun[] | undefined) ?? [];
  const when = runs.map((r) => `${r.from} 至 ${r.to}（${r.days} 天）`).join('、');
  return (
    `住院期间 ${when}只收床位费等费用，无治疗、手术、护理和用药记录，连续最长 ${h.measured.longest_empty_run_days} 天` +
    `（界限：连续 ${h.threshold.min_empty_days} 天），疑似挂床住院；这些天的费用 ${h.measured.offending_lines} 笔，金额 ${yuan(h.amount_at_risk)}`
  );
}
