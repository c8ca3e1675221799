import { Queue, Worker, type Job } from 'bullmq';
import type { Store } from '../store/store.ts';
import type { FundwatchConfig } from '../config.ts';
import { referralsConfig, type DepartmentConfig, type ReferralsConfig } from './config.ts';
import { departmentLines } from './list.ts';
import { postSigned } from './webhook.ts';
import { shanghaiIso } from '../detect/engine.ts';
import { writeReferralFiles } from './files.ts';
import { REFERRAL_DEAD_LETTER_QUEUE, REFERRAL_FILES_QUEUE, referralQueueName } from '../queue/names.ts';
import { checkRedis, closeAll, connectionOptions, isRedisError, openRedis, redisLostMessage, redisUnavailableMessage, type RedisSettings } from '../queue/redis.ts';

export interface DeliveryJobData {
  referral_id: string;
  department_id: string;
}

export interface DeliverSummary {
  enqueued: number;
  redis_available: boolean;
  message: string;
}

export function deliveryJobId(referralId: string, departmentId: string): string {
  return `${referralId}-${departmentId}`;
}

/**
 * Outbox → BullMQ: every webhook delivery not yet delivered or dead-lettered goes to its department's
 * queue (job id = referral + department, so enqueuing twice, or again after a Redis flush, never
 * duplicates), with `max_attempts` tries and exponential backoff. The workers of `startReferralWorkers` send.
 */
export async function deliverReferrals(store: Store, settings: RedisSettings, opts: { config?: FundwatchConfig } = {}): Promise<DeliverSummary> {
  const rc = referralsConfig(opts.config ?? {});
  const webhookDepts = rc.departments.filter((d) => d.webhook);
  const rows = await store.all<{ referral_id: string; department_id: string }>(
    `SELECT referral_id, department_id FROM referral_deliveries WHERE status IN ('pending', 'queued') AND list_contains(channels, 'webhook')
     ORDER BY department_id, referral_id`,
  );
  const todo = rows.filter((r) => webhookDepts.some((d) => d.id === r.department_id));
  if (todo.length === 0) return { enqueued: 0, redis_available: true, message: '没有待推送的转介 nothing to deliver' };
  const ping = await checkRedis(settings);
  if (!ping.ok) return { enqueued: 0, redis_available: false, message: redisUnavailableMessage(settings, ping.error, `${todo.length} 条转介 referrals`) };
  const conn = openRedis(settings);
  try {
    for (const d of webhookDepts) {
      const mine = todo.filter((r) => r.department_id === d.id);
      if (mine.length === 0) continue;
      const q = new Queue<DeliveryJobData>(referralQueueName(d.id), { connection: conn, prefix: settings.prefix });
      q.on('error', () => undefined); // connection errors surface through the failing commands
      try {
        for (let i = 0; i < mine.length; i += 1000) {
          await q.addBulk(
            mine.slice(i, i + 1000).map((r) => ({
              name: 'deliver-referral',
              data: { referral_id: r.referral_id, department_id: d.id },
              opts: {
                jobId: deliveryJobId(r.referral_id, d.id),
                attempts: rc.max_attempts,
                backoff: { type: 'exponential', delay: rc.backoff_ms },
                removeOnComplete: true,
                removeOnFail: { count: 10_000 },
              },
            })),
          );
        }
      } finally {
        await q.close();
      }
    }
    await store.exclusive(() =>
      store.run(`UPDATE referral_deliveries SET status = 'queued' WHERE status = 'pending' AND list_contains(channels, 'webhook')
        AND list_contains($1::VARCHAR[], department_id)`, [`[${webhookDepts.map((d) => d.id).join(',')}]`]),
    );
  } catch (err) {
    if (!isRedisError(err)) throw err;
    return { enqueued: 0, redis_available: false, message: redisLostMessage(settings, (err as Error).message, `${todo.length} 条转介 referrals`) };
  } finally {
    await closeAll([], conn);
  }
  return { enqueued: todo.length, redis_available: true, message: `已排队推送 ${todo.length} 条转介 (queued ${todo.length} referral deliveries)` };
}

