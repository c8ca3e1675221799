import { Job, Queue, type Worker } from 'bullmq';
import type { Store } from '../store/store.ts';
import type { CasesConfig } from '../cases/config.ts';
import type { CaseJobData } from './dispatch.ts';
import { inspectionWorker, InspectionClients, shareInspectionClients } from './clients.ts';
import { LOCK_EXPIRED_REASON, clearLock } from './locks.ts';
import { reconcileQueues } from './reconcile.ts';
import { inspectionQueueName } from './names.ts';
import { checkRedis, openRedis, type RedisSettings } from './redis.ts';

export interface QueueOwner {
  /** Runs a reconcile pass now (also creates stalled checkers for new regions and runs the `ensure` steps). */
  reconcile(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Something else the owner keeps in Redis and a flush would lose, re-created idempotently after every
 * reconcile pass: e.g. the nightly and monthly job schedulers (passed in by the owner server, so this module
 * does not depend on nightly or referrals).
 */
export interface EnsureStep {
  name: string;
  run(): Promise<void>;
}

/**
 * The owner process (`fundwatch serve`) runs this: per region a Worker that only runs BullMQ's stalled-job
 * checks (`startStalledCheckTimer`), so a case whose inspector's lock ran out returns to the queue. BullMQ
 * puts stalled jobs in the plain wait list, ahead of every prioritised job; the `stalled` handler restores
 * the case's priority and clears the (expired) lock in DuckDB. Reconcile runs at start-up and every
 * `reconcileMs`, followed by the `ensure` steps, so a flushed Redis is whole again within one period.
 * It also keeps the inspector commands' Redis clients for this process (`shareInspectionClients`).
 */
export async function startQueueOwner(
  store: Store,
  settings: RedisSettings,
  opts: { config: CasesConfig; reconcileMs?: number; stalledMs?: number; ensure?: EnsureStep[]; log?: (msg: string) => void },
): Promise<QueueOwner> {
  const log = opts.log ?? (() => undefined);
  const workers = new Map<string, Worker<CaseJobData>>();
  const queues: Queue<CaseJobData>[] = [];
  const conn = openRedis(settings, { failFast: false });
  const stalledMs = opts.stalledMs ?? opts.config.stalled_check_seconds * 1000;

  async function ensureWorkers(): Promise<void> {
    const regions = await store.all<{ admdvs: string }>('SELECT DISTINCT admdvs FROM cases ORDER BY admdvs');
    for (const { admdvs } of regions) {
      if (workers.has(admdvs)) continue;
      const w = inspectionWorker(settings, admdvs, opts.config.review_lock_minutes * 60_000, stalledMs);
      w.on('error', (err) => log(`队列错误 queue error (${admdvs}): ${err.message}`));
      const q = new Queue<CaseJobData>(inspectionQueueName(admdvs), { connection: conn, prefix: settings.prefix });
      q.on('error', () => undefined); // Redis away: surfaced by the failing stalled handling, which is logged
      queues.push(q);
      w.on('stalled', (jobId: string) => {
        void onStalled(q, jobId).catch((err) => log(`恢复超时案件失败 stalled handling failed (${jobId}): ${(err as Error).message}`));
      });
      workers.set(admdvs, w);
      await w.startStalledCheckTimer();
    }
  }

  async function onStalled(q: Queue<CaseJobData>, jobId: string): Promise<void> {
    const job = await Job.fromId<CaseJobData>(q, jobId);
    if (job && (await job.getState()) === 'waiting') await job.changePriority({ priority: job.opts.priority ?? 1 });
    // Only an expired lock: someone may have taken the case between BullMQ's move and this handler.
    if (await clearLock(store, jobId, 'system', LOCK_EXPIRED_REASON, { expiredOnly: true })) {
      log(`案件 ${jobId} 锁已超时，已回到队列 (lock expired, case back in the queue)`);
    }
  }

  async function reconcile(): Promise<void> {
    if (!(await checkRedis(settings)).ok) {
      log('Redis 不可用，稍后再核对队列 (Redis unreachable; reconcile later)');
      return;
    }
    const r = await reconcileQueues(store, settings);
    log(r.message);
    for (const step of opts.ensure ?? []) {
      await step.run().catch((err: Error) => log(`重建失败 re-creating ${step.name} failed: ${err.message}`));
    }
    await ensureWorkers();
  }

  await reconcile();
  // Inspector commands of this process (API take-next, renew, release, decide) reuse one connection and
  // one Worker per region instead of opening them per request.
  const inspectorClients = InspectionClients.resilient(settings);
  const unshare = shareInspectionClients(inspectorClients);
  const timer = setInterval(() => void reconcile().catch((err) => log(`核对失败 reconcile failed: ${(err as Error).message}`)), opts.reconcileMs ?? 10 * 60_000);
  timer.unref();
  return {
    reconcile,
    async close() {
      clearInterval(timer);
      unshare();
      await inspectorClients.close();
      await Promise.all([...workers.values()].map((w) => w.close()));
      await Promise.all(queues.map((q) => q.close()));
      await conn.quit().catch(() => conn.disconnect());
    },
  };
}
