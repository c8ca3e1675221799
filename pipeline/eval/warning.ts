import type { Store } from '../store/store.ts';
import type { TruthRow } from './truth.ts';

export interface WarningEvalResult {
  planted: number;
  found: number;
  recall: number | null;
  referrals: number;
  referrals_true: number;
  precision: number | null;
  lookalikes: number;
  lookalikes_flagged: number;
  missed: string[];
  extra: { referral_id: string; psn_no: string; month: string }[];
  flagged_lookalikes: string[];
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10000) / 10000);

/**
 * High-expense early warning against the truth rows `detector_id: "early_warning"` (keys psn_no + month): a
 * planted person is found when a stored referral names them in that month; a referral of nobody planted is an
 * extra; a look-alike is flagged by any referral of theirs. Read-only: referrals are created by pipeline runs
 * (`fundwatch nightly`, `fundwatch demo`).
 */
export async function evaluateEarlyWarning(store: Store, truth: TruthRow[]): Promise<WarningEvalResult> {
  const rows = truth.filter((t) => t.detector_id === 'early_warning');
  const planted = rows.filter((t) => t.expect === 'alert');
  const lookalikes = rows.filter((t) => t.expect === 'no_alert');
  const referrals = await store.all<{ referral_id: string; psn_no: string; month: string }>(
    'SELECT referral_id, psn_no, month FROM referrals ORDER BY psn_no, month, referral_id',
  );
  const matches = (t: TruthRow, r: { psn_no: string; month: string }) => r.psn_no === t.psn_no && (t.month === null || r.month === t.month);
  const found = planted.filter((t) => referrals.some((r) => matches(t, r)));
  const extra = referrals.filter((r) => !planted.some((t) => t.psn_no === r.psn_no));
  const flagged = lookalikes.filter((t) => referrals.some((r) => r.psn_no === t.psn_no));
  return {
    planted: planted.length,
    found: found.length,
    recall: ratio(found.length, planted.length),
    referrals: referrals.length,
    referrals_true: referrals.length - extra.length,
    precision: ratio(referrals.length - extra.length, referrals.length),
    lookalikes: lookalikes.length,
    lookalikes_flagged: flagged.length,
    missed: planted.filter((t) => !found.includes(t)).map((t) => t.case_id),
    extra,
    flagged_lookalikes: flagged.map((t) => t.case_id),
  };
}

export function earlyWarningTable(r: WarningEvalResult): string[] {
  const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
  const lines = [
    `植入 planted ${r.planted}，找到 found ${r.found}，召回率 recall ${pct(r.recall)}；` +
      `转介 referrals ${r.referrals}（真 true ${r.referrals_true}），精确率 precision ${pct(r.precision)}；` +
      `相似对照被转介 look-alikes referred ${r.lookalikes_flagged}/${r.lookalikes}`,
  ];
  if (r.referrals === 0 && r.planted > 0) {
    lines.push('尚无转介：转介由流水线运行产生 (no referrals yet — they are created by `fundwatch nightly` or `fundwatch demo`)');
  }
  if (r.missed.length) lines.push(`未找到 missed: ${r.missed.join(', ')}`);
  if (r.extra.length) lines.push(`多余 extra: ${r.extra.map((e) => `${e.psn_no} ${e.month}`).join(', ')}`);
  if (r.flagged_lookalikes.length) lines.push(`被转介的相似对照 look-alikes referred: ${r.flagged_lookalikes.join(', ')}`);
  return lines;
}
