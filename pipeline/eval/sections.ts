import type { Store } from '../store/store.ts';
import { evaluateDetectors, type DetectorsEvalResult } from './detectors.ts';
import type { TruthRow } from './truth.ts';
import { rankingSection } from './ranking.ts';
import { earlyWarningTable, evaluateEarlyWarning, type WarningEvalResult } from './warning.ts';
import { evaluateFalseAlerts, falseAlertsTable, type FalseAlertsResult } from './false-alerts.ts';

/**
 * `fundwatch eval` is a list of sections, each computing one part of the report from the store and the truth
 * rows and rendering it as text lines. The JSON output holds each section's result under its name. To add one
 * (e.g. precision@k of the provider ranking), append an EvalSection to EVAL_SECTIONS.
 */
export interface EvalSection<R = unknown> {
  name: string;
  title_zh: string;
  /** `truthFile`: the truth file read (sections may read the generator's other `_truth/` files beside it). */
  run: (store: Store, truth: TruthRow[], truthFile: string) => Promise<R>;
  table: (result: R) => string[];
}

const pct = (x: number | null) => (x === null ? '   -  ' : `${(x * 100).toFixed(1).padStart(5)}%`);

export const detectorsSection: EvalSection<DetectorsEvalResult> = {
  name: 'detectors',
  title_zh: '检测规则召回率与精确率 (recall and precision per detector)',
  run: evaluateDetectors,
  table: (r) => {
    const lines = [
      `${'detector'.padEnd(30)} ${'planted'.padStart(7)} ${'found'.padStart(6)} ${'recall'.padStart(7)} ${'alerts'.padStart(7)} ${'true'.padStart(6)} ${'precision'.padStart(9)} ${'look-alikes flagged'.padStart(20)}`,
    ];
    const row = (id: string, d: DetectorsEvalResult['totals']) =>
      `${id.padEnd(30)} ${String(d.planted).padStart(7)} ${String(d.found).padStart(6)} ${pct(d.recall).padStart(7)} ${String(d.alerts).padStart(7)} ${String(d.alerts_true).padStart(6)} ${pct(d.precision).padStart(9)} ${`${d.lookalikes_flagged}/${d.lookalikes}`.padStart(20)}`;
    for (const d of r.detectors) lines.push(row(d.detector_id, d));
    lines.push(row('合计 total', r.totals));
    const other = Object.entries(r.not_detectors);
    if (other.length) lines.push(`非检测规则的真值行 truth rows for other sections: ${other.map(([k, n]) => `${k} ${n}`).join(', ')}`);
    return lines;
  },
};

export const earlyWarningSection: EvalSection<WarningEvalResult> = {
  name: 'early_warning',
  title_zh: '高额医疗费用支出预警 (high-expense early warning: referrals by person and month)',
  run: evaluateEarlyWarning,
  table: earlyWarningTable,
};

export const falseAlertsSection: EvalSection<FalseAlertsResult> = {
  name: 'false_alerts',
  title_zh: '误报率：每万人每120天误报数、误报原因、按类别召回率、触发的相似对照 (false alerts per 10,000 persons per 120 days, their causes, recall by family, look-alikes that fired)',
  run: evaluateFalseAlerts,
  table: falseAlertsTable,
};

export const EVAL_SECTIONS: EvalSection[] = [
  detectorsSection as EvalSection, falseAlertsSection as EvalSection, rankingSection as EvalSection, earlyWarningSection as EvalSection,
];

export interface EvalReport {
  truth: string;
  truth_rows: number;
  [section: string]: unknown;
}

export async function runEval(store: Store, truthFile: string, truth: TruthRow[], sections = EVAL_SECTIONS): Promise<{ report: EvalReport; text: string[] }> {
  const report: EvalReport = { truth: truthFile, truth_rows: truth.length };
  const text: string[] = [`真值 truth: ${truthFile} (${truth.length} 行 rows)`];
  for (const s of sections) {
    const result = await s.run(store, truth, truthFile);
    report[s.name] = result;
    text.push('', `== ${s.title_zh} ==`, ...s.table(result));
  }
  return { report, text };
}
