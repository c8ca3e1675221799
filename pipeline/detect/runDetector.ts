import { readFileSync } from 'node:fs';
import type { ExplainInput } from '../../detectors/types.ts';
import type { Store } from '../store/store.ts';
import type { RegisteredDetector } from './registry.ts';
import { createParamsTables, type DetectorConfig } from './params.ts';
import { explainAlert } from './explain.ts';

export const HIT_COLUMNS = [
  'psn_no', 'fixmedins_code', 'bilg_dr_codg', 'mdtrt_id', 'setl_id', 'feedetl_sn', 'admdvs',
  'measured', 'threshold', 'peer', 'amount_at_risk', 'activity_date', 'evidence_key',
] as const;

/** Subject keys that identify an alert's subject (and go into its id), per subject type. */
export const SUBJECT_KEYS = {
  person: ['psn_no'],
  provider: ['fixmedins_code'],
  physician: ['fixmedins_code', 'bilg_dr_codg'],
  visit: ['mdtrt_id'],
} as const;

export interface DetectorResult {
  hits: number;
  in_window: number;
  alerts: number;
  alerts_new: number;
  alerts_existing: number;
  /** Shadow alerts of this detector raised to open by this (live) run. */
  alerts_promoted: number;
  amount_at_risk: number;
  /** The detector ran in shadow: its alerts are stored with status `shadow`. */
  shadow: boolean;
  warnings: string[];
}

export interface DetectorWindow {
  scan_from: string;
  window_from: string;
  window_to: string;
}

/** The detector's SQL with the named parameters it uses (binding an unused one is an error in DuckDB). */
export function detectorSql(d: RegisteredDetector, w: DetectorWindow): { sql: string; params: Record<string, string> } {
  const sql = readFileSync(d.sqlPath, 'utf8').replace(/[\s;]+$/, '');
  const params: Record<string, string> = {};
  for (const name of ['scan_from', 'window_from', 'window_to'] as const) {
    if (new RegExp(`\\$${name}\\b`).test(sql)) params[name] = w[name];
  }
  return { sql, params };
}

export interface Computed {
  hits: number;
  in_window: number;
  alerts: number;
  amount_at_risk: number;
  warnings: string[];
}

/**
 * Runs one detector's SQL into TEMP table `det_keep`: its hits in the window with their subject keys, one row per
 * alert id, stamped with the effective params. Writes nothing else; the caller has created the clean views (the
 * backtest runs this on its own connection). Everything is SQL: hits → det_hits → det_keep.
 */
