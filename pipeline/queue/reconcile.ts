import { Job, type Queue } from 'bullmq';
import { listValue } from '@duckdb/node-api';
import type { Store } from '../store/store.ts';
import { PRIORITY_SQL } from '../cases/score.ts';
import { QUEUED_STATUSES_SQL } from '../cases/status.ts';
import { snoozedCases } from '../cases/snooze.ts';
import { CASE_JOB_NAME, LIVE_JOB_TYPES, caseJobOptions, groupBy, inspectionQueue, markDispatched, type CaseJobData } from './dispatch.ts';
import { checkRedis, closeAll, isRedisError, openRedis, redisLostMessage, redisUnavailableMessage, type RedisSettings } from './redis.ts';

export interface ReconcileSummary {
  readded: number;
  removed: number;
  retried: number;
  /** delayed (snoozed) jobs whose case is no longer snoozed, back in the queue */
  promoted: number;
  left_locked: number;
  redis_available: boolean;
  message: string;
}

/**
 * Makes Redis agree with DuckDB (the source of truth): every open case missing from its region's queue is
 * re-enqueued, every decided/closed (or unknown) case still in Redis is removed, failed jobs of open cases go
 * back to waiting, delayed jobs of cases no longer snoozed are promoted. A job still locked by an inspector is
 * completed with the lock token recorded in DuckDB (e.g. a case closed because all its alerts were withdrawn).
 * Run at start-up and on a schedule, so a FLUSHALL on Redis loses nothing.
 */
export async function reconcileQueues(store: Store, settings: RedisSettings): Promise<ReconcileSummary> {
  const ping = await checkRedis(settings);
  if (!ping.ok) {
    return { readded: 0, removed: 0, retried: 0, promoted: 0, left_locked: 0, redis_available: false, message: redisUnavailableMessage(settings, ping.error, '案件 cases') };
  }
  const regions = (await store.all<{ admdvs: string }>('SELECT DISTINCT admdvs FROM cases ORDER BY admdvs')).map((r) => r.admdvs);
  const openByRegion = groupBy(
    await store.all<OpenCase>(
      `SELECT case_id, admdvs, risk_score, subject_type, ${PRIORITY_SQL('risk_score')} AS priority
       FROM cases WHERE status IN (${QUEUED_STATUSES_SQL})`,
    ),
    (c) => c.admdvs,
  );
  const conn = openRedis(settings);
  const queues = regions.map((admdvs) => inspectionQueue(conn, settings, admdvs));
  const out = { readded: 0, removed: 0, retried: 0, promoted: 0, left_locked: 0 };
  try {
    // Redis side of every region in parallel over the one connection (ioredis pipelines the commands);
    // DuckDB reads and writes once for all regions in between.
    const passes = await Promise.all(regions.map((admdvs, i) => readdMissing(queues[i], openByRegion.get(admdvs) ?? [])));
    const missing = passes.flatMap((p) => p.missing);
    out.readded = missing.length;
    // Their locks (if any) went with Redis: the inspector must take them again.
    await markDispatched(store, missing.map((c) => ({ case_id: c.case_id, priority: c.priority })), { clearLock: true });
    const stillSnoozed = await snoozedCases(store, passes.flatMap((p) => p.delayed));
    const tokens = await lockTokens(store, passes.flatMap((p) => p.gone));
    const cleared: string[] = [];
    await Promise.all(
      passes.map(async (p, i) => {
        const q = queues[i];
        await Promise.all(p.failed.map(async (id) => {
          await (await Job.fromId(q, id))?.retry('failed');
          out.retried++;
        }));
        await Promise.all(p.delayed.filter((id) => !stillSnoozed.has(id)).map(async (id) => {
          await (await Job.fromId(q, id))?.promote();
          out.promoted++;
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
    if (cleared.length) {
      await store.exclusive(() => store.run('UPDATE cases SET queue_token = NULL WHERE list_contains($1::VARCHAR[], case_id)', [listValue(cleared)]));
    }
  } catch (err) {
    if (!isRedisError(err)) throw err;
    return { ...out, redis_available: false, message: redisLostMessage(settings, (err as Error).message, '案件 cases') };
  } finally {
    await closeAll(queues, conn);
  }
  return {
    ...out,
    redis_available: true,
    message: `队列已核对：补入 ${out.readded}，移除 ${out.removed}，重试 ${out.retried}，恢复暂缓 ${out.promoted} (reconciled: re-added ${out.readded}, removed ${out.removed}, retried ${out.retried}, promoted ${out.promoted}${out.left_locked ? `, ${out.left_locked} still locked` : ''})`,
  };
}

type OpenCase = {
  case_id: string;
  admdvs: string;
  risk_score: number;
  subject_type: string;
  priority: number;
};

/**
 * One region: reads its job ids (three range reads in one round trip), re-adds the open cases it lacks
 * (a completed job of an open case is removed first, or addBulk would keep it) and lists what the DuckDB
 * pass must decide: failed jobs of open cases, delayed jobs of open cases, jobs of cases no longer open.
 */
async function readdMissing(q: Queue<CaseJobData>, open: OpenCase[]): Promise<{ missing: OpenCase[]; failed: string[]; delayed: string[]; gone: string[] }> {
  const [liveIds, failedIds, completedIds, delayedIds] = await Promise.all([
    q.getRanges(LIVE_JOB_TYPES, 0, -1, true),
    q.getRanges(['failed'], 0, -1, true),
    q.getRanges(['completed'], 0, -1, true),
    q.getRanges(['delayed'], 0, -1, true),
  ]);
  const live = new Set(liveIds);
  const openIds = new Set(open.map((c) => c.case_id));
  await Promise.all(completedIds.filter((id) => openIds.has(id)).map((id) => q.remove(id)));
  const missing = open.filter((c) => !live.has(c.case_id));
  for (let i = 0; i < missing.length; i += ADD_CHUNK) {
    await q.addBulk(
      missing.slice(i, i + ADD_CHUNK).map((c) => ({
        name: CASE_JOB_NAME,
        data: { case_id: c.case_id, admdvs: c.admdvs, risk_score: c.risk_score, subject_type: c.subject_type },
        opts: caseJobOptions(c.case_id, c.priority),
      })),
    );
  }
  return {
    missing,
    failed: failedIds.filter((id) => openIds.has(id)),
    delayed: delayedIds.filter((id) => openIds.has(id)),
    gone: [...live].filter((id) => !openIds.has(id)),
  };
}

const ADD_CHUNK = 1000;

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
