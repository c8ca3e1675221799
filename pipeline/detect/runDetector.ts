import { readFileSync } from 'node:fs';
import type { Store } from '../store/store.ts';
import type { RegisteredDetector } from './registry.ts';
import { createParamsTables, type DetectorConfig } from './params.ts';

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
  amount_at_risk: number;
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

/**
 * Runs one detector and upserts its alerts. The caller holds `store.exclusive` and has created the clean
 * views. Everything is SQL: hits → TEMP table det_hits → kept (in window, keyed, deduplicated) → alerts.
 */
export async function runDetector(
  store: Store,
  d: RegisteredDetector,
  cfg: DetectorConfig,
  regions: string[],
  w: DetectorWindow,
  runId: string,
): Promise<DetectorResult> {
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
            coalesce(pe.params, pd.params) AS params, coalesce(pe.params_hash, pd.params_hash) AS params_hash
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
  const kept = (await store.one<{ n: number; existing: number; amount: number }>(
    `SELECT count(*)::INTEGER AS n, count(a.alert_id)::INTEGER AS existing, coalesce(sum(k.amount_at_risk), 0)::DOUBLE AS amount
     FROM det_keep k LEFT JOIN alerts a USING (alert_id)`,
  ))!;
  const dupes = c.in_window - c.no_key - kept.n;
  if (dupes > 0) warnings.push(`${d.id}: ${dupes} 条重复命中（同一主体与 evidence_key）已合并 (duplicate hits merged into one alert)`);

  await store.run('BEGIN TRANSACTION');
  try {
    await store.run(
      `UPDATE alerts SET last_run_id = $run_id, detector_version = $version, gz_code = $gz_code, result_type = $result_type,
         title_zh = $title_zh, legal_basis = $legal_basis, psn_no = k.psn_no, fixmedins_code = k.fixmedins_code,
         bilg_dr_codg = k.bilg_dr_codg, mdtrt_id = k.mdtrt_id, setl_id = k.setl_id, feedetl_sn = k.feedetl_sn,
         admdvs = k.admdvs, measured = k.measured, threshold = k.threshold, peer = k.peer, amount_at_risk = k.amount_at_risk,
         params = k.params, params_hash = k.params_hash, activity_date = k.activity_date,
         status = CASE WHEN alerts.status = 'withdrawn' THEN 'open' ELSE alerts.status END,
         status_reason = CASE WHEN alerts.status = 'withdrawn' THEN NULL ELSE alerts.status_reason END,
         updated_at = now()
       FROM det_keep k WHERE alerts.alert_id = k.alert_id`,
      meta(d, runId),
    );
    await store.run(
      `INSERT INTO alerts (alert_id, run_id, last_run_id, family, detector_id, detector_version, gz_code, result_type, title_zh,
         subject_type, psn_no, fixmedins_code, bilg_dr_codg, mdtrt_id, setl_id, feedetl_sn, admdvs, measured, threshold, peer,
         amount_at_risk, params, params_hash, legal_basis, activity_date, status, status_reason, created_at, updated_at)
       SELECT k.alert_id, $run_id, $run_id, $family, $detector_id, $version, $gz_code, $result_type, $title_zh,
         $subject_type, k.psn_no, k.fixmedins_code, k.bilg_dr_codg, k.mdtrt_id, k.setl_id, k.feedetl_sn, k.admdvs, k.measured,
         k.threshold, k.peer, k.amount_at_risk, k.params, k.params_hash, $legal_basis, k.activity_date, 'open', NULL, now(), now()
       FROM det_keep k ANTI JOIN alerts a ON a.alert_id = k.alert_id`,
      { ...meta(d, runId), family: d.family, detector_id: d.id, subject_type: d.subject_type },
    );
    await store.run('COMMIT');
  } catch (err) {
    await store.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
  return {
    hits: c.hits,
    in_window: c.in_window,
    alerts: kept.n,
    alerts_new: kept.n - kept.existing,
    alerts_existing: kept.existing,
    amount_at_risk: Math.round(kept.amount * 100) / 100,
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
