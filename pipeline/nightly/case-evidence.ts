import { createHash } from 'node:crypto';
import type { Store } from '../store/store.ts';

/** Per case: at most this many evidence lines, flagged lines considered, and visits shown in context. */
export const EVIDENCE_LIMIT = 500;
const MAX_FLAGGED = 2000;
const MAX_VISITS = 200;

const LINE_COLS = `feedetl_sn, mdtrt_id, setl_id, fee_ocur_time, fixmedins_code, med_list_codg, hilist_name, med_chrgitm_type,
  cnt::DOUBLE AS cnt, pric::DOUBLE AS pric, det_item_fee_sumamt::DOUBLE AS det_item_fee_sumamt, pric_uplmt_amt::DOUBLE AS pric_uplmt_amt,
  bilg_dr_codg, bilg_dept_name`;

/**
 * The evidence of the cases named by `targets` (a query yielding `case_id`): the lines the case's open alerts
 * point at (`offending`, with their detectors) and every line of the visits involved (the alerts' visits first,
 * then the flagged lines' visits), offending lines first, then by time. Two hash joins over fee_list_d for any
 * number of cases, which is why it is materialised in bulk rather than run per request. One row per line:
 * `case_id, seq` (display order from 1) and `line` (JSON text, the API's evidence row).
 */
function evidenceSql(targets: string): string {
  return `WITH t AS (${targets}),
    ca AS (SELECT ca.case_id, a.detector_id, a.status, a.mdtrt_id, a.feedetl_sn FROM case_alerts ca JOIN t USING (case_id) JOIN alerts a USING (alert_id)),
    off AS MATERIALIZED (
      SELECT * FROM (SELECT case_id, f AS feedetl_sn, list(DISTINCT detector_id ORDER BY detector_id) AS detectors
        FROM (SELECT case_id, detector_id, unnest(feedetl_sn) AS f FROM ca WHERE status = 'open') GROUP BY case_id, f)
      QUALIFY row_number() OVER (PARTITION BY case_id ORDER BY feedetl_sn) <= ${MAX_FLAGGED}),
    flagged AS MATERIALIZED (SELECT o.case_id, ${LINE_COLS} FROM off o JOIN fee_list_d l USING (feedetl_sn)),
    visits AS (
      SELECT * FROM (SELECT case_id, mdtrt_id, min(prio) AS prio FROM (
          SELECT case_id, mdtrt_id, 0 AS prio FROM ca WHERE mdtrt_id IS NOT NULL
          UNION ALL SELECT case_id, mdtrt_id, 1 AS prio FROM flagged WHERE mdtrt_id IS NOT NULL) GROUP BY case_id, mdtrt_id)
      QUALIFY row_number() OVER (PARTITION BY case_id ORDER BY prio, mdtrt_id) <= ${MAX_VISITS}),
    lines AS (
      SELECT * FROM flagged
      UNION SELECT v.case_id, ${LINE_COLS} FROM visits v JOIN fee_list_d l USING (mdtrt_id))
    SELECT case_id, seq::INTEGER AS seq, to_json({
        'feedetl_sn': feedetl_sn, 'mdtrt_id': mdtrt_id, 'setl_id': setl_id,
        'fee_ocur_time': strftime(fee_ocur_time, '%Y-%m-%dT%H:%M:%S+08:00'), 'fixmedins_code': fixmedins_code,
        'med_list_codg': med_list_codg, 'hilist_name': hilist_name, 'med_chrgitm_type': med_chrgitm_type, 'cnt': cnt, 'pric': pric,
        'det_item_fee_sumamt': det_item_fee_sumamt, 'pric_uplmt_amt': pric_uplmt_amt, 'bilg_dr_codg': bilg_dr_codg,
        'bilg_dept_name': bilg_dept_name, 'offending': offending, 'detectors': detectors})::VARCHAR AS line
    FROM (
      SELECT l.*, o.feedetl_sn IS NOT NULL AS offending, coalesce(o.detectors, []::VARCHAR[]) AS detectors,
        row_number() OVER (PARTITION BY l.case_id ORDER BY o.feedetl_sn IS NOT NULL DESC, l.fee_ocur_time, l.feedetl_sn) AS seq
      FROM lines l LEFT JOIN off o ON o.case_id = l.case_id AND o.feedetl_sn = l.feedetl_sn
      QUALIFY seq <= ${EVIDENCE_LIMIT})`;
}

