import type { FundwatchConfig } from '../config.ts';
import type { Store } from '../store/store.ts';
import { alertJson, type AlertJson } from './alerts.ts';
import { createCleanViews, dataSpan } from './clean.ts';
import { addDays, isDate, today } from './engine.ts';
import { explainAlert } from './explain.ts';
import { checkValues, detectorConfig, effectiveParams, listRegions, withTrialParams } from './params.ts';
import { getDetector, type RegisteredDetector } from './registry.ts';
import { computeAlerts, EXPLAIN_COLUMNS, explainInput } from './runDetector.ts';
import { DECIDED_ALERTS_SQL } from './shadow.ts';

type Value = number | string | boolean;

/**
 * Backtest (docs/interfaces.md, additions of 2026-12): one detector over the stored history with the current and
 * with trial parameters, compared by alert id — without writing alerts. Both runs happen on a connection of their
 * own, in TEMP tables only, so a nightly run on the owner's connection is not disturbed. What inspectors decided
 * about each alert is its case decision (confirmed / false_alarm, as rulePrecision counts). The detector's `prepare`
 * hook is not called (it writes reference rows); the backtest reads those the last run wrote.
 */
export interface BacktestOptions {
  /** Trial values: checked like the config (`params.<name>`: unknown name or wrong type is a BacktestParamError). */
  params: Record<string, unknown>;
  from?: string;
  to?: string;
  config?: FundwatchConfig;
  /** Only alerts whose region starts with this (a user bound to a region). */
  region?: string | null;
  /** How many added / removed alerts to show (default 20). */
  examples?: number;
}

export interface Decided {
  confirmed: number;
  false_alarm: number;
}

export interface BacktestResult {
  detector_id: string;
  params_current: Record<string, Value>;
  params_trial: Record<string, Value>;
  window_from: string;
  window_to: string;
  alerts_current: number;
  alerts_trial: number;
  added: number;
  removed: number;
  unchanged: number;
  decided_current: Decided;
  precision_current: number | null;
  removed_confirmed: number;
  // extensions of the interfaces.md shape
  removed_false_alarm: number;
  /** Alerts in both whose lines or amount differ. */
  unchanged_evidence_changed: number;
  decided_trial: Decided;
  precision_trial: number | null;
  amount_current: number;
  amount_trial: number;
  added_examples: AlertJson[];
  removed_examples: (AlertJson & { decision: string | null; case_id: string | null })[];
  ms: number;
}

/** Bad trial parameters or window: usage errors (CLI exit 2, API 400). */
export class BacktestParamError extends Error {}

/** `--set name=value` pairs → typed values by the detector's parameter specs. */
export function parseSetOptions(d: RegisteredDetector, pairs: string[]): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new BacktestParamError(`--set 应为 name=value (got "${pair}")`);
    const name = pair.slice(0, eq).trim();
    const text = pair.slice(eq + 1).trim();
    const spec = d.params[name];
    if (!spec) {
      throw new BacktestParamError(`--set ${name}: 检测规则 ${d.id} 没有此参数 (unknown parameter; known: ${Object.keys(d.params).join(', ') || 'none'})`);
    }
    if (typeof spec.default === 'number') {
      const x = Number(text);
      if (text === '' || !Number.isFinite(x)) throw new BacktestParamError(`--set ${name}: 应为 number (expected a number, got "${text}")`);
      out[name] = x;
    } else if (typeof spec.default === 'boolean') {
      if (text !== 'true' && text !== 'false') throw new BacktestParamError(`--set ${name}: 应为 true/false (expected a boolean, got "${text}")`);
      out[name] = text === 'true';
    } else {
      out[name] = text;
    }
  }
  return out;
}