export async function computeAlerts(
  store: Store,
  d: RegisteredDetector,
  cfg: DetectorConfig,
  regions: string[],
  w: DetectorWindow,
): Promise<Computed> {
  const warnings: string[] = [];
  await createParamsTables(store, d, cfg, regions);
  const { sql, params } = detectorSql(d, w);
  await store.run(`CREATE OR REPLACE TEMP TABLE det_hits AS SELECT * FROM (\n${sql}\n) detector_sql`, params);
  const cols = new Set((await store.all<{ column_name: string }>('DESCRIBE det_hits')).map((r) => r.column_name));
  const missing = HIT_COLUMNS.filter((c) => !cols.has(c));
  if (missing.length) throw new Error(`${d.sql}: 结果缺少列 result lacks column(s) ${missing.join(', ')} (see detectors/types.ts)`);

  const keys = SUBJECT_KEYS[d.subject_type];
  const keyMissing = keys.map((k) => `${k} IS NULL`).join(' OR ');
  const idParts = ['$detector_id', ...keys.map((k) => `h.${k}`), "coalesce(h.evidence_key::VARCHAR, '')"].join(', ');
  await store.run(
    `CREATE OR REPLACE TEMP TABLE det_keep AS
     SELECT md5(concat_ws(chr(31), ${idParts})) AS alert_id,
            h.psn_no::VARCHAR AS psn_no, h.fixmedins_code::VARCHAR AS fixmedins_code, h.bilg_dr_codg::VARCHAR AS bilg_dr_codg,
            h.mdtrt_id::VARCHAR AS mdtrt_id, h.setl_id::VARCHAR AS setl_id,
            coalesce(h.feedetl_sn::VARCHAR[], []::VARCHAR[]) AS feedetl_sn, h.admdvs::VARCHAR AS admdvs,
            coalesce(h.measured::JSON, '{}'::JSON) AS measured, coalesce(h.threshold::JSON, '{}'::JSON) AS threshold,
            h.peer::JSON AS peer, coalesce(round(h.amount_at_risk, 2), 0)::DECIMAL(14, 2) AS amount_at_risk,
            h.activity_date::DATE AS activity_date,
            coalesce(pe.params, pd.params) AS params, coalesce(pe.params_hash, pd.params_hash) AS params_hash,
            NULL::VARCHAR AS explanation_zh
     FROM det_hits h
     LEFT JOIN params_effective pe ON pe.admdvs = h.admdvs
     CROSS JOIN (SELECT * FROM params_effective WHERE admdvs IS NULL) pd
     WHERE h.activity_date::DATE BETWEEN $window_from::DATE AND $window_to::DATE AND NOT (${keyMissing})
     QUALIFY row_number() OVER (PARTITION BY alert_id ORDER BY amount_at_risk DESC, feedetl_sn) = 1`,
    { detector_id: d.id, window_from: w.window_from, window_to: w.window_to },
  );
  const c = (await store.one<{ hits: number; in_window: number; no_date: number; no_key: number }>(
    `SELECT count(*)::INTEGER AS hits,
            count(*) FILTER (WHERE activity_date::DATE BETWEEN $window_from::DATE AND $window_to::DATE)::INTEGER AS in_window,
            count(*) FILTER (WHERE activity_date IS NULL)::INTEGER AS no_date,
            count(*) FILTER (WHERE activity_date::DATE BETWEEN $window_from::DATE AND $window_to::DATE AND (${keyMissing}))::INTEGER AS no_key
     FROM det_hits`,
    { window_from: w.window_from, window_to: w.window_to },
  ))!;
  if (c.no_date) warnings.push(`${d.id}: ${c.no_date} 条命中没有 activity_date，未生成预警 (hits without activity_date were not kept)`);
  if (c.no_key) warnings.push(`${d.id}: ${c.no_key} 条命中缺少主体键 ${keys.join('/')}，未生成预警 (hits missing subject keys were not kept)`);
  const kept = (await store.one<{ n: number; amount: number }>(
    'SELECT count(*)::INTEGER AS n, coalesce(sum(amount_at_risk), 0)::DOUBLE AS amount FROM det_keep',
  ))!;
  const dupes = c.in_window - c.no_key - kept.n;
  if (dupes > 0) warnings.push(`${d.id}: ${dupes} 条重复命中（同一主体与 evidence_key）已合并 (duplicate hits merged into one alert)`);
  return { hits: c.hits, in_window: c.in_window, alerts: kept.n, amount_at_risk: Math.round(kept.amount * 100) / 100, warnings };
}

/** Columns of `det_keep` (or `alerts`) that make an ExplainInput, JSON as text. */
export const EXPLAIN_COLUMNS = `alert_id, psn_no, fixmedins_code, bilg_dr_codg, mdtrt_id, setl_id, feedetl_sn, measured::VARCHAR AS measured,
  threshold::VARCHAR AS threshold, peer::VARCHAR AS peer, amount_at_risk::DOUBLE AS amount_at_risk,
  strftime(activity_date, '%Y-%m-%d') AS activity_date`;

