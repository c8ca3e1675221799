import type { Store } from '../store/store.ts';
import { scoreSql, familySeveritySql, DEFAULT_FAMILY_SEVERITY, RESULT_WEIGHT } from './score.ts';
import { applySuppressions } from './suppress.ts';
import { settleWithdrawnCases } from './withdrawn.ts';
import { REOPEN_SET_SQL } from './status.ts';

export interface UpdateCasesSummary {
  run_id: string | null;
  alerts_linked: number;
  alerts_suppressed: number;
  alerts_unsuppressed: number;
  cases_new: number;
  cases_reopened: number;
  cases_with_new_alerts: number;
  cases_rescored: number;
  /** undecided cases closed because every alert was withdrawn */
  cases_closed_withdrawn: number;
  /** decided/appealed cases marked (event) because every alert was withdrawn */
  cases_marked_withdrawn: number;
  /** cases closed that way reopened because an alert is open again */
  cases_reinstated: number;
  open_cases: number;
}

/**
 * Groups open alerts into cases, in SQL. The case subject is the person, the provider, or the physician
 * (provider + doctor code); visit alerts join their provider's case. The region is the provider's admdvs
 * (person: insu_admdvs), falling back to the alert's admdvs. New alerts join their subject's case; a decided
 * or closed case reopens (back to `new`) only when an alert it has not seen arrives. Re-running on the same
 * alerts changes nothing. Cases whose every alert was withdrawn are settled (`settleWithdrawnCases`). Every
 * new or reopened case, and every case whose score changed, is marked for dispatch (its `dispatched_priority`
 * no longer matches).
 */
export async function updateCases(store: Store, opts: { runId?: string | null; actor?: string } = {}): Promise<UpdateCasesSummary> {
  const runId = opts.runId ?? null;
  const actor = opts.actor ?? 'pipeline';
  return store.transaction(async () => {
    const sup = await applySuppressions(store);

    await store.run(`CREATE OR REPLACE TEMP TABLE fw_new_links AS
      WITH a AS (
        SELECT al.alert_id, al.run_id,
          CASE WHEN al.subject_type = 'visit' THEN 'provider' ELSE al.subject_type END AS subject_type,
          CASE WHEN al.subject_type = 'person' THEN al.psn_no END AS psn_no,
          CASE WHEN al.subject_type <> 'person' THEN al.fixmedins_code END AS fixmedins_code,
          CASE WHEN al.subject_type = 'physician' THEN al.bilg_dr_codg END AS bilg_dr_codg,
          al.admdvs AS alert_admdvs
        FROM alerts al ANTI JOIN case_alerts ca ON ca.alert_id = al.alert_id
        WHERE al.status = 'open'
      ), r AS (
        SELECT a.*, coalesce(CASE WHEN a.subject_type = 'person' THEN p.insu_admdvs ELSE f.admdvs END, a.alert_admdvs, 'unknown') AS admdvs
        FROM a
        LEFT JOIN (SELECT psn_no, any_value(insu_admdvs) AS insu_admdvs FROM psn_info GROUP BY psn_no) p ON p.psn_no = a.psn_no
        LEFT JOIN (SELECT fixmedins_code, any_value(admdvs) AS admdvs FROM fixmedins GROUP BY fixmedins_code) f ON f.fixmedins_code = a.fixmedins_code
      )
      SELECT r.*, 'C' || substr(md5(concat_ws('|', subject_type, coalesce(psn_no, ''), coalesce(fixmedins_code, ''), coalesce(bilg_dr_codg, ''), admdvs)), 1, 20) AS case_id
      FROM r`);
    const linked = await store.scalar<number>('SELECT count(*)::INTEGER FROM fw_new_links');

    const newCases = await store.scalar<number>(`SELECT count(DISTINCT case_id)::INTEGER FROM fw_new_links ANTI JOIN cases USING (case_id)`);
    // Scores first (over linked + about-to-link alerts), so new cases are inserted complete: a mass UPDATE
    // of freshly inserted rows is what made 100 k new cases slow.
    await computeScores(store);
    await store.run(
      `INSERT INTO cases (case_id, subject_type, psn_no, fixmedins_code, bilg_dr_codg, admdvs, status, risk_score, alert_count,
         amount_at_risk, families, opened_at, updated_at, last_run_id)
       SELECT l.case_id, l.subject_type, l.psn_no, l.fixmedins_code, l.bilg_dr_codg, l.admdvs, 'new', s.score, s.n, s.amount, s.families, now(), now(), $1
       FROM (SELECT case_id, any_value(subject_type) AS subject_type, any_value(psn_no) AS psn_no, any_value(fixmedins_code) AS fixmedins_code,
               any_value(bilg_dr_codg) AS bilg_dr_codg, any_value(admdvs) AS admdvs
             FROM fw_new_links ANTI JOIN cases USING (case_id) GROUP BY case_id) l
       JOIN fw_case_scores s USING (case_id)`,
      [runId],
    );
    await store.run(
      `INSERT INTO case_events (case_id, event_at, actor, action, from_status, to_status, reason, detail)
       SELECT case_id, now(), $1, 'open', NULL, 'new', '新预警 new alerts', json_object('alerts', count(*), 'run_id', $2)
       FROM fw_new_links l WHERE NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = l.case_id) GROUP BY case_id`,
      [actor, runId],
    );

    // Decided or closed cases that receive alerts they have not seen reopen.
    await store.run(`CREATE OR REPLACE TEMP TABLE fw_reopen AS
      SELECT c.case_id, c.status, count(*)::INTEGER AS n FROM cases c JOIN fw_new_links l USING (case_id)
      WHERE c.status IN ('decided', 'closed') GROUP BY c.case_id, c.status`);
    const reopened = await store.scalar<number>('SELECT count(*)::INTEGER FROM fw_reopen');
    await store.run(
      `INSERT INTO case_events (case_id, event_at, actor, action, from_status, to_status, reason, detail)
       SELECT case_id, now(), $1, 'reopen', status, 'new', '新证据重新打开 reopened on new evidence', json_object('alerts', n, 'run_id', $2) FROM fw_reopen`,
      [actor, runId],
    );
    await store.run(`UPDATE cases SET ${REOPEN_SET_SQL} WHERE case_id IN (SELECT case_id FROM fw_reopen)`);

    const joined = await store.scalar<number>(`SELECT count(DISTINCT case_id)::INTEGER FROM fw_new_links l
      WHERE l.case_id NOT IN (SELECT case_id FROM fw_reopen)
        AND EXISTS (SELECT 1 FROM case_alerts ca WHERE ca.case_id = l.case_id)`);
    await store.run(
      `INSERT INTO case_events (case_id, event_at, actor, action, from_status, to_status, reason, detail)
       SELECT l.case_id, now(), $1, 'alerts_added', c.status, c.status, '新增预警 alerts added', json_object('alerts', count(*), 'run_id', $2)
       FROM fw_new_links l JOIN cases c USING (case_id)
       WHERE l.case_id NOT IN (SELECT case_id FROM fw_reopen)
         AND EXISTS (SELECT 1 FROM case_alerts ca WHERE ca.case_id = l.case_id)
       GROUP BY l.case_id, c.status`,
      [actor, runId],
    );
    await store.run(`INSERT INTO case_alerts (case_id, alert_id, run_id, added_at) SELECT case_id, alert_id, run_id, now() FROM fw_new_links`);
    const withdrawn = await settleWithdrawnCases(store, actor, runId);

    const rescored = await rescoreCases(store, runId);
    const open = await store.scalar<number>(`SELECT count(*)::INTEGER FROM cases WHERE status <> 'closed'`);
    await store.run('DROP TABLE fw_new_links');
    await store.run('DROP TABLE fw_reopen');
    return {
      run_id: runId,
      alerts_linked: linked,
      alerts_suppressed: sup.suppressed,
      alerts_unsuppressed: sup.unsuppressed,
      cases_new: newCases,
      cases_reopened: reopened,
      cases_with_new_alerts: joined,
      cases_rescored: rescored,
      cases_closed_withdrawn: withdrawn.closed,
      cases_marked_withdrawn: withdrawn.marked,
      cases_reinstated: withdrawn.reinstated,
      open_cases: open,
    };
  });
}