export async function backtest(store: Store, detector: string | RegisteredDetector, opts: BacktestOptions): Promise<BacktestResult> {
  const t0 = Date.now();
  const d = typeof detector === 'string' ? await getDetector(detector) : detector;
  for (const [name, v] of [['from', opts.from], ['to', opts.to]] as const) {
    if (v !== undefined && !isDate(v)) throw new BacktestParamError(`--${name} 必须是 YYYY-MM-DD 格式的日期 (got "${v}")`);
  }
  if (opts.from && opts.to && opts.from > opts.to) throw new BacktestParamError(`--from ${opts.from} 晚于 --to ${opts.to}`);
  let trial: Record<string, Value>;
  try {
    trial = checkValues(d, opts.params, 'params');
  } catch (err) {
    throw new BacktestParamError((err as Error).message);
  }
  const cfg = detectorConfig(opts.config, d);
  const trialCfg = withTrialParams(cfg, trial);

  const db = await store.readerConnection();
  try {
    const span = await dataSpan(db);
    const from = opts.from ?? span?.from ?? today();
    const to = opts.to ?? span?.to ?? today();
    if (from > to) throw new BacktestParamError(`窗口无效 window from ${from} is after to ${to}`);
    const w = { scan_from: addDays(from, -d.lookbackDays), window_from: from, window_to: to };
    await createCleanViews(db);
    const regions = await listRegions(db, cfg);
    const region: { where: string; params: Record<string, string> } = opts.region
      ? { where: "WHERE starts_with(coalesce(admdvs, ''), $region)", params: { region: opts.region } }
      : { where: '', params: {} };
    await computeAlerts(db, d, cfg, regions, w);
    await db.run(`CREATE OR REPLACE TEMP TABLE bt_current AS SELECT * FROM det_keep ${region.where}`, region.params);
    await computeAlerts(db, d, trialCfg, regions, w);
    await db.run(`CREATE OR REPLACE TEMP TABLE bt_trial AS SELECT * FROM det_keep ${region.where}`, region.params);
    await db.run(`CREATE OR REPLACE TEMP TABLE bt_decided AS SELECT * FROM (${DECIDED_ALERTS_SQL}) x
      WHERE alert_id IN (SELECT alert_id FROM bt_current UNION SELECT alert_id FROM bt_trial)`);
    await db.run(`CREATE OR REPLACE TEMP TABLE bt_added AS
      SELECT * FROM bt_trial WHERE alert_id NOT IN (SELECT alert_id FROM bt_current)`);
    await db.run(`CREATE OR REPLACE TEMP TABLE bt_removed AS
      SELECT r.*, x.decision, x.case_id FROM bt_current r LEFT JOIN bt_decided x USING (alert_id)
      WHERE r.alert_id NOT IN (SELECT alert_id FROM bt_trial)`);
    const decided = (t: string, decision: string) =>
      `(SELECT count(*) FROM ${t} JOIN bt_decided x USING (alert_id) WHERE x.decision = '${decision}')::INTEGER`;
    const c = (await db.one<Record<string, number>>(`SELECT
        (SELECT count(*) FROM bt_current)::INTEGER AS alerts_current,
        (SELECT count(*) FROM bt_trial)::INTEGER AS alerts_trial,
        (SELECT count(*) FROM bt_added)::INTEGER AS added,
        (SELECT count(*) FROM bt_removed)::INTEGER AS removed,
        (SELECT count(*) FROM bt_current c JOIN bt_trial t USING (alert_id))::INTEGER AS unchanged,
        (SELECT count(*) FROM bt_current c JOIN bt_trial t USING (alert_id)
           WHERE c.feedetl_sn <> t.feedetl_sn OR c.amount_at_risk <> t.amount_at_risk)::INTEGER AS evidence_changed,
        ${decided('bt_current', 'confirmed')} AS cur_confirmed, ${decided('bt_current', 'false_alarm')} AS cur_false_alarm,
        ${decided('bt_trial', 'confirmed')} AS trial_confirmed, ${decided('bt_trial', 'false_alarm')} AS trial_false_alarm,
        (SELECT count(*) FROM bt_removed WHERE decision = 'confirmed')::INTEGER AS removed_confirmed,
        (SELECT count(*) FROM bt_removed WHERE decision = 'false_alarm')::INTEGER AS removed_false_alarm,
        (SELECT coalesce(sum(amount_at_risk), 0) FROM bt_current)::DOUBLE AS amount_current,
        (SELECT coalesce(sum(amount_at_risk), 0) FROM bt_trial)::DOUBLE AS amount_trial`))!;
    const limit = Math.max(0, Math.floor(opts.examples ?? 20));
    const added = await db.all(`SELECT ${EXPLAIN_COLUMNS}, admdvs, params_hash FROM bt_added ORDER BY amount_at_risk DESC, alert_id LIMIT ${limit}`);
    const removed = await db.all(`SELECT ${EXPLAIN_COLUMNS}, admdvs, params_hash, decision, case_id FROM bt_removed
      ORDER BY decision = 'confirmed' DESC NULLS LAST, amount_at_risk DESC, alert_id LIMIT ${limit}`);
    return {
      detector_id: d.id,
      params_current: effectiveParams(d, cfg, null),
      params_trial: effectiveParams(d, trialCfg, null),
      window_from: from,
      window_to: to,
      alerts_current: c.alerts_current!,
      alerts_trial: c.alerts_trial!,
      added: c.added!,
      removed: c.removed!,
      unchanged: c.unchanged!,
      decided_current: { confirmed: c.cur_confirmed!, false_alarm: c.cur_false_alarm! },
      precision_current: ratio(c.cur_confirmed!, c.cur_false_alarm!),
      removed_confirmed: c.removed_confirmed!,
      removed_false_alarm: c.removed_false_alarm!,
      unchanged_evidence_changed: c.evidence_changed!,
      decided_trial: { confirmed: c.trial_confirmed!, false_alarm: c.trial_false_alarm! },
      precision_trial: ratio(c.trial_confirmed!, c.trial_false_alarm!),
      amount_current: round2(c.amount_current!),
      amount_trial: round2(c.amount_trial!),
      added_examples: added.map((r) => exampleAlert(d, r)),
      removed_examples: removed.map((r) => ({ ...exampleAlert(d, r), decision: (r.decision as string | null) ?? null, case_id: (r.case_id as string | null) ?? null })),
      ms: Date.now() - t0,
    };
  } finally {
    db.close();
  }
}

/** A scratch row in the alert shape: run_id `backtest`, status `open` (what it would be), created now. */
function exampleAlert(d: RegisteredDetector, r: Record<string, unknown>): AlertJson {
  return alertJson({
    ...r,
    run_id: 'backtest', family: d.family, detector_id: d.id, detector_version: d.version, gz_code: d.gz_code,
    result_type: d.result_type, title_zh: d.title_zh, subject_type: d.subject_type, legal_basis: d.legal_basis,
    status: 'open', created_at: new Date(), explanation_zh: explainAlert(d, explainInput(r)).text,
  });
}

function ratio(confirmed: number, falseAlarm: number): number | null {
  const n = confirmed + falseAlarm;
  return n ? Math.round((confirmed / n) * 10000) / 10000 : null;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
