import type { Store } from '../store/store.ts';
import { REOPEN_SET_SQL } from './status.ts';

export const WITHDRAWN_REASON = '全部预警已撤回 all alerts withdrawn';
/** Undecided statuses: a case in one of these with every alert withdrawn is closed by the pipeline. */
const UNDECIDED_SQL = `'new', 'assigned', 'in_review', 'expert_review'`;

/** Not yet marked since the case's latest decision (one mark per decision). */
const NOT_MARKED_SQL = `NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = w.case_id AND e.action = 'alerts_withdrawn'
  AND e.event_id > (SELECT coalesce(max(d.event_id), 0) FROM case_events d WHERE d.case_id = w.case_id AND d.action = 'decide'))`;

export interface WithdrawnSummary {
  closed: number;
  marked: number;
  reinstated: number;
}

/**
 * Cases whose every alert was withdrawn (reversed settlements, corrected data):
 * - an undecided case is closed (event `withdrawn`, 全部预警已撤回); its queue job goes at the next reconcile;
 * - a decided or appealed case keeps its status — a person decided it — and gets one `alerts_withdrawn` event;
 * - a case closed this way reopens (event `reopen`) when one of its alerts is open again (the detector found it
 *   again); a new alert reopens it through the ordinary path.
 * Runs inside updateCases' transaction, after the new alerts are linked.
 */
export async function settleWithdrawnCases(store: Store, actor: string, runId: string | null): Promise<WithdrawnSummary> {
  const closed = await closeOrMark(store, actor, runId);
  const reinstated = await reopenReinstated(store, actor, runId);
  return { ...closed, reinstated };
}

async function closeOrMark(store: Store, actor: string, runId: string | null): Promise<{ closed: number; marked: number }> {
  // cheap guard: most runs withdraw nothing
  if ((await store.scalar<number>(`SELECT count(*)::INTEGER FROM alerts WHERE status = 'withdrawn'`)) === 0) return { closed: 0, marked: 0 };
  await store.run(`CREATE OR REPLACE TEMP TABLE fw_withdrawn AS
    WITH touched AS (SELECT DISTINCT ca.case_id FROM case_alerts ca JOIN alerts a USING (alert_id) WHERE a.status = 'withdrawn')
    SELECT c.case_id, c.status FROM cases c JOIN (
      SELECT ca.case_id FROM case_alerts ca JOIN touched USING (case_id) JOIN alerts a USING (alert_id)
      GROUP BY ca.case_id HAVING bool_and(a.status = 'withdrawn')
    ) w USING (case_id)
    WHERE c.status <> 'closed'`);
  const closed = await store.scalar<number>(`SELECT count(*)::INTEGER FROM fw_withdrawn WHERE status IN (${UNDECIDED_SQL})`);
  if (closed > 0) {
    await store.run(
      `INSERT INTO case_events (case_id, event_at, actor, action, from_status, to_status, reason, detail)
       SELECT case_id, now(), $1, 'withdrawn', status, 'closed', $2, json_object('run_id', $3) FROM fw_withdrawn WHERE status IN (${UNDECIDED_SQL})`,
      [actor, WITHDRAWN_REASON, runId],
    );
    // queue_token stays: reconcile completes a job an inspector still holds with it
    await store.run(`UPDATE cases SET status = 'closed', closed_by = $1, closed_at = now(), updated_at = now()
      WHERE case_id IN (SELECT case_id FROM fw_withdrawn WHERE status IN (${UNDECIDED_SQL}))`, [actor]);
  }
  const marked = await store.scalar<number>(`SELECT count(*)::INTEGER FROM fw_withdrawn w WHERE status NOT IN (${UNDECIDED_SQL})
    AND ${NOT_MARKED_SQL}`);
  if (marked > 0) {
    await store.run(
      `INSERT INTO case_events (case_id, event_at, actor, action, from_status, to_status, reason, detail)
       SELECT case_id, now(), $1, 'alerts_withdrawn', status, status, $2, json_object('run_id', $3) FROM fw_withdrawn w
       WHERE status NOT IN (${UNDECIDED_SQL})
         AND ${NOT_MARKED_SQL}`,
      [actor, `${WITHDRAWN_REASON}，请复核决定 (review the decision)`, runId],
    );
  }
  await store.run('DROP TABLE fw_withdrawn');
  return { closed, marked };
}

async function reopenReinstated(store: Store, actor: string, runId: string | null): Promise<number> {
  if ((await store.scalar<number>(`SELECT count(*)::INTEGER FROM case_events WHERE action = 'withdrawn'`)) === 0) return 0;
  await store.run(`CREATE OR REPLACE TEMP TABLE fw_reinstated AS
    WITH closed AS (SELECT case_id FROM cases WHERE status = 'closed')
    SELECT c.case_id FROM closed c
      JOIN (SELECT DISTINCT ca.case_id FROM case_alerts ca JOIN closed USING (case_id) JOIN alerts a USING (alert_id) WHERE a.status = 'open') o USING (case_id)
      JOIN (SELECT case_id, arg_max(action, event_id) AS last_action FROM case_events JOIN closed USING (case_id) GROUP BY case_id) e USING (case_id)
    WHERE e.last_action = 'withdrawn'`);
  const reinstated = await store.scalar<number>('SELECT count(*)::INTEGER FROM fw_reinstated');
  if (reinstated > 0) {
    await store.run(
      `INSERT INTO case_events (case_id, event_at, actor, action, from_status, to_status, reason, detail)
       SELECT case_id, now(), $1, 'reopen', 'closed', 'new', '预警恢复，重新打开 alerts reinstated; reopened', json_object('run_id', $2) FROM fw_reinstated`,
      [actor, runId],
    );
    await store.run(`UPDATE cases SET ${REOPEN_SET_SQL}, updated_at = now() WHERE case_id IN (SELECT case_id FROM fw_reinstated)`);
  }
  await store.run('DROP TABLE fw_reinstated');
  return reinstated;
}
