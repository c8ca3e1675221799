import type { Store } from '../store/store.ts';

/** An alert in the shape of ../shared/docs/interfaces.md ("Alerts"). */
export interface AlertJson {
  alert_id: string;
  run_id: string;
  family: string;
  detector_id: string;
  detector_version: number;
  gz_code: string | null;
  result_type: 'violation' | 'suspicious';
  title_zh: string;
  subject_type: 'person' | 'provider' | 'physician' | 'visit';
  psn_no: string | null;
  fixmedins_code: string | null;
  bilg_dr_codg: string | null;
  mdtrt_id: string | null;
  setl_id: string | null;
  feedetl_sn: string[];
  admdvs: string | null;
  measured: Record<string, unknown>;
  threshold: Record<string, unknown>;
  peer: { group: unknown; size: unknown; median: unknown; spread: unknown; score: unknown } | null;
  amount_at_risk: number;
  params_hash: string;
  legal_basis: string;
  /** `shadow`: raised by a detector in shadow mode (listed only when asked for). */
  status: 'open' | 'withdrawn' | 'suppressed' | 'shadow';
  created_at: string;
  /** One plain Chinese sentence for the hospital (docs/interfaces.md, additions of 2026-12). */
  explanation_zh: string;
}

/** Columns to select from `alerts` (alias a) for alertJson: times formatted in SQL, JSON as text. */
export const ALERT_SELECT = `a.alert_id, a.run_id, a.family, a.detector_id, a.detector_version, a.gz_code, a.result_type,
  a.title_zh, a.subject_type, a.psn_no, a.fixmedins_code, a.bilg_dr_codg, a.mdtrt_id, a.setl_id, a.feedetl_sn, a.admdvs,
  a.measured::VARCHAR AS measured, a.threshold::VARCHAR AS threshold, a.peer::VARCHAR AS peer,
  a.amount_at_risk::DOUBLE AS amount_at_risk, a.params_hash, a.legal_basis, a.status,
  strftime(timezone('Asia/Shanghai', a.created_at), '%Y-%m-%dT%H:%M:%S') || '+08:00' AS created_at, a.explanation_zh`;

/** One `alerts` row (as selected with ALERT_SELECT, or raw) → the interfaces.md alert object, keys in order. */
export function alertJson(row: Record<string, unknown>): AlertJson {
  return {
    alert_id: String(row.alert_id),
    run_id: String(row.run_id),
    family: String(row.family),
    detector_id: String(row.detector_id),
    detector_version: Number(row.detector_version),
    gz_code: str(row.gz_code),
    result_type: row.result_type as AlertJson['result_type'],
    title_zh: String(row.title_zh),
    subject_type: row.subject_type as AlertJson['subject_type'],
    psn_no: str(row.psn_no),
    fixmedins_code: str(row.fixmedins_code),
    bilg_dr_codg: str(row.bilg_dr_codg),
    mdtrt_id: str(row.mdtrt_id),
    setl_id: str(row.setl_id),
    feedetl_sn: Array.isArray(row.feedetl_sn) ? row.feedetl_sn.map(String) : [],
    admdvs: str(row.admdvs),
    measured: (json(row.measured) ?? {}) as Record<string, unknown>,
    threshold: (json(row.threshold) ?? {}) as Record<string, unknown>,
    peer: json(row.peer) as AlertJson['peer'],
    amount_at_risk: Math.round(Number(row.amount_at_risk) * 100) / 100,
    params_hash: String(row.params_hash),
    legal_basis: String(row.legal_basis),
    status: row.status as AlertJson['status'],
    created_at: isoTime(row.created_at),
    explanation_zh: String(row.explanation_zh ?? ''),
  };
}

export interface AlertFilter {
  family?: string;
  detector?: string;
  /** YYYY-MM-DD: alerts created on or after this day (Asia/Shanghai). */
  since?: string;
  /** Without a status, shadow alerts are left out (they are not live); `shadow` lists them. */
  status?: string;
  runId?: string;
}

/** Alerts matching the filter, in a stable order (detector, subject keys, alert_id). */
export async function listAlerts(store: Store, f: AlertFilter = {}): Promise<AlertJson[]> {
  const where: string[] = [];
  const params: Record<string, string> = {};
  if (f.family) {
    where.push('a.family = $family');
    params.family = f.family;
  }
  if (f.detector) {
    where.push('a.detector_id = $detector');
    params.detector = f.detector;
  }
  if (f.since) {
    where.push("timezone('Asia/Shanghai', a.created_at)::DATE >= $since::DATE");
    params.since = f.since;
  }
  if (f.status) {
    where.push('a.status = $status');
    params.status = f.status;
  } else {
    where.push("a.status <> 'shadow'");
  }
  if (f.runId) {
    where.push('(a.run_id = $run_id OR a.last_run_id = $run_id)');
    params.run_id = f.runId;
  }
  const rows = await store.all(
    `SELECT ${ALERT_SELECT} FROM alerts a ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
     ORDER BY a.family, a.detector_id, a.psn_no NULLS FIRST, a.fixmedins_code NULLS FIRST, a.bilg_dr_codg NULLS FIRST,
              a.mdtrt_id NULLS FIRST, a.setl_id NULLS FIRST, a.alert_id`,
    params,
  );
  return rows.map(alertJson);
}

function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

function json(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return JSON.parse(v);
  return v;
}

function isoTime(v: unknown): string {
  if (v instanceof Date) return new Date(v.getTime() + 8 * 3600_000).toISOString().slice(0, 19) + '+08:00';
  return String(v);
}
