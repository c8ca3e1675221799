import { Redis } from 'ioredis';
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { checkSection, type FundwatchConfig, type JsonSchema } from '../config.ts';

/**
 * Redis connection settings for every BullMQ queue of FundWatch: config section `redis`
 * (`{url?, host?, port?, db?, password?, prefix?}`), overridden by env `FUNDWATCH_REDIS_URL`.
 * `prefix` (default `fundwatch`) namespaces every queue key, so tests and installations can share one Redis.
 */
export interface RedisSettings {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  prefix: string;
}

export const REDIS_SCHEMA: JsonSchema = {
  type: 'object', additionalProperties: false,
  properties: {
    url: { type: 'string', pattern: '^rediss?://' },
    host: { type: 'string', minLength: 1, maxLength: 255 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    db: { type: 'integer', minimum: 0, maximum: 15 },
    password: { type: 'string', maxLength: 512 },
    prefix: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
  },
};

export function redisSettings(config: FundwatchConfig = {}, env: NodeJS.ProcessEnv = process.env): RedisSettings {
  const s = checkSection<Partial<{ url: string; host: string; port: number; db: number; password: string; prefix: string }>>(config, 'redis', REDIS_SCHEMA);
  const base: RedisSettings = {
    host: s.host ?? '127.0.0.1',
    port: s.port ?? 6379,
    db: s.db ?? 0,
    password: s.password,
    prefix: s.prefix ?? 'fundwatch',
  };
  const url = env.FUNDWATCH_REDIS_URL ?? s.url;
  if (!url) return base;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`Redis 地址无效 invalid Redis URL: ${url}`);
  }
  return {
    ...base,
    host: u.hostname || base.host,
    port: u.port ? Number(u.port) : 6379,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : base.db,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : base.password,
  };
}

export function describeRedis(s: RedisSettings): string {
  return `${s.host}:${s.port}/${s.db}`;
}

/** ioredis options for BullMQ (workers need maxRetriesPerRequest: null). */
export function connectionOptions(s: RedisSettings): BullRedisOptions {
  return {
    host: s.host,
    port: s.port,
    db: s.db,
    username: s.username,
    password: s.password,
    maxRetriesPerRequest: null,
  };
}

/**
 * One shared connection for the Queue objects of one operation; the caller quits it. `failFast` (default):
 * commands fail after a few retries instead of waiting forever, so a Redis that dies mid-dispatch cannot
 * hang a pipeline run. Long-running owners pass `failFast: false` to ride out restarts.
 */
export function openRedis(s: RedisSettings, opts: { failFast?: boolean } = {}): Redis {
  const failFast = opts.failFast ?? true;
  const r = new Redis({
    ...connectionOptions(s),
    ...(failFast ? { maxRetriesPerRequest: 2, connectTimeout: 3000, retryStrategy: (times: number) => (times > 5 ? null : 200 * times) } : {}),
  });
  r.on('error', () => undefined); // surfaced through the failing commands
  return r;
}

/** Does Redis answer within `timeoutMs`? Never throws, never retries: the pipeline must not hang on it. */
export async function checkRedis(s: RedisSettings, timeoutMs = 1500): Promise<{ ok: true } | { ok: false; error: string }> {
  const r = new Redis({
    ...connectionOptions(s),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    const pong = await r.ping();
    return pong === 'PONG' ? { ok: true } : { ok: false, error: `unexpected reply ${pong}` };
  } catch (err) {
    return { ok: false, error: (err as Error).message || String(err) };
  } finally {
    r.disconnect();
  }
}

export function redisLostMessage(s: RedisSettings, error: string, what: string): string {
  return `Redis 连接中断 (${describeRedis(s)})：${what}仍在数据库中，下次运行或核对时补发。 ` +
    `Redis connection lost at ${describeRedis(s)} (${error}); ${what} stay in the DuckDB outbox and go out on the next run or reconcile.`;
}

export function redisUnavailableMessage(s: RedisSettings, error: string, what: string): string {
  return `Redis 不可用 (${describeRedis(s)})：${what}已保存在数据库中，Redis 恢复后将自动派发。 ` +
    `Redis unreachable at ${describeRedis(s)} (${error}); ${what} kept in the DuckDB outbox and will be dispatched later.`;
}

/** Errors that mean "Redis went away" rather than a bug: connection, timeout and retry exhaustion. */
export function isRedisError(err: unknown): boolean {
  const e = err as { name?: string; code?: string; message?: string };
  return (
    e?.name === 'MaxRetriesPerRequestError' ||
    e?.name === 'AbortError' || // ioredis: "Command aborted due to connection close" (pipelines in flight)
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(e?.code ?? '') ||
    /Connection is closed|connection close|connect ETIMEDOUT|Stream isn't writeable|ECONNREFUSED|ECONNRESET|max retries/i.test(e?.message ?? '')
  );
}

/** Closes queues and their shared connection without hanging on a dead Redis. */
export async function closeAll(queues: { close(): Promise<void> }[], conn: Redis, timeoutMs = 3000): Promise<void> {
  const closing = (async () => {
    await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
    await conn.quit().catch(() => undefined);
  })();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closing, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
  clearTimeout(timer);
  conn.disconnect();
}
