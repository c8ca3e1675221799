import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { tempStore } from '../helpers.ts';
import { insertAlerts } from '../cases/alerts.ts';
import { updateCases } from '../../pipeline/cases/update.ts';
import { dispatchCases } from '../../pipeline/queue/dispatch.ts';
import { checkRedis, type RedisSettings } from '../../pipeline/queue/redis.ts';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('Redis dies during a dispatch', () => {
  let child: ChildProcess | undefined;
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    cleanups.splice(0).forEach((c) => c());
  });

  it('the run finishes quickly, says so in Chinese and English, and keeps every case in the outbox', async () => {
    // a private redis-server of this test (not the shared one), killed part-way through
    const port = await freePort();
    child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const settings: RedisSettings = { host: '127.0.0.1', port, db: 0, prefix: 'fwtest-lost' };
    for (let i = 0; i < 50 && !(await checkRedis(settings)).ok; i++) await new Promise((r) => setTimeout(r, 100));
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const { store } = t;
    await store.run(`INSERT INTO fixmedins (fixmedins_code, admdvs, batch_id, row_hash) SELECT 'H' || i, '420100', 'b', 0 FROM range(20000) t(i)`);
    await insertAlerts(store, [{ alert_id: 'seed', fixmedins_code: 'H0' }]);
    await store.run(`INSERT INTO alerts SELECT a.* REPLACE ('A' || t.i AS alert_id, 'H' || t.i AS fixmedins_code) FROM alerts a, range(1, 20000) t(i) WHERE a.alert_id = 'seed'`);
    expect((await updateCases(store, {})).cases_new).toBe(20000);
    setTimeout(() => child!.kill('SIGKILL'), 300);
    const started = Date.now();
    const d = await dispatchCases(store, settings);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(d.redis_available).toBe(false);
    expect(d.message).toMatch(/Redis 连接中断.*Redis connection lost/s);
    expect(await store.scalar('SELECT count(*)::INTEGER FROM cases WHERE dispatched_priority IS NULL')).toBe(20000);
  });
});
