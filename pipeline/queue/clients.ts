import { Queue, Worker, createRedisBackend, type BackendFactory, type RedisQueueBackend } from 'bullmq';
import { Redis } from 'ioredis';
import type { CaseJobData } from './dispatch.ts';
import { inspectionQueueName } from './names.ts';
import { connectionOptions, type RedisSettings } from './redis.ts';

/** maxStalledCount so high that an abandoned case never ends in `failed`, however often it is abandoned. */
export const NEVER_FAIL_STALLED = 1_000_000;

/** The owner's stalled-check Worker for one region (its own connections; never takes jobs itself). */
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

/**
 * Take-next only calls `getNextJob(token, {block: false})`, so its Worker needs no dedicated blocking
 * connection (BullMQ would open one per Worker): it runs on the caller's shared connection.
 */
const manualProcessingBackend: BackendFactory<RedisQueueBackend> = (name, opts) => createRedisBackend(name, opts, { withBlockingConnection: false });

/**
 * Redis clients of the inspector commands (take next, renew, release, complete): one connection, and per
 * region one Queue and one manual-processing Worker (same lock options as before: `lockDuration` = one
 * review period, never-failing stalled count; the lock token is still the caller's, recorded in DuckDB).
 * The owner process keeps one set for its lifetime (`shareInspectionClients`); elsewhere (CLI one-shot)
 * each call opens a set on a single fail-fast connection and closes it.
 */
export class InspectionClients {
  private readonly queues = new Map<string, Queue<CaseJobData>>();
  private readonly workers = new Map<string, Worker<CaseJobData>>();

  private constructor(
    readonly settings: RedisSettings,
    private readonly conn: Redis,
  ) {}

  /**
   * Long-lived set (owner process): reconnects forever, but a command fails at once while Redis is away
   * (no offline queue) or after `commandTimeout`, so a request never hangs on a dead Redis.
   */
  static resilient(settings: RedisSettings): InspectionClients {
    const conn = new Redis({
      ...connectionOptions(settings),
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      commandTimeout: 5000,
      retryStrategy: (times: number) => Math.min(500 * times, 10_000),
    });
    conn.on('error', () => undefined); // surfaced through the failing commands
    return new InspectionClients(settings, conn);
  }

  /**
   * One-shot set: connects within `timeoutMs` (this is the reachability check: no separate ping
   * connection), no retries. Returns the error text when Redis does not answer.
   */
  static async connectOnce(settings: RedisSettings, timeoutMs = 1500): Promise<InspectionClients | { error: string }> {
    const conn = new Redis({
      ...connectionOptions(settings),
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      connectTimeout: timeoutMs,
      commandTimeout: 5000,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    conn.on('error', () => undefined);
    try {
      await conn.connect();
      const pong = await conn.ping();
      if (pong !== 'PONG') throw new Error(`unexpected reply ${pong}`);
    } catch (err) {
      conn.disconnect();
      return { error: (err as Error).message || String(err) };
    }
    return new InspectionClients(settings, conn);
  }

  /** Can commands be sent now? (The long-lived connection may be reconnecting.) */
  get ready(): boolean {
    return this.conn.status === 'ready';
  }

  queue(admdvs: string): Queue<CaseJobData> {
    let q = this.queues.get(admdvs);
    if (!q) {
      q = new Queue<CaseJobData>(inspectionQueueName(admdvs), { connection: this.conn, prefix: this.settings.prefix });
      q.on('error', () => undefined);
      this.queues.set(admdvs, q);
    }
    return q;
  }

  /** The region's manual-processing Worker whose locks last `lockMs`. */
  worker(admdvs: string, lockMs: number): Worker<CaseJobData> {
    const key = `${admdvs}\u0000${lockMs}`;
    let w = this.workers.get(key);
    if (!w) {
      w = new Worker<CaseJobData>(
        inspectionQueueName(admdvs),
        null,
        {
          connection: this.conn,
          prefix: this.settings.prefix,
          autorun: false,
          lockDuration: lockMs,
          maxStalledCount: NEVER_FAIL_STALLED,
        },
        manualProcessingBackend,
      );
      w.on('error', () => undefined);
      this.workers.set(key, w);
    }
    return w;
  }

  async close(timeoutMs = 3000): Promise<void> {
    const closing = (async () => {
      await Promise.all([...this.workers.values(), ...this.queues.values()].map((x) => x.close().catch(() => undefined)));
      await this.conn.quit().catch(() => undefined);
    })();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closing, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.conn.disconnect();
  }
}

const shared = new Map<string, InspectionClients>();

function settingsKey(s: RedisSettings): string {
  return JSON.stringify([s.host, s.port, s.db, s.username ?? null, s.prefix]);
}

/** The owner process registers its long-lived set; inspector commands of this process then use it. */
export function shareInspectionClients(clients: InspectionClients): () => void {
  const key = settingsKey(clients.settings);
  shared.set(key, clients);
  return () => {
    if (shared.get(key) === clients) shared.delete(key);
  };
}

/**
 * Runs `fn` with this process's shared set for `settings`, or with a one-shot set (closed afterwards) when
 * there is none or its connection is not ready yet / reconnecting. `fn` receives `{error}` instead when
 * Redis does not answer.
 */
export async function withInspectionClients<T>(
  settings: RedisSettings,
  fn: (clients: InspectionClients | { error: string }) => Promise<T>,
): Promise<T> {
  const owned = shared.get(settingsKey(settings));
  if (owned?.ready) return fn(owned);
  const once = await InspectionClients.connectOnce(settings);
  if (!(once instanceof InspectionClients)) return fn(once);
  try {
    return await fn(once);
  } finally {
    await once.close();
  }
}
