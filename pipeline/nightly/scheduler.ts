import { Queue, Worker } from 'bullmq';
import type { Store } from '../store/store.ts';
import type { FundwatchConfig } from '../config.ts';
import { connectionOptions, checkRedis, closeAll, openRedis, type RedisSettings } from '../queue/redis.ts';
import { nightlyConfig, type NightlyConfig } from './config.ts';
import { runNightly } from './run.ts';

export const NIGHTLY_QUEUE = 'nightly';
export const NIGHTLY_SCHEDULER_ID = 'nightly-run';

export interface NightlyScheduler {
  close(): Promise<void>;
}

/**
 * In the owner process: a BullMQ job scheduler fires the nightly run on `nightly.cron` (time zone
 * `nightly.tz`); the worker runs it against the owner's store. Upserting the scheduler is idempotent, so
 * restarting the server never doubles the schedule. Null when Redis does not answer (logged).
 */
export async function startNightlyScheduler(store: Store, settings: RedisSettings, config: FundwatchConfig, log: (m: string) => void): Promise<NightlyScheduler | null> {
  const nightly = nightlyConfig(config);
  const ping = await checkRedis(settings);
  if (!ping.ok) {
    log(`Redis 不可用，夜间调度未启动 (Redis unreachable, nightly scheduler not started): ${ping.error}`);
    return null;
  }
  const queue = new Queue(NIGHTLY_QUEUE, { connection: connectionOptions(settings), prefix: settings.prefix });
  await upsertNightlySchedule(queue, nightly);
  const worker = new Worker(NIGHTLY_QUEUE, async () => {
    const r = await runNightly(store, { config, nightly, redis: settings, log });
    return { run_id: r.run_id, status: r.status };
  }, { connection: connectionOptions(settings), prefix: settings.prefix, lockDuration: 10 * 60_000, concurrency: 1 });
  worker.on('error', (err) => log(`夜间任务错误 nightly worker error: ${err.message}`));
  log(`夜间运行已调度 nightly run scheduled: "${nightly.cron}" ${nightly.tz}`);
  return {
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}

function upsertNightlySchedule(queue: Queue, nightly: NightlyConfig): Promise<unknown> {
  return queue.upsertJobScheduler(NIGHTLY_SCHEDULER_ID, { pattern: nightly.cron, tz: nightly.tz }, { name: 'nightly', data: {}, opts: { removeOnComplete: 50, removeOnFail: 50 } });
}

/**
 * Re-creates the nightly job scheduler if Redis lost it (FLUSHALL, restart without persistence); idempotent.
 * The owner's queue reconcile runs it (app/serve.ts passes it to `startQueueOwner` as an ensure step).
 */
export async function ensureNightlySchedule(settings: RedisSettings, config: FundwatchConfig): Promise<void> {
  const conn = openRedis(settings);
  const queue = new Queue(NIGHTLY_QUEUE, { connection: conn, prefix: settings.prefix });
  queue.on('error', () => undefined); // connection errors surface through the failing upsert
  try {
    await upsertNightlySchedule(queue, nightlyConfig(config));
  } finally {
    await closeAll([queue], conn);
  }
}