async function sendOne(store: Store, d: DepartmentConfig, job: Job<DeliveryJobData>): Promise<void> {
  const { referral_id } = job.data;
  const key = deliveryJobId(referral_id, d.id);
  const [line] = await departmentLines(store, d.id, { referralId: referral_id }, d.full_id);
  if (!line) throw new Error(`转介不存在 referral ${referral_id} not found for ${d.id}`);
  const body = JSON.stringify({ idempotency_key: key, department_id: d.id, department: d.department, sent_at: shanghaiIso(new Date()), referral: line });
  await store.exclusive(() => store.run('UPDATE referral_deliveries SET attempts = attempts + 1 WHERE referral_id = $1 AND department_id = $2', [referral_id, d.id]));
  try {
    const res = await postSigned(d.webhook!.url, d.webhook!.secret, body, key);
    await store.exclusive(() =>
      store.run(
        `UPDATE referral_deliveries SET status = 'delivered', delivered_at = now(), last_error = NULL, webhook_receipt = $3::JSON
         WHERE referral_id = $1 AND department_id = $2`,
        [referral_id, d.id, JSON.stringify({ ...res, idempotency_key: key })],
      ),
    );
  } catch (err) {
    const msg = (err as Error).message;
    await store.exclusive(() => store.run('UPDATE referral_deliveries SET last_error = $3 WHERE referral_id = $1 AND department_id = $2', [referral_id, d.id, msg]));
    throw err;
  }
}

export interface ReferralWorkers {
  close(): Promise<void>;
}

/**
 * Owner-process workers: one webhook sender per department (concurrency 1), the dead letter (after the last
 * attempt the delivery is marked `dead_letter` with its error and copied to the dead-letter queue), and the
 * monthly file drop run by BullMQ's job scheduler (`monthly_cron`, Asia/Shanghai; the previous month).
 */
export async function startReferralWorkers(
  store: Store,
  settings: RedisSettings,
  opts: { config?: FundwatchConfig; log?: (msg: string) => void; schedule?: boolean; redeliverMs?: number } = {},
): Promise<ReferralWorkers> {
  const rc = referralsConfig(opts.config ?? {});
  const log = opts.log ?? (() => undefined);
  const conn = openRedis(settings, { failFast: false });
  const deadLetter = new Queue(REFERRAL_DEAD_LETTER_QUEUE, { connection: conn, prefix: settings.prefix });
  const filesQueue = new Queue(REFERRAL_FILES_QUEUE, { connection: conn, prefix: settings.prefix });
  const workers = createWorkers(store, settings, rc, deadLetter, opts.config, log);
  // Set once the first re-read is done; close() may run before that (a failing schedule).
  // eslint-disable-next-line prefer-const
  let timer: NodeJS.Timeout | undefined;
  const close = async () => {
    clearInterval(timer);
    await Promise.all(workers.map((w) => w.close()));
    await deadLetter.close();
    await filesQueue.close();
    await conn.quit().catch(() => conn.disconnect());
  };
  if (opts.schedule !== false) {
    try {
      await scheduleMonthlyFiles(filesQueue, rc);
    } catch (err) {
      await close().catch(() => undefined);
      throw err;
    }
  }
  // The outbox is re-read now and then: deliveries created while Redis was down (or lost in a flush) go out.
  const redeliver = async () => {
    const r = await deliverReferrals(store, settings, { config: opts.config });
    if (r.enqueued > 0 || !r.redis_available) log(r.message);
  };
  await redeliver().catch((e) => log(`转介排队失败 delivery enqueue failed: ${(e as Error).message}`));
  timer = setInterval(() => void redeliver().catch((e) => log(`转介排队失败 delivery enqueue failed: ${(e as Error).message}`)), opts.redeliverMs ?? 10 * 60_000);
  timer.unref();
  return { close };
}

