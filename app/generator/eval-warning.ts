/**
 * Runs the high-expense early-warning stage on a database (it writes referrals, as the nightly run does) and
 * scores the referrals against a generated city's truth — for a database filled by `ingest` + `run`, which
 * create no referrals. After `fundwatch nightly` or `fundwatch demo`, `fundwatch eval` reports the same section.
 *
 *   node app/cli/run-ts.js app/generator/eval-warning.ts <db> <city dir or truth.jsonl>
 */
import { readTruth, resolveTruthFile } from '../../pipeline/eval/truth.ts';
import { evaluateEarlyWarning } from '../../pipeline/eval/warning.ts';
import { withStore } from '../../pipeline/store/store.ts';
import { runEarlyWarning } from '../../pipeline/warning/run.ts';

const [db, city] = process.argv.slice(2);
if (!db || !city) {
  console.error('usage: eval-warning.ts <db> <city dir or truth.jsonl>');
  process.exit(2);
}
const truth = readTruth(resolveTruthFile(city));
await withStore(db, async (store) => {
  await runEarlyWarning(store, {});
  console.log(JSON.stringify(await evaluateEarlyWarning(store, truth), null, 1));
});
