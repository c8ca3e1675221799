import { Job, type Queue } from 'bullmq';
import { listValue } from '@duckdb/node-api';
import type { Store } from '../store/store.ts';
import { PRIORITY_SQL } from '../cases/score.ts';
import { QUEUED_STATUSES_SQL } from '../cases/status.ts';
import { snoozedCases } from '../cases/snooze.ts';
import { CASE_JOB_NAME, LIVE_JOB_TYPES, caseJobOptions, inspectionQueue, markDispatched, type CaseJobData } from './dispatch.ts';
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
  const conn = openRedis(settings);
  const out = { readded: 0, removed: 0, retried: 0, promoted: 0, left_locked: 0 };
  try {
    for (const admdvs of regions) {
      const q = inspectionQueue(conn, settings, admdvs);
      try {
        const live = new Set(await q.getRanges(LIVE_JOB_TYPES, 0, -1, true));
        const failed = new Set(await q.getRanges(['failed'], 0, -1, true));
        const completed = await q.getRanges(['completed'], 0, -1, true);
        const open = await store.all<{ case_id: string; admdvs: string; risk_score: number; subject_type: string; priority: number }>(
          `SELECT case_id, admdvs, risk_score, subject_type, ${PRIORITY_SQL('risk_score')} AS priority
           FROM cases WHERE admdvs = $1 AND status IN (${QUEUED_STATUSES_SQL})`,
          [admdvs],
        );
        const openIds = new Set(open.map((c) => c.case_id));
        for (const id of completed) {
          if (openIds.has(id)) await q.remove(id);
        }
        const missing = open.filter((c) => !live.has(c.case_id));
        for (let i = 0; i < missing.length; i += 1000) {
          await q.addBulk(
            missing.slice(i, i + 1000).map((c) => ({
              name: CASE_JOB_NAME,
              data: { case_id: c.case_id, admdvs: c.admdvs, risk_score: c.risk_score, subject_type: c.subject_type },
              opts: caseJobOptions(c.case_id, c.priority),
            })),
          );
        }
        out.readded += missing.length;
        // Their locks (if any) went with Redis: the inspector must take them again.
        await markDispatched(store, missing.map((c) => ({ case_id: c.case_id, priority: c.priority })), { clearLock: true });
        for (const id of failed) {
          if (!openIds.has(id)) continue;
          const job = await Job.fromId(q, id);
          await job?.retry('failed');
          out.retried++;
        }
        const delayed = (await q.getRanges(['delayed'], 0, -1, true)).filter((id) => openIds.has(id));
        const stillSnoozed = await snoozedCases(store, delayed);
        for (const id of delayed) {
          if (stillSnoozed.has(id)) continue;
          await (await Job.fromId(q, id))?.promote();
          out.promoted++;
        }
        const gone = [...live].filter((id) => !openIds.has(id));
        const tokens = await lockTokens(store, gone);
        for (const id of gone) {
          if ((await q.remove(id)) === 1 || (await completeLocked(q, id, tokens.get(id)))) {
            out.removed++;
            if (tokens.has(id)) await store.exclusive(() => store.run('UPDATE cases SET queue_token = NULL WHERE case_id = $1', [id]));
          } else {
            out.left_locked++; // locked by someone whose token we do not know: removed on a later pass
          }
        }
      } finally {
        await q.close();
      }
    }
  } catch (err) {
    if (!isRedisError(err)) throw err;
    return { ...out, redis_available: false, message: redisLostMessage(settings, (err as Error).message, '案件 cases') };
  } finally {
    await closeAll([], conn);
  }
  return {
    ...out,
    redis_available: true,
    message: `队列已核对：补入 ${out.readded}，移除 ${out.removed}，重试 ${out.retried}，恢复暂缓 ${out.promoted} (reconciled: re-added ${out.readded}, removed ${out.removed}, retried ${out.retried}, promoted ${out.promoted}${out.left_locked ? `, ${out.left_locked} still locked` : ''})`,
  };
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
