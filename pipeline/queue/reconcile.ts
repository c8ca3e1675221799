import { Job, type Queue } from 'bullmq';
import { listValue } from '@duckdb/node-api';
import type { Store } from '../store/store.ts';
import { PRIORITY_SQL } from '../cases/score.ts';
import { QUEUED_STATUSES_SQL } from '../cases/status.ts';
import { snoozedCases } from '../cases/snooze.ts';
import { CASE_JOB_NAME, LIVE_JOB_TYPES, caseJobData, caseJobOptions, groupBy, heldJobOptions, inspectionQueue, markDispatched, type CaseJobData, type CaseJobRow } from './dispatch.ts';
import { LOCK_EXPIRED_REASON, clearLock, endLocks, isLive, readLocks } from './locks.ts';
import { checkRedis, closeAll, isRedisError, openRedis, redisLostMessage, redisUnavailableMessage, type RedisSettings } from './redis.ts';

export interface ReconcileSummary {
  readded: number;
  /** of those re-added, cases an inspector holds under a live lock: delayed until the lock runs out */
  held: number;
  removed: number;
  retried: number;
  /** delayed (snoozed) jobs whose case is no longer snoozed, back in the queue */
  promoted: number;
  /** locks that ran out where no stalled check could see it (the job was not active): cleared */
  expired: number;
  left_locked: number;
  redis_available: boolean;
  message: string;
}

/**
 * Makes Redis agree with DuckDB (the source of truth): every open case missing from its region's queue is
 * re-enqueued — as held (a delayed job due when the lock runs out) if an inspector holds it under a live lock
 * recorded in DuckDB, else waiting —, every decided/closed (or unknown) case still in Redis is removed, failed
 * jobs of open cases go back to waiting, delayed jobs of cases neither snoozed nor held are promoted, and
 * expired locks whose job is not active (so no stalled check will notice) are cleared. A job still locked by
 * an inspector is completed with the lock token recorded in DuckDB (e.g. a case closed because all its alerts
 * were withdrawn). Run at start-up and on a schedule, so a FLUSHALL on Redis loses nothing and hands out
 * nothing twice.
 */
export async function reconcileQueues(store: Store, settings: RedisSettings): Promise<ReconcileSummary> {
  const zero = { readded: 0, held: 0, removed: 0, retried: 0, promoted: 0, expired: 0, left_locked: 0 };
  const ping = await checkRedis(settings);
  if (!ping.ok) {
    return { ...zero, redis_available: false, message: redisUnavailableMessage(settings, ping.error, '案件 cases') };
  }
  const regions = (await store.all<{ admdvs: string }>('SELECT DISTINCT admdvs FROM cases ORDER BY admdvs')).map((r) => r.admdvs);
  const openByRegion = groupBy(
    await store.all<OpenCase>(
      `SELECT case_id, admdvs, risk_score, subject_type, ${PRIORITY_SQL('risk_score')} AS priority,
         queue_token, epoch_ms(queue_lock_expires_at) AS lock_expires_ms
       FROM cases WHERE status IN (${QUEUED_STATUSES_SQL})`,
    ),
    (c) => c.admdvs,
  );
  const conn = openRedis(settings);
  const queues = regions.map((admdvs) => inspectionQueue(conn, settings, admdvs));
  const out = { ...zero };
  try {
    // Redis side of every region in parallel over the one connection (ioredis pipelines the commands);
    // DuckDB reads and writes once for all regions in between.
    const passes = await Promise.all(regions.map((admdvs, i) => readdMissing(queues[i], openByRegion.get(admdvs) ?? [])));
    const missing = passes.flatMap((p) => p.missing);
    out.readded = missing.length;
    out.held = passes.reduce((n, p) => n + p.held, 0);
    await markDispatched(store, missing.map((c) => ({ case_id: c.case_id, priority: c.priority })));
    // Conditional on the token and on expiry: a case taken again since the read above keeps its new lock.
    for (const c of passes.flatMap((p) => p.expired)) {
      if (await clearLock(store, c.case_id, 'system', LOCK_EXPIRED_REASON, { token: c.queue_token!, expiredOnly: true })) out.expired++;
    }
    const delayed = passes.flatMap((p) => p.delayed);
    const stillSnoozed = await snoozedCases(store, delayed);
    const locks = await readLocks(store, delayed); // read now: a held case's delayed job must wait for its lock
    const tokens = await lockTokens(store, passes.flatMap((p) => p.gone));
    const cleared: string[] = [];
    await Promise.all(
      passes.map(async (p, i) => {
        const q = queues[i];
        await Promise.all(p.failed.map(async (id) => {
          if (await unlessMoved((await Job.fromId(q, id))?.retry('failed'))) out.retried++;
        }));
        await Promise.all(p.delayed.filter((id) => !stillSnoozed.has(id) && !isLive(locks.get(id))).map(async (id) => {
          if (await unlessMoved((await Job.fromId(q, id))?.promote())) out.promoted++;
        }));
        await Promise.all(p.gone.map(async (id) => {
          if ((await q.remove(id)) === 1 || (await completeLocked(q, id, tokens.get(id)))) {
            out.removed++;
            if (tokens.has(id)) cleared.push(id);
          } else {
            out.left_locked++; // locked by someone whose token we do not know: removed on a later pass
          }
        }));
      }),
    );
    await endLocks(store, cleared);
  } catch (err) {
    if (!isRedisError(err)) throw err;
    return { ...out, redis_available: false, message: redisLostMessage(settings, (err as Error).message, '案件 cases') };
  } finally {
    await closeAll(queues, conn);
  }
  return {
    ...out,
    redis_available: true,
    message: `队列已核对：补入 ${out.readded}（其中仍被领取 ${out.held}），移除 ${out.removed}，重试 ${out.retried}，恢复暂缓 ${out.promoted}，锁超时 ${out.expired} ` +
      `(reconciled: re-added ${out.readded} (${out.held} still held), removed ${out.removed}, retried ${out.retried}, promoted ${out.promoted}, expired locks ${out.expired}${out.left_locked ? `, ${out.left_locked} still locked` : ''})`,
  };
}

