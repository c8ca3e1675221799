import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { checkRedis, type RedisSettings } from '../../pipeline/queue/redis.ts';

/** Tests that flush or kill Redis need their own redis-server: never the shared one on 6379. */
export const REDIS_SERVER_INSTALLED = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
export const NO_REDIS_SERVER_MESSAGE =
  '跳过：未安装 redis-server (skipped: redis-server is not installed; apt-get install redis-server)';

export interface PrivateRedis {
  settings: RedisSettings;
  /** FLUSHALL: everything this server holds is gone. */
  flushAll(): Promise<void>;
  /** SIGKILL (no persistence: the data is gone); `start` brings up an empty server on the same port. */
  kill(): Promise<void>;
  start(): Promise<void>;
  readonly running: boolean;
  /** Killed and its directory removed (afterAll). */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A redis-server of this test alone: random free port, no persistence, its own temporary directory. */
export async function startPrivateRedis(prefix = 'fwtest'): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-redis-'));
  const port = await freePort();
  const settings: RedisSettings = { host: '127.0.0.1', port, db: 0, prefix };
  let child: ChildProcess | null = null;

  const start = async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
      child = c;
      for (let i = 0; i < 50 && c.exitCode === null; i++) {
        if ((await checkRedis(settings, 500)).ok) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      if (c.exitCode === null) c.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 200)); // port still held: try again
    }
    throw new Error(`private redis-server did not start on port ${port}`);
  };

  const kill = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    settings,
    get running() {
      return child !== null && child.exitCode === null;
    },
    async flushAll() {
      const r = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
      r.on('error', () => undefined);
      try {
        await r.flushall();
      } finally {
        r.disconnect();
      }
    },
    kill,
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
