import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../pipeline/store/store.ts';
import type { FundwatchConfig } from '../pipeline/config.ts';
import { redisSettings, checkRedis } from '../pipeline/queue/redis.ts';
import { startQueueOwner, type QueueOwner } from '../pipeline/queue/owner.ts';
import { MONTHLY_FILES_SCHEDULER_ID, ensureMonthlyFilesSchedule, startReferralWorkers, type ReferralWorkers } from '../pipeline/referrals/deliver.ts';
import { casesConfig } from '../pipeline/cases/config.ts';
import { nightlyConfig } from '../pipeline/nightly/config.ts';
import { runNightly } from '../pipeline/nightly/run.ts';
import { NIGHTLY_SCHEDULER_ID, ensureNightlySchedule, startNightlyScheduler, type NightlyScheduler } from '../pipeline/nightly/scheduler.ts';
import { removeOwnerFile, writeOwnerFile } from '../pipeline/owner/owner.ts';
import { runForwardedCli } from './cli-runner.ts';
import { buildServer } from '../api/server.ts';
import { shanghaiIso } from '../pipeline/detect/engine.ts';
import { EvidenceRefresher } from '../api/evidence-refresher.ts';
import { removeStaleIngestDirs } from '../pipeline/ingest/work-dir.ts';
import { validateConfig } from '../pipeline/config-schema.ts';
import { SERVER_SCHEMA } from '../api/server-config.ts';

export interface OwnerServer {
  app: FastifyInstance;
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * Makes this process the database's owner: the API and console, the BullMQ stalled-case checks, the nightly
 * scheduler, and `<db>.owner.json` so CLI commands forward here. Used by `fundwatch serve` and `demo --serve`.
 */
export async function startOwnerServer(opts: {
  store: Store;
  dbPath: string;
  config: FundwatchConfig;
  port?: number;
  host?: string;
  scheduler?: boolean;
  /** How often to retry Redis when it was down at start (ms, default 60000). */
  redisRetryMs?: number;
  /** How often the queue owner reconciles Redis with the store (ms, default 10 minutes). */
  reconcileMs?: number;
  log?: (msg: string) => void;
}): Promise<OwnerServer> {
  const { store, config } = opts;
  await validateConfig(config, { server: SERVER_SCHEMA });
  const log = opts.log ?? (() => undefined);
  const redis = redisSettings(config);
  const nightly = nightlyConfig(config);
  mkdirSync(nightly.inbox, { recursive: true });
  // Copies an ingest killed mid-way left behind (they hold whole batches of personal data).
  for (const dir of removeStaleIngestDirs()) log(`已删除中断导入留下的临时副本 removed the temporary copies of an interrupted ingest: ${dir}`);
  const localToken = randomBytes(24).toString('hex');
  let running: Promise<unknown> | null = null;

  const startRun = (actor: string) =>
    new Promise<{ run_id: string; started: boolean; message: string }>((resolveStart) => {
      if (running) return resolveStart({ run_id: '', started: false, message: '已有运行在进行 a run is already in progress' });
      log(`${actor} 启动夜间运行 started a nightly run`);
      running = runNightly(store, { config, nightly, redis, log, onStart: (run_id) => resolveStart({ run_id, started: true, message: '运行已开始 run started' }) })
        .catch((err: Error) => resolveStart({ run_id: '', started: false, message: err.message }))
        .finally(() => { running = null; });
    });

  const evidence = new EvidenceRefresher(store, log);
  const redisUp = (await checkRedis(redis)).ok;
  const app = await buildServer({ store, config, redis, dbPath: opts.dbPath, localToken, inboxDir: nightly.inbox, startRun, evidenceStale: () => evidence.kick(), runCommand: (argv, who) => runForwardedCli(store, argv, who) }, { bullBoard: redisUp });
  await app.listen({ port: opts.port ?? 8080, host: opts.host ?? '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port ?? 8080;
  const host = opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1';
  writeOwnerFile({ pid: process.pid, port, host, token: localToken, db: opts.dbPath, started_at: shanghaiIso(new Date()) });
  evidence.kick();

  let queueOwner: QueueOwner | null = null;
  let scheduler: NightlyScheduler | null = null;
  let referralWorkers: ReferralWorkers | null = null;
  const startQueues = async () => {
    // a flushed Redis also loses the job schedulers: each reconcile pass re-creates them
    const ensure = [{ name: MONTHLY_FILES_SCHEDULER_ID, run: () => ensureMonthlyFilesSchedule(redis, config) }];
    if (opts.scheduler !== false) ensure.push({ name: NIGHTLY_SCHEDULER_ID, run: () => ensureNightlySchedule(redis, config) });
    queueOwner = await startQueueOwner(store, redis, { config: casesConfig(config), log, ensure, reconcileMs: opts.reconcileMs }).catch((err: Error) => {
      log(`队列守护未启动 queue owner not started: ${err.message}`);
      return null;
    });
    // webhook senders, dead letter, monthly file drop (BullMQ job scheduler); re-reads the delivery outbox
    referralWorkers = await startReferralWorkers(store, redis, { config, log }).catch((err: Error) => {
      log(`转介推送未启动 referral delivery not started: ${err.message}`);
      return null;
    });
    if (opts.scheduler !== false) scheduler = await startNightlyScheduler(store, redis, config, log);
  };
  let closing = false;
  let retry: NodeJS.Timeout | undefined;
  let lateStart: Promise<void> | null = null;
  // Redis down at start: try again every minute; once it answers, start the queue side (Bull Board needs a restart).
  const retryLater = () => {
    retry = setTimeout(() => {
      lateStart = (async () => {
        if (closing) return;
        if (!(await checkRedis(redis)).ok) return retryLater();
        if (closing) return;
        log('Redis 已恢复：启动队列、转介推送与夜间调度 (Redis is back: queues, referral delivery and scheduler started)');
        await startQueues();
      })().catch((err: Error) => log(`队列启动失败 queue start failed: ${err.message}`));
    }, opts.redisRetryMs ?? 60_000);
    retry.unref();
  };
  if (redisUp) {
    await startQueues();
  } else {
    log('Redis 不可用：队列、转介推送、夜间调度与 Bull Board 未启动，转介留在发件箱，每分钟重试 (Redis unreachable: queues, referral delivery, scheduler and Bull Board not started; referrals stay in the outbox; retrying every minute)');
    retryLater();
  }

  return {
    app,
    port,
    url: `http://${host}:${port}`,
    async close() {
      removeOwnerFile(opts.dbPath);
      closing = true;
      clearTimeout(retry);
      await lateStart;
      await scheduler?.close();
      await referralWorkers?.close();
      await queueOwner?.close();
      await app.close();
      await evidence.close();
      if (running) await running;
    },
  };
}