type OpenCase = CaseJobRow & {
  queue_token: string | null;
  lock_expires_ms: number | null;
};

/**
 * One region: reads its job ids (range reads in one round trip), re-adds the open cases it lacks (a
 * completed job of an open case is removed first, or addBulk would keep it; a held one as a delayed job due
 * at its lock's expiry) and lists what the DuckDB pass must decide: failed jobs of open cases, delayed jobs of
 * open cases, expired locks whose job is not active, jobs of cases no longer open.
 */
async function readdMissing(
  q: Queue<CaseJobData>,
  open: OpenCase[],
): Promise<{ missing: OpenCase[]; held: number; expired: OpenCase[]; failed: string[]; delayed: string[]; gone: string[] }> {
  const [liveIds, failedIds, completedIds, delayedIds, activeIds] = await Promise.all([
    q.getRanges(LIVE_JOB_TYPES, 0, -1, true),
    q.getRanges(['failed'], 0, -1, true),
    q.getRanges(['completed'], 0, -1, true),
    q.getRanges(['delayed'], 0, -1, true),
    q.getRanges(['active'], 0, -1, true),
  ]);
  const now = Date.now();
  const live = new Set(liveIds);
  const active = new Set(activeIds);
  const openIds = new Set(open.map((c) => c.case_id));
  await Promise.all(completedIds.filter((id) => openIds.has(id)).map((id) => q.remove(id)));
  const missing = open.filter((c) => !live.has(c.case_id));
  const lockOf = (c: OpenCase) => ({ token: c.queue_token, expiresAt: c.lock_expires_ms });
  let held = 0;
  for (let i = 0; i < missing.length; i += ADD_CHUNK) {
    await q.addBulk(
      missing.slice(i, i + ADD_CHUNK).map((c) => {
        const isHeld = isLive(lockOf(c), now);
        if (isHeld) held++;
        return { name: CASE_JOB_NAME, data: caseJobData(c), opts: isHeld ? heldJobOptions(c, c.lock_expires_ms!) : caseJobOptions(c.case_id, c.priority) };
      }),
    );
  }
  return {
    missing,
    held,
    expired: open.filter((c) => c.queue_token && !isLive(lockOf(c), now) && !active.has(c.case_id)),
    failed: failedIds.filter((id) => openIds.has(id)),
    delayed: delayedIds.filter((id) => openIds.has(id)),
    gone: [...live].filter((id) => !openIds.has(id)),
  };
}

const ADD_CHUNK = 1000;

/** Inspectors work during a pass: a job no longer in the state read (taken, released, due) is left alone. */
async function unlessMoved(move: Promise<unknown> | undefined): Promise<boolean> {
  if (!move) return false;
  try {
    await move;
    return true;
  } catch (err) {
    if (isRedisError(err)) throw err;
    return false;
  }
}

async function lockTokens(store: Store, caseIds: string[]): Promise<Map<string, string>> {
  if (caseIds.length === 0) return new Map();
  const rows = await store.all<{ case_id: string; queue_token: string }>(
    'SELECT case_id, queue_token FROM cases WHERE list_contains($1::VARCHAR[], case_id) AND queue_token IS NOT NULL',
    [listValue(caseIds)],
  );
  return new Map(rows.map((r) => [r.case_id, r.queue_token]));
}

/** Completes a job held under `token` (the inspector's lock recorded in DuckDB); false if that is not the lock. */
async function completeLocked(q: Queue<CaseJobData>, id: string, token: string | undefined): Promise<boolean> {
  if (!token) return false;
  const job = await Job.fromId(q, id);
  if (!job) return true;
  try {
    await job.moveToCompleted({ reconciled: true }, token, false);
    return true;
  } catch {
    return false;
  }
}