/** What a case's evidence depends on besides its alerts: the latest loaded batch ('' with none). */
const VERSION_SQL = `(SELECT coalesce(strftime(max(finished_at), '%Y-%m-%dT%H:%M:%S.%f%z'), '') FROM batches WHERE status = 'loaded')`;
export async function dataVersion(db: Store): Promise<string> {
  return (await db.scalar<string>(`SELECT ${VERSION_SQL}`)) ?? '';
}

/** md5 of the case's 'alert_id:status' values, sorted and comma-joined (`SIG_SQL` in SQL). */
export function alertsSignature(alerts: Record<string, unknown>[]): string {
  const parts = alerts.map((a) => `${String(a.alert_id)}:${String(a.status)}`).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return createHash('md5').update(parts.join(',')).digest('hex');
}
const SIG_SQL = `md5(array_to_string(list_sort(list(a.alert_id || ':' || a.status)), ','))`;

export interface EvidenceRefresh {
  cases: number;
  lines: number;
  ms: number;
}

/**
 * Brings `case_evidence` up to date: every case without evidence, or whose alerts or the loaded data changed
 * since it was built, is rebuilt (in one transaction). Idempotent; run by the nightly `cases` stage and by the
 * owner server when the API met a stale case.
 */
export async function refreshCaseEvidence(store: Store): Promise<EvidenceRefresh> {
  const t0 = performance.now();
  return store.transaction(async () => {
    const version = await dataVersion(store);
    await store.run(
      `CREATE OR REPLACE TEMP TABLE fw_evidence_targets AS
       SELECT s.case_id, s.alerts_sig FROM (
         SELECT ca.case_id, ${SIG_SQL} AS alerts_sig FROM case_alerts ca JOIN alerts a USING (alert_id) GROUP BY ca.case_id) s
       LEFT JOIN (SELECT case_id, alerts_sig, data_version FROM case_evidence WHERE seq <= 1) e USING (case_id)
       WHERE e.case_id IS NULL OR e.alerts_sig <> s.alerts_sig OR e.data_version <> $1`,
      [version],
    );
    const cases = await store.scalar<number>('SELECT count(*)::INTEGER FROM fw_evidence_targets');
    let lines = 0;
    if (cases > 0) {
      await store.run('DELETE FROM case_evidence WHERE case_id IN (SELECT case_id FROM fw_evidence_targets)');
      await store.run(
        `INSERT INTO case_evidence
         SELECT t.case_id, t.alerts_sig, $1, coalesce(e.seq, 0), e.line
         FROM fw_evidence_targets t LEFT JOIN (${evidenceSql('SELECT case_id FROM fw_evidence_targets')}) e USING (case_id)
         ORDER BY t.case_id, e.seq`,
        [version],
      );
      lines = await store.scalar<number>('SELECT count(line)::INTEGER FROM case_evidence WHERE case_id IN (SELECT case_id FROM fw_evidence_targets)');
    }
    await store.run('DROP TABLE IF EXISTS fw_evidence_targets');
    return { cases, lines, ms: Math.round(performance.now() - t0) };
  });
}

/**
 * The evidence of one case: from `case_evidence` when it was built for these alerts and this data, else
 * computed live (`cached: false` — the caller may ask for a refresh). `alerts`: the case's alerts. Also gives
 * the `dataVersion` it compared with.
 */
export async function readCaseEvidence(
  db: Store, caseId: string, alerts: Record<string, unknown>[],
): Promise<{ rows: Record<string, unknown>[]; cached: boolean; version: string }> {
  const version = await dataVersion(db);
  const stored = await db.all<{ alerts_sig: string; data_version: string; line: string | null }>(
    'SELECT alerts_sig, data_version, line FROM case_evidence WHERE case_id = $1 ORDER BY seq', [caseId]);
  const cached = stored.length > 0 && stored[0]!.alerts_sig === alertsSignature(alerts) && stored[0]!.data_version === version;
  const lines = cached ? stored : await db.all<{ line: string | null }>(`SELECT line FROM (${evidenceSql('SELECT $1::VARCHAR AS case_id')}) ORDER BY seq`, [caseId]);
  return { rows: lines.filter((l) => l.line !== null).map((l) => JSON.parse(l.line!) as Record<string, unknown>), cached, version };
}