/** One det_keep / alerts row (selected with EXPLAIN_COLUMNS) → what `explain` gets. */
export function explainInput(r: Record<string, unknown>): ExplainInput {
  const parse = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : v ?? null);
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    measured: (parse(r.measured) ?? {}) as Record<string, unknown>,
    threshold: (parse(r.threshold) ?? {}) as Record<string, unknown>,
    peer: parse(r.peer) as ExplainInput['peer'],
    amount_at_risk: Number(r.amount_at_risk),
    activity_date: String(r.activity_date ?? ''),
    psn_no: str(r.psn_no),
    fixmedins_code: str(r.fixmedins_code),
    bilg_dr_codg: str(r.bilg_dr_codg),
    mdtrt_id: str(r.mdtrt_id),
    setl_id: str(r.setl_id),
    feedetl_sn: Array.isArray(r.feedetl_sn) ? r.feedetl_sn.map(String) : [],
  };
}

const EXPLAIN_CHUNK = 20_000;

/** det_keep rows as one JSON array text (DuckDB serialises; far cheaper than reading row objects for 10 k+ alerts). */
const EXPLAIN_JSON = `'[' || coalesce(string_agg(json_object('alert_id', alert_id, 'psn_no', psn_no, 'fixmedins_code', fixmedins_code,
  'bilg_dr_codg', bilg_dr_codg, 'mdtrt_id', mdtrt_id, 'setl_id', setl_id, 'feedetl_sn', feedetl_sn, 'measured', measured,
  'threshold', threshold, 'peer', peer, 'amount_at_risk', amount_at_risk::DOUBLE,
  'activity_date', strftime(activity_date, '%Y-%m-%d'))::VARCHAR, ','), '') || ']'`;

/**
 * Fills det_keep.explanation_zh (detectors/types.ts `explain`, else the generic sentence). Returns warnings. Two
 * statements per chunk (read as JSON, update from JSON): the engine pays this for every detector of every run.
 */
export async function explainKept(store: Store, d: RegisteredDetector): Promise<string[]> {
  let failed = 0;
  for (let offset = 0; ; offset += EXPLAIN_CHUNK) {
    const text = await store.scalar<string>(
      `SELECT ${EXPLAIN_JSON} FROM (SELECT * FROM det_keep ORDER BY alert_id LIMIT ${EXPLAIN_CHUNK} OFFSET ${offset})`);
    const rows = JSON.parse(text) as Record<string, unknown>[];
    if (rows.length === 0) break;
    const out = rows.map((r) => {
      const e = explainAlert(d, explainInput(r));
      if (e.failed) failed++;
      return { alert_id: r.alert_id, explanation_zh: e.text };
    });
    await store.run(
      `UPDATE det_keep SET explanation_zh = e.explanation_zh
       FROM (SELECT unnest(json_transform($1::JSON, '[{"alert_id": "VARCHAR", "explanation_zh": "VARCHAR"}]'), recursive := true)) e
       WHERE det_keep.alert_id = e.alert_id`,
      [JSON.stringify(out)],
    );
    if (rows.length < EXPLAIN_CHUNK) break;
  }
  return failed ? [`${d.id}: ${failed} 条预警的 explain 出错或为空，已使用通用说明 (explain failed; the generic sentence was used)`] : [];
}

export const SHADOW_REASON = '影子运行：不进入案件、金额统计与排名 (shadow mode: kept out of cases, totals and rankings)';

/**
 * Runs one detector and upserts its alerts. The caller holds `store.exclusive` and has created the clean views.
 * In shadow, new alerts are stored with status `shadow` and a re-found withdrawn one returns as `shadow`; alerts
 * already open stay open. Live, every `shadow` alert of the detector is raised to `open` (with this run as its
 * run_id and now as created_at: it is new to inspectors), re-found or not.
 */