/** One webhook sender per department (concurrency 1, dead letter after the last try) and the monthly files worker. */
function createWorkers(store: Store, settings: RedisSettings, rc: ReferralsConfig, deadLetter: Queue, config: FundwatchConfig | undefined, log: (msg: string) => void): Worker[] {
  const workers: Worker[] = [];
  for (const d of rc.departments.filter((x) => x.webhook)) {
    const w = new Worker<DeliveryJobData>(referralQueueName(d.id), (job) => sendOne(store, d, job), {
      connection: connectionOptions(settings),
      prefix: settings.prefix,
      concurrency: 1,
    });
    w.on('failed', (job, err) => {
      if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
      void moveToDeadLetter(store, deadLetter, d, job, err).catch((e) => log(`死信记录失败 dead-letter bookkeeping failed: ${(e as Error).message}`));
    });
    w.on('error', (err) => log(`转介推送队列错误 referral queue error (${d.id}): ${err.message}`));
    workers.push(w);
  }
  const files = new Worker<{ month?: string }>(
    REFERRAL_FILES_QUEUE,
    async (job) => {
      const month = job.data?.month ?? previousMonth(new Date());
      const res = await writeReferralFiles(store, { config, month, actor: 'scheduler' });
      log(`已生成 ${month} 转介文件 monthly referral files written: ${res.map((r) => `${r.department_id}=${r.rows}`).join(', ')}`);
      return res;
    },
    { connection: connectionOptions(settings), prefix: settings.prefix, concurrency: 1 },
  );
  files.on('error', (err) => log(`转介文件队列错误 referral files queue error: ${err.message}`));
  workers.push(files);
  return workers;
}

export const MONTHLY_FILES_SCHEDULER_ID = 'monthly-referral-files';

export async function scheduleMonthlyFiles(q: Queue, rc: ReferralsConfig): Promise<void> {
  await q.upsertJobScheduler(MONTHLY_FILES_SCHEDULER_ID, { pattern: rc.monthly_cron, tz: 'Asia/Shanghai' }, { name: 'monthly-files', data: {} });
}

/**
 * Re-creates the monthly file-drop job scheduler if Redis lost it (FLUSHALL, restart without persistence);
 * idempotent. The owner's queue reconcile runs it (app/serve.ts passes it to `startQueueOwner`).
 */
export async function ensureMonthlyFilesSchedule(settings: RedisSettings, config: FundwatchConfig): Promise<void> {
  const conn = openRedis(settings);
  const q = new Queue(REFERRAL_FILES_QUEUE, { connection: conn, prefix: settings.prefix });
  q.on('error', () => undefined); // connection errors surface through the failing upsert
  try {
    await scheduleMonthlyFiles(q, referralsConfig(config));
  } finally {
    await closeAll([q], conn);
  }
}

async function moveToDeadLetter(store: Store, dlq: Queue, d: DepartmentConfig, job: Job<DeliveryJobData>, err: Error): Promise<void> {
  await store.exclusive(() =>
    store.run(`UPDATE referral_deliveries SET status = 'dead_letter', last_error = $3 WHERE referral_id = $1 AND department_id = $2`, [
      job.data.referral_id, d.id, err.message,
    ]),
  );
  await dlq.add('dead-referral', { ...job.data, error: err.message, attempts: job.attemptsMade, failed_at: shanghaiIso(new Date()) }, {
    jobId: deliveryJobId(job.data.referral_id, d.id),
    removeOnComplete: false,
  });
}

/** YYYY-MM of the month before `now`, in China time. */
export function previousMonth(now: Date): string {
  const cn = new Date(now.getTime() + 8 * 3600_000);
  const y = cn.getUTCFullYear();
  const m = cn.getUTCMonth(); // 0-based: this is already "previous month" in 1-based terms
  return m === 0 ? `${y - 1}-12` : `${y}-${String(m).padStart(2, '0')}`;
}
