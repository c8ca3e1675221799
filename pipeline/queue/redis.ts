import { Redis } from 'ioredis';
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { configSection, type FundwatchConfig } from '../config.ts';

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

export function redisSettings(config: FundwatchConfig = {}, env: NodeJS.ProcessEnv = process.env): RedisSettings {
  const s = configSection<{ url: string; host: string; port: number; db: number; password: string; prefix: string }>(config, 'redis');
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

/** One shared connection for the Queue objects of one operation; the caller quits it. */
export function openRedis(s: RedisSettings): Redis {
  return new Redis(connectionOptions(s));
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

export function redisUnavailableMessage(s: RedisSettings, error: string, what: string): string {
  return `Redis 不可用 (${describeRedis(s)})：${what}已保存在数据库中，Redis 恢复后将自动派发。 ` +
    `Redis unreachable at ${describeRedis(s)} (${error}); ${what} kept in the DuckDB outbox and will be dispatched later.`;
}
