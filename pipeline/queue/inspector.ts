import { randomUUID } from 'node:crypto';
import { Job } from 'bullmq';
import type { Store } from '../store/store.ts';
import { appendCaseEvent } from '../cases/events.ts';
import { QUEUED_STATUSES, QUEUED_STATUSES_SQL } from '../cases/status.ts';
import { snoozedCases, snoozeEndsAt } from '../cases/snooze.ts';
import type { CasesConfig } from '../cases/config.ts';
import { withInspectionClients } from './clients.ts';
import { safe } from './names.ts';
import { shanghaiIso } from '../detect/engine.ts';
import { isRedisError, redisLostMessage, redisUnavailableMessage, type RedisSettings } from './redis.ts';

export interface TakeResult {
  case_id: string | null;
  admdvs: string | null;
  token: string | null;
  lock_expires_at: string | null;
  redis_available: boolean;
  message: string;
}

/**
 * Take next: the inspector receives the highest-priority case of a region queue (BullMQ manual processing,
 * `worker.getNextJob(token)`), locked for one review period; the token is recorded in DuckDB so later
 * commands (renew, release, decide) can act on the job. Without `region`, regions are tried in order of
 * their highest open risk score. A snoozed or rule-suppressed case (`snoozedCases`) is skipped: its job is
 * moved to BullMQ's delayed set until the day after the snooze ends, keeping its priority.
 */
export async function takeNextCase(
  store: Store,
  settings: RedisSettings,
  opts: { inspector: string; region?: string; config: CasesConfig },
): Promise<TakeResult> {
  const none = (redis_available: boolean, message: string): TakeResult => ({ case_id: null, admdvs: null, token: null, lock_expires_at: null, redis_available, message });
  return withInspectionClients(settings, async (clients) => {
    if ('error' in clients) return none(false, redisUnavailableMessage(settings, clients.error, '案件 cases'));
    const regions = opts.region
      ? [opts.region]
      : (await store.all<{ admdvs: string }>(
          `SELECT admdvs FROM cases WHERE status IN (${QUEUED_STATUSES_SQL}) GROUP BY admdvs ORDER BY max(risk_score) DESC, admdvs`,
        )).map((r) => r.admdvs);
    const lockMs = opts.config.review_lock_minutes * 60_000;
    try {
      for (const admdvs of regions) {
        const worker = clients.worker(admdvs, lockMs);
        for (;;) {
          const token = `${safe(opts.inspector)}-${randomUUID()}`;
          const job = await worker.getNextJob(token, { block: false });
          if (!job) break;
          const snoozedUntil = (await snoozedCases(store, [job.id!])).get(job.id!);
          if (snoozedUntil) {
            await job.moveToDelayed(snoozeEndsAt(snoozedUntil), token);
            continue;
          }
          const taken = await recordTake(store, job.id!, opts.inspector, token);
          if (!taken) {
            // DuckDB says this case is no longer open: drop the stale job and look further.
            await job.moveToCompleted({ stale: true }, token, false);
            continue;
          }
          return {
            case_id: job.id!,
            admdvs,
            token,
            lock_expires_at: shanghaiIso(new Date(Date.now() + lockMs)),
            redis_available: true,
            message: `已领取案件 ${job.id}（锁定 ${opts.config.review_lock_minutes} 分钟）(took case ${job.id}, locked for ${opts.config.review_lock_minutes} min)`,
          };
        }
      }
    } catch (err) {
      // A job taken but not recorded keeps no owner: its lock runs out and the owner's stalled check returns it.
      if (!isRedisError(err)) throw err;
      return none(false, redisLostMessage(settings, (err as Error).message, '案件 cases'));
    }
    return none(true, '队列中没有待审核的案件 no case waiting in the queue');
  });
}

async function recordTake(store: Store, caseId: string, inspector: string, token: string): Promise<boolean> {
  return store.transaction(async () => {
    const c = await store.one<{ status: string }>('SELECT status FROM cases WHERE case_id = $1', [caseId]);
    if (!c || !QUEUED_STATUSES.includes(c.status as never)) return false;
    const to = c.status === 'new' ? 'assigned' : c.status;
    await store.run(
      `UPDATE cases SET status = $2, assignee = $3, queue_token = $4, queue_taken_by = $3, queue_taken_at = now(), updated_at = now() WHERE case_id = $1`,
      [caseId, to, inspector, token],
    );
    await appendCaseEvent(store, { case_id: caseId, actor: inspector, action: 'take', from_status: c.status, to_status: to, reason: '从队列领取 taken from the queue' });
    return true;
  });
}

