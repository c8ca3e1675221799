import type { Store } from '../store/store.ts';

export interface CaseEvent {
  case_id: string;
  actor: string;
  action: string;
  from_status: string | null;
  to_status: string | null;
  reason?: string | null;
  detail?: unknown;
}

/** Appends to the case event log (append-only: nothing updates or deletes these rows). */
export async function appendCaseEvent(store: Store, e: CaseEvent): Promise<void> {
  await store.run(
    `INSERT INTO case_events (case_id, event_at, actor, action, from_status, to_status, reason, detail)
     VALUES ($1, now(), $2, $3, $4, $5, $6, $7::JSON)`,
    [e.case_id, e.actor, e.action, e.from_status, e.to_status, e.reason ?? null, e.detail === undefined ? null : JSON.stringify(e.detail)],
  );
}

export async function caseEvents(store: Store, caseId: string): Promise<Record<string, unknown>[]> {
  return store.all(
    `SELECT strftime(event_at, '%Y-%m-%dT%H:%M:%S+08:00') AS "at", actor, action, from_status, to_status, reason, detail
     FROM case_events WHERE case_id = $1 ORDER BY event_id`,
    [caseId],
  );
}
