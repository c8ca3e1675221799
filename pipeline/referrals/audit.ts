import type { Store } from '../store/store.ts';

/** Appends to `audit_log(at, actor, action, object_type, object_id, detail JSON)` (shared with the API). */
export async function writeAudit(
  store: Store,
  e: { actor: string; action: string; object_type?: string | null; object_id?: string | null; detail?: unknown },
): Promise<void> {
  await store.run(
    'INSERT INTO audit_log ("at", actor, action, object_type, object_id, detail) VALUES (now(), $1, $2, $3, $4, $5::JSON)',
    [e.actor, e.action, e.object_type ?? null, e.object_id ?? null, e.detail === undefined ? null : JSON.stringify(e.detail)],
  );
}
