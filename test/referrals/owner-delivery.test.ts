import { afterEach, describe, expect, it } from 'vitest';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { tempStore } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import { seedEarlyWarning } from '../warning/seed.ts';
import { startOwnerServer } from '../../app/serve.ts';
import { runNightly } from '../../pipeline/nightly/run.ts';
import { MONTHLY_FILES_SCHEDULER_ID } from '../../pipeline/referrals/deliver.ts';
import { runEarlyWarning } from '../../pipeline/warning/run.ts';
import { checkRedis } from '../../pipeline/queue/redis.ts';
import { REFERRAL_FILES_QUEUE } from '../../pipeline/queue/names.ts';

/** A department's receiver: checks the HMAC itself (not with our signBody), accepts each idempotency key once. */
async function department(secret: string) {
  const accepted = new Map<string, { referral_id: string; certno_masked: string }>();
  const requests: { signatureOk: boolean; key: string }[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const ts = String(req.headers['x-fundwatch-timestamp']);
      const sig = Buffer.from(String(req.headers['x-fundwatch-signature']));
      const want = Buffer.from('sha256=' + createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex'));
      const signatureOk = sig.length === want.length && timingSafeEqual(sig, want);
      const key = String(req.headers['idempotency-key']);
      requests.push({ signatureOk, key });
      if (!signatureOk) return void res.writeHead(401).end('bad signature');
      if (!accepted.has(key)) accepted.set(key, JSON.parse(raw).referral);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ receipt: `MZ-${key}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/referrals`;
  return { accepted, requests, url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('owner server delivers the referrals of a nightly run', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('nightly (Redis down) keeps them in the outbox and says so; the next nightly queues them; the owner posts each once, signed', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const r = testRedis();
    cleanups.push(r.cleanup);
    const dept = await department('mz-secret');
    cleanups.push(dept.close);
    const { store, dir } = t;
    await seedEarlyWarning(store);
    mkdirSync(join(dir, 'inbox'));
    const config = {
      redis: { host: '127.0.0.1', port: 6379, prefix: r.settings.prefix },
      nightly: { inbox: join(dir, 'inbox'), report_dir: join(dir, 'reports') },
      referrals: {
        backoff_ms: 50,
        outbox_dir: join(dir, 'outbox'),
        departments: [{ id: 'civil_affairs-421000', department: 'civil_affairs', regions: ['421000'], webhook: { url: dept.url, secret: 'mz-secret' } }],
      },
    };
    const logs: string[] = [];
    const owner = await startOwnerServer({ store, dbPath: join(dir, 'test.duckdb'), config, port: 0, scheduler: false, log: (m) => logs.push(m) });
    cleanups.push(() => owner.close());

    // the owner scheduled the monthly file drop
    const files = new Queue(REFERRAL_FILES_QUEUE, { connection: { host: '127.0.0.1', port: 6379 }, prefix: r.settings.prefix });
    cleanups.push(() => files.close());
    expect(await files.getJobScheduler(MONTHLY_FILES_SCHEDULER_ID)).toMatchObject({ pattern: '0 8 1 * *', tz: 'Asia/Shanghai' });

    // 1. Redis unreachable for the run: it finishes, says so, nothing is lost
    const down = await runNightly(store, { config, redis: { ...r.settings, port: 1 } });
    expect(down.status).toBe('partial_failure');
    const stage = down.stages.find((s) => s.stage === 'dispatch')!;
    expect(stage.status).toBe('partial_failure');
    expect(stage.error).toMatch(/Redis 不可用.*Redis unreachable/s);
    expect(await store.all(`SELECT status, count(*)::INTEGER AS n FROM referral_deliveries GROUP BY status`)).toEqual([{ status: 'pending', n: 4 }]);
    await new Promise((res) => setTimeout(res, 300));
    expect(dept.requests).toHaveLength(0);

    // 2. the next run (Redis back) queues them; the owner's workers deliver
    const ok = await runNightly(store, { config });
    expect(ok.status).toBe('succeeded');
    expect((ok.counts.stages as Record<string, { referrals: unknown }>).dispatch.referrals).toMatchObject({ enqueued: 4, redis_available: true });
    await waitFor(async () => (await store.scalar<number>(`SELECT count(*)::INTEGER FROM referral_deliveries WHERE status = 'delivered'`)) === 4, 15_000);
    const referralIds = (await store.all<{ referral_id: string }>('SELECT referral_id FROM referrals ORDER BY referral_id')).map((x) => x.referral_id);
    expect([...dept.accepted.values()].map((x) => x.referral_id).sort()).toEqual(referralIds);
    expect(dept.requests.every((x) => x.signatureOk)).toBe(true);
    expect(dept.requests).toHaveLength(4);
    expect([...dept.accepted.values()].every((x) => /^\d{6}\*{8}\d{4}$/.test(x.certno_masked))).toBe(true);
    expect(await store.all(`SELECT DISTINCT status, attempts, webhook_receipt->>'http_status' AS http FROM referral_deliveries`)).toEqual([
      { status: 'delivered', attempts: 1, http: '200' },
    ]);

    // 3. a third run on the same data: no new referral, nothing sent again
    const again = await runNightly(store, { config });
    expect((again.counts.stages as Record<string, { referrals_new?: number }>).early_warning.referrals_new).toBe(0);
    await new Promise((res) => setTimeout(res, 500));
    expect(dept.requests).toHaveLength(4);
  }, 60_000);

  it('an owner started while Redis is down says so, retries, and delivers the outbox once Redis answers', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const dept = await department('mz-secret');
    cleanups.push(dept.close);
    const { store, dir } = t;
    await seedEarlyWarning(store);
    // a private redis-server of this test, not running yet
    const port = await freePort();
    const settings = { host: '127.0.0.1', port, db: 0, prefix: 'fwtest-late' };
    const config = {
      redis: settings,
      nightly: { inbox: join(dir, 'inbox'), report_dir: join(dir, 'reports') },
      referrals: { departments: [{ id: 'civil_affairs-421000', department: 'civil_affairs', regions: ['421000'], webhook: { url: dept.url, secret: 'mz-secret' } }] },
    };
    const logs: string[] = [];
    const owner = await startOwnerServer({ store, dbPath: join(dir, 'test.duckdb'), config, port: 0, scheduler: false, redisRetryMs: 200, log: (m) => logs.push(m) });
    let child: ChildProcess | null = null;
    // The owner closes while its Redis still runs (its workers' blocking connections end cleanly), then Redis goes.
    cleanups.push(async () => {
      await owner.close();
      if (child && child.exitCode === null) child.kill('SIGKILL');
    });
    expect(logs.join('\n')).toMatch(/Redis 不可用.*Redis unreachable.*referrals stay in the outbox/s);
    expect(await runEarlyWarning(store, { config })).toMatchObject({ deliveries_new: 4 });

    child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 50 && !(await checkRedis(settings)).ok; i++) await new Promise((r) => setTimeout(r, 100));
    await waitFor(async () => (await store.scalar<number>(`SELECT count(*)::INTEGER FROM referral_deliveries WHERE status = 'delivered'`)) === 4, 20_000);
    expect(logs.join('\n')).toContain('Redis is back');
    expect(dept.accepted.size).toBe(4);
    expect(dept.requests.every((x) => x.signatureOk)).toBe(true);
  }, 60_000);
});

async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met within ${ms} ms`);
}