async function lockedCase(store: Store, caseId: string) {
  const c = await store.one<{ admdvs: string; queue_token: string | null; queue_taken_by: string | null; status: string; assignee: string | null }>(
    'SELECT admdvs, queue_token, queue_taken_by, status, assignee FROM cases WHERE case_id = $1',
    [caseId],
  );
  if (!c) throw new Error(`案件不存在 case not found: ${caseId}`);
  return c;
}

/** The inspector is still working: extend the lock by one review period. False when the lock was lost. */
export async function renewCaseLock(store: Store, settings: RedisSettings, caseId: string, inspector: string, config: CasesConfig): Promise<boolean> {
  const c = await lockedCase(store, caseId);
  if (!c.queue_token || c.queue_taken_by !== inspector) return false;
  return withInspectionClients(settings, async (clients) => {
    if ('error' in clients) return false;
    try {
      const job = await Job.fromId(clients.queue(c.admdvs), caseId);
      if (!job) return false;
      return (await job.extendLock(c.queue_token!, config.review_lock_minutes * 60_000)) === 1;
    } catch {
      return false;
    }
  });
}

/** The inspector gives the case back: it returns to the queue with its priority. */
export async function releaseCase(store: Store, settings: RedisSettings, caseId: string, inspector: string, reason: string | null = null): Promise<boolean> {
  const c = await lockedCase(store, caseId);
  if (!c.queue_token || c.queue_taken_by !== inspector) return false;
  const moved = await withInspectionClients(settings, async (clients) => {
    if ('error' in clients) return false;
    try {
      const job = await Job.fromId(clients.queue(c.admdvs), caseId);
      if (!job) return false;
      await job.moveToWait(c.queue_token!);
      return true;
    } catch {
      return false;
    }
  });
  await clearLock(store, caseId, inspector, reason ?? '放回队列 released to the queue');
  return moved;
}

/** DuckDB side of a lost or released lock: the case is nobody's any more. */
export async function clearLock(store: Store, caseId: string, actor: string, reason: string): Promise<void> {
  await store.transaction(async () => {
    const c = await store.one<{ status: string; queue_token: string | null }>('SELECT status, queue_token FROM cases WHERE case_id = $1', [caseId]);
    if (!c || !c.queue_token) return;
    const to = c.status === 'assigned' ? 'new' : c.status;
    await store.run(
      `UPDATE cases SET status = $2, assignee = CASE WHEN $2 = 'new' THEN NULL ELSE assignee END,
         queue_token = NULL, queue_taken_by = NULL, queue_taken_at = NULL, updated_at = now() WHERE case_id = $1`,
      [caseId, to],
    );
    await appendCaseEvent(store, { case_id: caseId, actor, action: 'release', from_status: c.status, to_status: to, reason });
  });
}

/**
 * After a decision: complete the case's job (with the inspector's token), or remove it when nobody holds it.
 * If Redis is down or another lock holds the job, the reconcile pass removes it later.
 */
export async function completeCaseJob(store: Store, settings: RedisSettings, caseId: string): Promise<{ done: boolean; message: string }> {
  const c = await lockedCase(store, caseId);
  const outcome = await withInspectionClients(settings, async (clients): Promise<{ error: string } | { done: boolean }> => {
    if ('error' in clients) return { error: clients.error };
    const q = clients.queue(c.admdvs);
    try {
      const job = await Job.fromId(q, caseId);
      if (!job) return { done: true };
      if (c.queue_token) {
        try {
          await job.moveToCompleted({ status: c.status }, c.queue_token, false);
          return { done: true };
        } catch (err) {
          if (isRedisError(err)) throw err;
          /* lock lost or held by someone else: try a plain remove */
        }
      }
      return { done: (await q.remove(caseId)) === 1 };
    } catch (err) {
      if (!isRedisError(err)) throw err;
      return { error: (err as Error).message };
    }
  });
  if ('error' in outcome) return { done: false, message: redisUnavailableMessage(settings, outcome.error, '决定 the decision') };
  if (outcome.done) {
    await store.exclusive(() => store.run('UPDATE cases SET queue_token = NULL WHERE case_id = $1', [caseId]));
  }
  return {
    done: outcome.done,
    message: outcome.done ? '队列任务已完成 queue job completed' : '队列任务仍被锁定，将由核对任务移除 queue job still locked; the reconcile pass removes it',
  };
}
