import { randomUUID } from 'node:crypto';
import { Job, Queue, Worker } from 'bullmq';
import type { Store } from '../store/store.ts';
import { appendCaseEvent } from '../cases/events.ts';
import { QUEUED_STATUSES, QUEUED_STATUSES_SQL } from '../cases/status.ts';
import { snoozedCases, snoozeEndsAt } from '../cases/snooze.ts';
import type { CasesConfig } from '../cases/config.ts';
import type { CaseJobData } from './dispatch.ts';
import { inspectionQueueName, safe } from './names.ts';
import { checkRedis, connectionOptions, openRedis, redisUnavailableMessage, type RedisSettings } from './redis.ts';

/** maxStalledCount so high that an abandoned case never ends in `failed`, however often it is abandoned. */
export const NEVER_FAIL_STALLED = 1_000_000;

export function inspectionWorker(settings: RedisSettings, admdvs: string, lockMs: number, stalledMs = 30_000): Worker<CaseJobData> {
  return new Worker<CaseJobData>(inspectionQueueName(admdvs), null, {
    connection: connectionOptions(settings),
    prefix: settings.prefix,
    autorun: false,
    lockDuration: lockMs,
    stalledInterval: stalledMs,
    maxStalledCount: NEVER_FAIL_STALLED,
  });
}

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
  const ping = await checkRedis(settings);
  if (!ping.ok) {
    return { case_id: null, admdvs: null, token: null, lock_expires_at: null, redis_available: false, message: redisUnavailableMessage(settings, ping.error, '案件 cases') };
  }
  const regions = opts.region
    ? [opts.region]
    : (await store.all<{ admdvs: string }>(
        `SELECT admdvs FROM cases WHERE status IN (${QUEUED_STATUSES_SQL}) GROUP BY admdvs ORDER BY max(risk_score) DESC, admdvs`,
      )).map((r) => r.admdvs);
  const lockMs = opts.config.review_lock_minutes * 60_000;
  for (const admdvs of regions) {
    const worker = inspectionWorker(settings, admdvs, lockMs);
    try {
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
          lock_expires_at: new Date(Date.now() + lockMs).toISOString(),
          redis_available: true,
          message: `已领取案件 ${job.id}（锁定 ${opts.config.review_lock_minutes} 分钟）(took case ${job.id}, locked for ${opts.config.review_lock_minutes} min)`,
        };
      }
    } finally {
      await worker.close();
    }
  }
  return { case_id: null, admdvs: null, token: null, lock_expires_at: null, redis_available: true, message: '队列中没有待审核的案件 no case waiting in the queue' };
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
  return withQueue(settings, c.admdvs, async (q) => {
    const job = await Job.fromId(q, caseId);
    if (!job) return false;
    try {
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
  const moved = await withQueue(settings, c.admdvs, async (q) => {
    const job = await Job.fromId(q, caseId);
    if (!job) return false;
    try {
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
  const ping = await checkRedis(settings);
  if (!ping.ok) return { done: false, message: redisUnavailableMessage(settings, ping.error, '决定 the decision') };
  const done = await withQueue(settings, c.admdvs, async (q) => {
    const job = await Job.fromId(q, caseId);
    if (!job) return true;
    if (c.queue_token) {
      try {
        await job.moveToCompleted({ status: c.status }, c.queue_token, false);
        return true;
      } catch {
        /* lock lost or held by someone else: try a plain remove */
      }
    }
    return (await q.remove(caseId)) === 1;
  });
  if (done) {
    await store.exclusive(() => store.run('UPDATE cases SET queue_token = NULL WHERE case_id = $1', [caseId]));
  }
  return {
    done,
    message: done ? '队列任务已完成 queue job completed' : '队列任务仍被锁定，将由核对任务移除 queue job still locked; the reconcile pass removes it',
  };
}

async function withQueue<T>(settings: RedisSettings, admdvs: string, fn: (q: Queue<CaseJobData>) => Promise<T>): Promise<T> {
  const conn = openRedis(settings);
  const q = new Queue<CaseJobData>(inspectionQueueName(admdvs), { connection: conn, prefix: settings.prefix });
  try {
    return await fn(q);
  } finally {
    await q.close();
    await conn.quit().catch(() => conn.disconnect());
  }
}
