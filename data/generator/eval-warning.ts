/**
 * Scores the high-expense early warning against a generated city's truth rows (`detector_id: "early_warning"`,
 * keys psn_no + month), which `fundwatch eval` leaves to another section. Runs the early-warning stage on the
 * database first (it writes referrals, as the nightly run does), then prints one JSON object.
 *
 *   node pipeline/cli/run-ts.js data/generator/eval-warning.ts <db> <city dir or truth.jsonl>
 */
import { readTruth, resolveTruthFile } from '../../pipeline/eval/truth.ts';
import { withStore } from '../../pipeline/store/store.ts';
import { runEarlyWarning } from '../../pipeline/warning/run.ts';

const [db, city] = process.argv.slice(2);
if (!db || !city) {
  console.error('usage: eval-warning.ts <db> <city dir or truth.jsonl>');
  process.exit(2);
}
const truth = readTruth(resolveTruthFile(city)).filter((t) => t.detector_id === 'early_warning');
const planted = truth.filter((t) => t.expect === 'alert');
const lookalikes = truth.filter((t) => t.expect === 'no_alert');

await withStore(db, async (store) => {
  await runEarlyWarning(store, {});
  const referrals = await store.all<{ referral_id: string; psn_no: string; month: string; trigger: string; level: number }>(
    `SELECT referral_id, psn_no, month, trigger, level FROM referrals ORDER BY psn_no, month, referral_id`,
  );
  const matches = (t: { psn_no: string | null; month: string | null }, r: { psn_no: string; month: string }) =>
    r.psn_no === t.psn_no && (t.month === null || r.month === t.month);
  const found = planted.filter((t) => referrals.some((r) => matches(t, r)));
  const extra = referrals.filter((r) => !planted.some((t) => matches(t, r)));
  const flagged = lookalikes.filter((t) => referrals.some((r) => r.psn_no === t.psn_no));
  const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10000) / 10000);
  console.log(JSON.stringify({
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
  }, null, 1));
});
