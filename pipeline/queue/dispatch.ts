import { Queue, Job, type JobType } from 'bullmq';
import type { Redis } from 'ioredis';
import { listValue } from '@duckdb/node-api';
import type { Store } from '../store/store.ts';
import { PRIORITY_SQL } from '../cases/score.ts';
import { QUEUED_STATUSES_SQL } from '../cases/status.ts';
import { inspectionQueueName } from './names.ts';
import { isLive } from './locks.ts';
import { checkRedis, closeAll, isRedisError, openRedis, redisLostMessage, redisUnavailableMessage, type RedisSettings } from './redis.ts';

export interface CaseJobData {
  case_id: string;
  admdvs: string;
  risk_score: number;
  subject_type: string;
}

export const CASE_JOB_NAME = 'inspect-case';
/** Every state a job can be in except completed (completed jobs are removed on completion). */
export const LIVE_JOB_TYPES: JobType[] = ['wait', 'prioritized', 'active', 'delayed', 'failed', 'waiting-children'];

/** What the queue needs to (re-)create a case's job. */
export type CaseJobRow = {
  case_id: string;
  admdvs: string;
  risk_score: number;
  subject_type: string;
  priority: number;
};

export function caseJobData(c: Omit<CaseJobRow, 'priority'>): CaseJobData {
  return { case_id: c.case_id, admdvs: c.admdvs, risk_score: c.risk_score, subject_type: c.subject_type };
}

export function caseJobOptions(caseId: string, priority: number) {
  return { jobId: caseId, priority, removeOnComplete: true, removeOnFail: false };
}

/**
 * A held case whose job Redis lost comes back as a delayed job due when the store's lock runs out: nobody can
 * take it before, and afterwards BullMQ puts it back in priority order by itself.
 */
export function heldJobOptions(c: CaseJobRow, until: number) {
  return { ...caseJobOptions(c.case_id, c.priority), delay: Math.max(0, until - Date.now()) };
}

export function inspectionQueue(conn: Redis, settings: RedisSettings, admdvs: string): Queue<CaseJobData> {
  const q = new Queue<CaseJobData>(inspectionQueueName(admdvs), { connection: conn, prefix: settings.prefix });
  q.on('error', () => undefined); // connection errors surface through the failing commands
  return q;
}

export interface DispatchSummary {
  dispatched: number;
  reprioritized: number;
  redis_available: boolean;
  message: string;
}

const CHUNK = 1000;

/** The outbox: queued-status cases whose priority was never sent to BullMQ, or has changed since. */
export const CASE_OUTBOX_WHERE_SQL = `status IN (${QUEUED_STATUSES_SQL})
  AND (dispatched_priority IS NULL OR dispatched_priority <> ${PRIORITY_SQL('risk_score')})`;

/** Cases waiting in the outbox. */
export function countCaseOutbox(store: Store): Promise<number> {
  return store.scalar<number>(`SELECT count(*)::INTEGER FROM cases WHERE ${CASE_OUTBOX_WHERE_SQL}`);
}

/**
 * Outbox → BullMQ. Cases are written to DuckDB first; here every queued-status case whose priority was never
 * sent (or has changed) goes to its region's inspection queue, job id = case id, so dispatching twice never
 * duplicates. If Redis does not answer, nothing fails: the cases stay in the outbox and the message says so.
 */
