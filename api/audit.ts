import type { Store } from '../pipeline/store/store.ts';

export interface AuditEntry {
  actor: string;
  action: string;
  object_type?: string | null;
  object_id?: string | null;
  detail?: unknown;
}

/** Appends to `audit_log`. Callers inside a transaction call this directly; others via `auditNow`. */
export async function writeAudit(store: Store, e: AuditEntry): Promise<void> {
  await store.run(
    'INSERT INTO audit_log ("at", actor, action, object_type, object_id, detail) VALUES (now(), $1, $2, $3, $4, $5::JSON)',
    [e.actor, e.action, e.object_type ?? null, e.object_id ?? null, e.detail === undefined ? null : JSON.stringify(e.detail)],
  );
}

export function auditNow(store: Store, e: AuditEntry): Promise<void> {
  return store.exclusive(() => writeAudit(store, e));
}

/** 张三丰 → 张**; a two-character name → 张*. */
export function maskName(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return null;
  return name.slice(0, 1) + '*'.repeat(Math.max(1, [...name].length - 1));
}

/** 421002199001011234 → 421002********1234. */
export function maskCertno(certno: unknown): string | null {
  if (typeof certno !== 'string' || certno.length === 0) return null;
  if (certno.length <= 8) return '*'.repeat(certno.length);
  return certno.slice(0, 6) + '*'.repeat(certno.length - 10) + certno.slice(-4);
}