export async function runDetector(
  store: Store,
  d: RegisteredDetector,
  cfg: DetectorConfig,
  regions: string[],
  w: DetectorWindow,
  runId: string,
  opts: { shadow?: boolean } = {},
): Promise<DetectorResult> {
  const shadow = Boolean(opts.shadow);
  const computed = await computeAlerts(store, d, cfg, regions, w);
  const warnings = [...computed.warnings, ...(await explainKept(store, d))];
  const kept = (await store.one<{ existing: number }>(
    `SELECT count(a.alert_id) FILTER (WHERE $shadow OR a.status <> 'shadow')::INTEGER AS existing
     FROM det_keep k LEFT JOIN alerts a USING (alert_id)`,
    { shadow },
  ))!;
  const fresh = { fresh_status: shadow ? 'shadow' : 'open', fresh_reason: shadow ? SHADOW_REASON : null };
  let promoted = 0;
  await store.run('BEGIN TRANSACTION');
  try {
    if (!shadow) {
      promoted = (await store.all(
        `UPDATE alerts SET status = 'open', status_reason = NULL, run_id = $2, created_at = now(), updated_at = now()
         WHERE detector_id = $1 AND status = 'shadow' RETURNING 1`,
        [d.id, runId],
      )).length;
    }
    await store.run(
      `UPDATE alerts SET last_run_id = $run_id, detector_version = $version, gz_code = $gz_code, result_type = $result_type,
         title_zh = $title_zh, legal_basis = $legal_basis, psn_no = k.psn_no, fixmedins_code = k.fixmedins_code,
         bilg_dr_codg = k.bilg_dr_codg, mdtrt_id = k.mdtrt_id, setl_id = k.setl_id, feedetl_sn = k.feedetl_sn,
         admdvs = k.admdvs, measured = k.measured, threshold = k.threshold, peer = k.peer, amount_at_risk = k.amount_at_risk,
         params = k.params, params_hash = k.params_hash, activity_date = k.activity_date, explanation_zh = k.explanation_zh,
         status = CASE WHEN alerts.status IN ('withdrawn', 'shadow') THEN $fresh_status ELSE alerts.status END,
         status_reason = CASE WHEN alerts.status IN ('withdrawn', 'shadow') THEN $fresh_reason ELSE alerts.status_reason END,
         updated_at = now()
       FROM det_keep k WHERE alerts.alert_id = k.alert_id`,
      { ...meta(d, runId), ...fresh },
    );
    await store.run(
      `INSERT INTO alerts (alert_id, run_id, last_run_id, family, detector_id, detector_version, gz_code, result_type, title_zh,
         subject_type, psn_no, fixmedins_code, bilg_dr_codg, mdtrt_id, setl_id, feedetl_sn, admdvs, measured, threshold, peer,
         amount_at_risk, params, params_hash, legal_basis, activity_date, status, status_reason, created_at, updated_at, explanation_zh)
       SELECT k.alert_id, $run_id, $run_id, $family, $detector_id, $version, $gz_code, $result_type, $title_zh,
         $subject_type, k.psn_no, k.fixmedins_code, k.bilg_dr_codg, k.mdtrt_id, k.setl_id, k.feedetl_sn, k.admdvs, k.measured,
         k.threshold, k.peer, k.amount_at_risk, k.params, k.params_hash, $legal_basis, k.activity_date, $fresh_status, $fresh_reason,
         now(), now(), k.explanation_zh
       FROM det_keep k ANTI JOIN alerts a ON a.alert_id = k.alert_id`,
      { ...meta(d, runId), ...fresh, family: d.family, detector_id: d.id, subject_type: d.subject_type },
    );
    await store.run('COMMIT');
  } catch (err) {
    await store.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
  return {
    hits: computed.hits,
    in_window: computed.in_window,
    alerts: computed.alerts,
    alerts_new: computed.alerts - kept.existing,
    alerts_existing: kept.existing,
    alerts_promoted: promoted,
    amount_at_risk: computed.amount_at_risk,
    shadow,
    warnings,
  };
}

function meta(d: RegisteredDetector, runId: string): Record<string, string | number | null> {
  return {
    run_id: runId,
    version: d.version,
    gz_code: d.gz_code,
    result_type: d.result_type,
    title_zh: d.title_zh,
    legal_basis: d.legal_basis,
  };
}