/** Count, amount, families and risk score of every case (existing and new) from its open alerts. */
async function computeScores(store: Store): Promise<void> {
  await store.run(`CREATE OR REPLACE TEMP TABLE fw_case_scores AS
    WITH sev(family, severity) AS (VALUES ${familySeveritySql()}),
    linked AS (
      SELECT ca.case_id, a.family, a.amount_at_risk,
        coalesce(s.severity, ${DEFAULT_FAMILY_SEVERITY}) * CASE a.result_type WHEN 'violation' THEN ${RESULT_WEIGHT.violation} ELSE ${RESULT_WEIGHT.suspicious} END AS w
      FROM (SELECT case_id, alert_id FROM case_alerts UNION ALL SELECT case_id, alert_id FROM fw_new_links) ca
        JOIN alerts a USING (alert_id) LEFT JOIN sev s ON s.family = a.family
      WHERE a.status = 'open'
    ),
    fam AS (SELECT case_id, family, max(w) AS w FROM linked GROUP BY case_id, family),
    agg AS (
      SELECT case_id, count(*)::INTEGER AS n, sum(amount_at_risk)::DECIMAL(14, 2) AS amount FROM linked GROUP BY case_id
    ),
    ev AS (SELECT case_id, sum(w) AS evidence, list(family ORDER BY family) AS families FROM fam GROUP BY case_id)
    SELECT c.case_id, coalesce(agg.n, 0) AS n, coalesce(agg.amount, 0)::DECIMAL(14, 2) AS amount,
      coalesce(ev.families, []::VARCHAR[]) AS families,
      CASE WHEN agg.n IS NULL THEN 0 ELSE ${scoreSql('ev.evidence', 'agg.amount::DOUBLE', 'agg.n')} END AS score
    FROM (SELECT case_id FROM cases UNION SELECT case_id FROM fw_new_links) c LEFT JOIN agg USING (case_id) LEFT JOIN ev USING (case_id)`);
}

/** Writes the computed scores to existing cases whose figures changed; returns how many. */
async function rescoreCases(store: Store, runId: string | null): Promise<number> {
  const changed = await store.scalar<number>(`SELECT count(*)::INTEGER FROM fw_case_scores s JOIN cases c USING (case_id)
    WHERE c.alert_count <> s.n OR c.amount_at_risk <> s.amount OR c.risk_score <> s.score OR c.families <> s.families`);
  if (changed > 0) {
    await store.run(
      `UPDATE cases SET alert_count = s.n, amount_at_risk = s.amount, risk_score = s.score, families = s.families,
         updated_at = now(), last_run_id = coalesce($1, cases.last_run_id)
       FROM fw_case_scores s
       WHERE cases.case_id = s.case_id
         AND (cases.alert_count <> s.n OR cases.amount_at_risk <> s.amount OR cases.risk_score <> s.score OR cases.families <> s.families)`,
      [runId],
    );
  }
  await store.run('DROP TABLE fw_case_scores');
  return changed;
}
