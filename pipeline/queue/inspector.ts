import { randomUUID } from 'node:crypto';
import { Job } from 'bullmq';
import type { Store } from '../store/store.ts';
import { PRIORITY_SQL } from '../cases/score.ts';
import { QUEUED_STATUSES, QUEUED_STATUSES_SQL } from '../cases/status.ts';
import { snoozedCases, snoozeEndsAt } from '../cases/snooze.ts';
import type { CasesConfig } from '../cases/config.ts';
import { withInspectionClients } from './clients.ts';
import type { CaseJobRow } from './dispatch.ts';
import { extendHeldJob, returnHeldJob } from './held-job.ts';
import { clearLock, endLocks, extendStoreLock, recordTake } from './locks.ts';
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
 * `worker.getNextJob(token)`), locked for one review period; the token and the lock's expiry are recorded in
 * DuckDB so later commands (renew, release, decide) can act on the job. Without `region`, regions are tried
 * in order of their highest open risk score. A snoozed or rule-suppressed case (`snoozedCases`) is skipped:
 * its job is moved to BullMQ's delayed set until the day after the snooze ends, keeping its priority. A case
 * DuckDB says someone holds under a live lock is never handed out, whatever Redis says: its job is moved to
 * the delayed set until that lock runs out (as reconcile restores held cases).
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
          const expiresAt = Date.now() + lockMs; // before Redis sets its lock: the store's never outlives it
          const job = await worker.getNextJob(token, { block: false });
          if (!job) break;
          const snoozedUntil = (await snoozedCases(store, [job.id!])).get(job.id!);
          if (snoozedUntil) {
            await unlessGone(job.moveToDelayed(snoozeEndsAt(snoozedUntil), token));
            continue;
          }
          const taken = await recordTake(store, job.id!, opts.inspector, token, expiresAt);
          if (taken === 'closed') {
            // DuckDB says this case is no longer open: drop the stale job and look further.
            await unlessGone(job.moveToCompleted({ stale: true }, token, false));
            continue;
          }
          if (taken !== 'taken') {
            await unlessGone(job.moveToDelayed(taken.heldUntil, token));
            continue;
          }
          return {
            case_id: job.id!,
            admdvs,
            token,
            lock_expires_at: shanghaiIso(new Date(expiresAt)),
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

/**
 * A job that vanished meanwhile (Redis flushed) or whose lock ran out needs nothing more from take next:
 * reconcile or the stalled check puts it right. A lost connection still fails the take.
 */
async function unlessGone(move: Promise<unknown>): Promise<void> {
  try {
    await move;
  } catch (err) {
    if (isRedisError(err)) throw err;
  }
}

async function lockedCase(store: Store, caseId: string) {
  const c = await store.one<CaseJobRow & { queue_token: string | null; queue_taken_by: string | null; status: string }>(
    `SELECT case_id, admdvs, risk_score, subject_type, ${PRIORITY_SQL('risk_score')} AS priority, queue_token, queue_taken_by, status
     FROM cases WHERE case_id = $1`,
    [caseId],
  );
  if (!c) throw new Error(`案件不存在 case not found: ${caseId}`);
  return c;
}

/**
 * The inspector is still working: extend the lock by one review period, in Redis (whichever state the held
 * job is in, see held-job.ts) and then in DuckDB. False when the lock was lost or Redis does not answer.
 */
export async function renewCaseLock(store: Store, settings: RedisSettings, caseId: string, inspector: string, config: CasesConfig): Promise<boolean> {
  const c = await lockedCase(store, caseId);
  if (!c.queue_token || c.queue_taken_by !== inspector || !QUEUED_STATUSES.includes(c.status as never)) return false;
  const token = c.queue_token;
  const lockMs = config.review_lock_minutes * 60_000;
  const expiresAt = Date.now() + lockMs; // before Redis extends its lock: the store's never outlives it
  const extended = await withInspectionClients(settings, async (clients) => {
    if ('error' in clients) return false;
    try {
      return await extendHeldJob(clients.queue(c.admdvs), c, token, expiresAt, lockMs);
    } catch {
      return false;
    }
  });
  return extended && (await extendStoreLock(store, caseId, token, expiresAt));
}

/**
 * The inspector gives the case back: it returns to the queue with its priority. DuckDB first, so that from
 * then on take next's held check lets it through; if Redis fails the job comes back by itself (stalled check,
 * delay ending, or reconcile).
 */
export async function releaseCase(store: Store, settings: RedisSettings, caseId: string, inspector: string, reason: string | null = null): Promise<boolean> {
  const c = await lockedCase(store, caseId);
  if (!c.queue_token || c.queue_taken_by !== inspector) return false;
  const token = c.queue_token;
  if (!(await clearLock(store, caseId, inspector, reason ?? '放回队列 released to the queue', { token }))) return false;
  if (!QUEUED_STATUSES.includes(c.status as never)) return false;
  return withInspectionClients(settings, async (clients) => {
    if ('error' in clients) return false;
    try {
      return await returnHeldJob(clients.queue(c.admdvs), c, token);
    } catch {
      return false;
    }
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
  if (outcome.done) await endLocks(store, [caseId]);
  return {
    done: outcome.done,
    message: outcome.done ? '队列任务已完成 queue job completed' : '队列任务仍被锁定，将由核对任务移除 queue job still locked; the reconcile pass removes it',
  };
}
