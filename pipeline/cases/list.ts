import type { Store } from '../store/store.ts';

/** The interfaces.md case shape, plus (extension) families, assignee and decision fields. */
export const CASE_SELECT = `SELECT case_id, subject_type, psn_no, fixmedins_code, bilg_dr_codg, admdvs, risk_score, status,
  alert_count, amount_at_risk::DOUBLE AS amount_at_risk,
  strftime(opened_at, '%Y-%m-%dT%H:%M:%S+08:00') AS opened_at, strftime(updated_at, '%Y-%m-%dT%H:%M:%S+08:00') AS updated_at,
  families, assignee, decision, decided_by, confirmed_amount::DOUBLE AS confirmed_amount, recovered_amount::DOUBLE AS recovered_amount,
  deducted_amount::DOUBLE AS deducted_amount, fined_amount::DOUBLE AS fined_amount, queue_taken_by
  FROM cases`;

export interface CaseFilter {
  status?: string;
  region?: string;
  subject_type?: string;
}

export async function listCases(store: Store, f: CaseFilter = {}): Promise<Record<string, unknown>[]> {
  const where: string[] = [];
  const params: string[] = [];
  if (f.status) where.push(`status = $${params.push(f.status)}`);
  if (f.region) where.push(`admdvs = $${params.push(f.region)}`);
  if (f.subject_type) where.push(`subject_type = $${params.push(f.subject_type)}`);
  return store.all(`${CASE_SELECT} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY risk_score DESC, case_id`, params);
}

export async function getCase(store: Store, caseId: string): Promise<Record<string, unknown> | undefined> {
  return store.one(`${CASE_SELECT} WHERE case_id = $1`, [caseId]);
}

export async function caseAlertIds(store: Store, caseId: string): Promise<string[]> {
  const rows = await store.all<{ alert_id: string }>('SELECT alert_id FROM case_alerts WHERE case_id = $1 ORDER BY alert_id', [caseId]);
  return rows.map((r) => r.alert_id);
}

/**
 * Per-rule precision from decisions: for every detector, over the decided cases holding one of its alerts,
 * confirmed / (confirmed + false_alarm). Referrals to on-site inspection are counted apart (not yet known).
 */
export async function rulePrecision(store: Store): Promise<{ detector_id: string; decided: number; confirmed: number; false_alarm: number; onsite_inspection: number; precision: number | null }[]> {
  return store.all(`
    SELECT a.detector_id,
      count(DISTINCT c.case_id) FILTER (WHERE c.decision IN ('confirmed', 'false_alarm'))::INTEGER AS decided,
      count(DISTINCT c.case_id) FILTER (WHERE c.decision = 'confirmed')::INTEGER AS confirmed,
      count(DISTINCT c.case_id) FILTER (WHERE c.decision = 'false_alarm')::INTEGER AS false_alarm,
      count(DISTINCT c.case_id) FILTER (WHERE c.decision = 'onsite_inspection')::INTEGER AS onsite_inspection,
      round(count(DISTINCT c.case_id) FILTER (WHERE c.decision = 'confirmed')
        / nullif(count(DISTINCT c.case_id) FILTER (WHERE c.decision IN ('confirmed', 'false_alarm')), 0), 4) AS precision
    FROM case_alerts ca JOIN alerts a USING (alert_id) JOIN cases c USING (case_id)
    WHERE c.decision IS NOT NULL AND c.status IN ('decided', 'appeal', 'closed')
    GROUP BY a.detector_id ORDER BY a.detector_id`) as never;
}