export async function dispatchCases(store: Store, settings: RedisSettings): Promise<DispatchSummary> {
  const pending = await countCaseOutbox(store);
  if (pending === 0) return { dispatched: 0, reprioritized: 0, redis_available: true, message: '没有待派发的案件 nothing to dispatch' };
  const ping = await checkRedis(settings);
  if (!ping.ok) {
    return { dispatched: 0, reprioritized: 0, redis_available: false, message: redisUnavailableMessage(settings, ping.error, `${pending} 个案件 cases`) };
  }
  const rows = await store.all<OutboxRow>(
    `SELECT case_id, admdvs, risk_score, subject_type, ${PRIORITY_SQL('risk_score')} AS priority, dispatched_priority IS NOT NULL AS was_sent,
       queue_token, epoch_ms(queue_lock_expires_at) AS lock_expires_ms
     FROM cases WHERE ${CASE_OUTBOX_WHERE_SQL}
     ORDER BY admdvs, case_id`,
  );
  const conn = openRedis(settings);
  const queues = new Map<string, Queue<CaseJobData>>();
  const queueFor = (admdvs: string) => {
    let q = queues.get(admdvs);
    if (!q) queues.set(admdvs, (q = inspectionQueue(conn, settings, admdvs)));
    return q;
  };
  let dispatched = 0;
  let reprioritized = 0;
  try {
    const fresh = rows.filter((r) => !r.was_sent);
    // Regions in parallel over the one connection (ioredis pipelines the commands).
    await Promise.all(
      [...groupBy(fresh, (r) => r.admdvs)].map(async ([admdvs, group]) => {
        const q = queueFor(admdvs);
        for (let i = 0; i < group.length; i += CHUNK) {
          const chunk = group.slice(i, i + CHUNK);
          await q.addBulk(chunk.map((r) => ({ name: CASE_JOB_NAME, data: caseJobData(r), opts: caseJobOptions(r.case_id, r.priority) })));
          dispatched += chunk.length;
        }
      }),
    );
    // Cases sent before whose priority changed: a few round trips each, so many at a time.
    const resend = rows.filter((x) => x.was_sent);
    for (let i = 0; i < resend.length; i += CHUNK) {
      const added = await Promise.all(resend.slice(i, i + CHUNK).map((r) => resendCase(queueFor(r.admdvs), r)));
      for (const a of added) {
        if (a) dispatched++;
        else reprioritized++;
      }
    }
    await markDispatched(store, rows.map((r) => ({ case_id: r.case_id, priority: r.priority })));
  } catch (err) {
    if (!isRedisError(err)) throw err;
    // Jobs added so far are harmless (same ids next time); the outbox still lists every case.
    return { dispatched: 0, reprioritized: 0, redis_available: false, message: redisLostMessage(settings, (err as Error).message, `${rows.length} 个案件 cases`) };
  } finally {
    await closeAll([...queues.values()], conn);
  }
  return {
    dispatched,
    reprioritized,
    redis_available: true,
    message: `已派发 ${dispatched} 个案件，调整优先级 ${reprioritized} 个 (dispatched ${dispatched} cases, re-prioritised ${reprioritized})`,
  };
}

type OutboxRow = CaseJobRow & { was_sent: boolean; queue_token: string | null; lock_expires_ms: number | null };

/**
 * Re-adds the job if Redis lost it (true; held until the lock's expiry if an inspector holds the case), else
 * re-prioritises a waiting one or retries a failed one.
 */
async function resendCase(q: Queue<CaseJobData>, r: OutboxRow): Promise<boolean> {
  const job = await Job.fromId<CaseJobData>(q, r.case_id);
  if (!job) {
    const lock = { token: r.queue_token, expiresAt: r.lock_expires_ms };
    await q.add(CASE_JOB_NAME, caseJobData(r), isLive(lock) ? heldJobOptions(r, lock.expiresAt!) : caseJobOptions(r.case_id, r.priority));
    return true;
  }
  const state = await job.getState();
  if (state === 'waiting' || state === 'prioritized') await job.changePriority({ priority: r.priority });
  else if (state === 'failed') await job.retry('failed');
  return false;
}

export async function markDispatched(store: Store, rows: { case_id: string; priority: number }[]): Promise<void> {
  if (rows.length === 0) return;
  await store.transaction(async () => {
    await store.run('CREATE OR REPLACE TEMP TABLE fw_dispatched (case_id VARCHAR, priority INTEGER)');
    for (let i = 0; i < rows.length; i += 5000) {
      const chunk = rows.slice(i, i + 5000);
      await store.run(
        `INSERT INTO fw_dispatched SELECT unnest($1::VARCHAR[]), unnest($2::INTEGER[])`,
        [listValue(chunk.map((r) => r.case_id)), listValue(chunk.map((r) => r.priority))],
      );
    }
    await store.run(`UPDATE cases SET dispatched_priority = d.priority, dispatched_at = now()
      FROM fw_dispatched d WHERE cases.case_id = d.case_id`);
    await store.run('DROP TABLE fw_dispatched');
  });
}

export function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}
