import type { Store } from '../store/store.ts';

/** One entry of `audit_log` (append-only): who did what to which object. */
export interface AuditEntry {
  actor: string;
  action: string;
  object_type?: string | null;
  object_id?: string | null;
  detail?: unknown;
}

/** The one writer of `audit_log`. Callers inside a transaction or exclusive section call this; others `auditNow`. */
export async function writeAudit(store: Store, e: AuditEntry): Promise<void> {
  await store.run(
    'INSERT INTO audit_log ("at", actor, action, object_type, object_id, detail) VALUES (now(), $1, $2, $3, $4, $5::JSON)',
    [e.actor, e.action, e.object_type ?? null, e.object_id ?? null, e.detail === undefined ? null : JSON.stringify(e.detail)],
  );
}

export function auditNow(store: Store, e: AuditEntry): Promise<void> {
  return store.exclusive(() => writeAudit(store, e));
}
