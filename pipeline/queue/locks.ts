import { listValue } from '@duckdb/node-api';
import type { Store } from '../store/store.ts';
import { appendCaseEvent } from '../cases/events.ts';
import { CLEAR_QUEUE_LOCK_SQL, END_QUEUE_LOCK_SQL, QUEUED_STATUSES } from '../cases/status.ts';

/**
 * The store's side of an inspector's hold on a case. DuckDB is the source of truth and Redis may lose
 * everything, so the lock is kept here: `queue_token` (the BullMQ lock token), `queue_taken_by`,
 * `queue_taken_at` and `queue_lock_expires_at`. A lock is live while it has a token and its expiry is in
 * the future; no expiry (a lock taken before migration 009) counts as expired.
 *
 * Every expiry written here is computed before the Redis call that sets or extends the job's lock, so the
 * store's lock never outlives Redis's: when BullMQ finds a job stalled, the store already says it expired.
 */
export interface StoreLock {
  token: string | null;
  expiresAt: number | null;
}

export function isLive(lock: StoreLock | undefined, now = Date.now()): boolean {
  return !!lock?.token && lock.expiresAt !== null && lock.expiresAt > now;
}

export const LOCK_EXPIRED_REASON = '审核锁超时，案件回到队列 review lock expired; case returned to the queue';

/** DuckDB TIMESTAMPTZ from epoch milliseconds. */
const AT_MS = (param: string) => `to_timestamp(${param}::DOUBLE / 1000)`;

interface LockRow {
  status: string;
  queue_token: string | null;
  expires_ms: number | null;
}

async function lockRow(store: Store, caseId: string): Promise<LockRow | undefined> {
  return store.one<LockRow & Record<string, unknown>>(
    'SELECT status, queue_token, epoch_ms(queue_lock_expires_at) AS expires_ms FROM cases WHERE case_id = $1',
    [caseId],
  );
}

/** Current locks of these cases (for reconcile). */
export async function readLocks(store: Store, caseIds: string[]): Promise<Map<string, StoreLock>> {
  if (caseIds.length === 0) return new Map();
  const rows = await store.all<{ case_id: string; queue_token: string | null; expires_ms: number | null }>(
    'SELECT case_id, queue_token, epoch_ms(queue_lock_expires_at) AS expires_ms FROM cases WHERE list_contains($1::VARCHAR[], case_id)',
    [listValue(caseIds)],
  );
  return new Map(rows.map((r) => [r.case_id, { token: r.queue_token, expiresAt: r.expires_ms }]));
}

/** taken; the case is no longer open; or someone else's lock is live until `heldUntil`. */
export type TakeOutcome = 'taken' | 'closed' | { heldUntil: number };

/**
 * DuckDB side of take next, in one transaction: refuses a case held under a live lock (whatever Redis said),
 * ends an expired lock nobody cleared yet (event `release` by system) and records the new one.
 */
export async function recordTake(store: Store, caseId: string, inspector: string, token: string, expiresAt: number): Promise<TakeOutcome> {
  return store.transaction(async () => {
    const c = await lockRow(store, caseId);
    if (!c || !QUEUED_STATUSES.includes(c.status as never)) return 'closed';
    const lock = { token: c.queue_token, expiresAt: c.expires_ms };
    if (isLive(lock)) return { heldUntil: lock.expiresAt! };
    const from = lock.token ? await releaseInTransaction(store, caseId, c.status, 'system', LOCK_EXPIRED_REASON) : c.status;
    const to = from === 'new' ? 'assigned' : from;
    await store.run(
      `UPDATE cases SET status = $2, assignee = $3, queue_token = $4, queue_taken_by = $3, queue_taken_at = now(),
         queue_lock_expires_at = ${AT_MS('$5')}, updated_at = now() WHERE case_id = $1`,
      [caseId, to, inspector, token, expiresAt],
    );
    await appendCaseEvent(store, { case_id: caseId, actor: inspector, action: 'take', from_status: from, to_status: to, reason: '从队列领取 taken from the queue' });
    return 'taken';
  });
}

/** Renewal: the lock under `token` now lasts until `expiresAt`. False when that is no longer the case's lock. */
export async function extendStoreLock(store: Store, caseId: string, token: string, expiresAt: number): Promise<boolean> {
  const rows = await store.exclusive(() =>
    store.all(`UPDATE cases SET queue_lock_expires_at = ${AT_MS('$3')} WHERE case_id = $1 AND queue_token = $2 RETURNING case_id`, [caseId, token, expiresAt]),
  );
  return rows.length === 1;
}

/**
 * A released or lost lock: the case is nobody's any more (assigned → new), event `release`. Only the lock
 * under `token` when given; only an expired one with `expiredOnly` (the stalled check and reconcile, which
 * must not clear the lock of an inspector who took the case since). False when nothing was cleared.
 */
export async function clearLock(
  store: Store,
  caseId: string,
  actor: string,
  reason: string,
  opts: { token?: string; expiredOnly?: boolean } = {},
): Promise<boolean> {
  return store.transaction(async () => {
    const c = await lockRow(store, caseId);
    if (!c || !c.queue_token) return false;
    if (opts.token !== undefined && c.queue_token !== opts.token) return false;
    if (opts.expiredOnly && isLive({ token: c.queue_token, expiresAt: c.expires_ms })) return false;
    await releaseInTransaction(store, caseId, c.status, actor, reason);
    return true;
  });
}

async function releaseInTransaction(store: Store, caseId: string, status: string, actor: string, reason: string): Promise<string> {
  const to = status === 'assigned' ? 'new' : status;
  await store.run(
    `UPDATE cases SET status = $2, assignee = CASE WHEN $2 = 'new' THEN NULL ELSE assignee END,
       ${CLEAR_QUEUE_LOCK_SQL}, updated_at = now() WHERE case_id = $1`,
    [caseId, to],
  );
  await appendCaseEvent(store, { case_id: caseId, actor, action: 'release', from_status: status, to_status: to, reason });
  return to;
}

/** The job of a decided or closed case is gone from Redis: its lock ends (who took it last is kept). */
export async function endLocks(store: Store, caseIds: string[]): Promise<void> {
  if (caseIds.length === 0) return;
  await store.exclusive(() => store.run(`UPDATE cases SET ${END_QUEUE_LOCK_SQL} WHERE list_contains($1::VARCHAR[], case_id)`, [listValue(caseIds)]));
}
