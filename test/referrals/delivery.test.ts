import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { tempStore } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import { seedEarlyWarning } from '../warning/seed.ts';
import { runEarlyWarning } from '../../pipeline/warning/run.ts';
import { deliverReferrals, startReferralWorkers, MONTHLY_FILES_SCHEDULER_ID } from '../../pipeline/referrals/deliver.ts';
import { signBody } from '../../pipeline/referrals/webhook.ts';
import { REFERRAL_DEAD_LETTER_QUEUE, REFERRAL_FILES_QUEUE } from '../../pipeline/queue/names.ts';

interface Received {
  path: string;
  key: string;
  signatureOk: boolean;
  at: number;
  body: { referral: { referral_id: string; certno_masked: string; certno?: string } };
}

/** A real HTTP receiver on 127.0.0.1: /flaky fails the first two tries of each key, /down always fails. */
async function receiver(secret: string) {
  const received: Received[] = [];
  const accepted = new Map<string, number>();
  const tries = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const key = String(req.headers['idempotency-key']);
      const ts = String(req.headers['x-fundwatch-timestamp']);
      received.push({ at: Date.now(), path: req.url!, key, signatureOk: req.headers['x-fundwatch-signature'] === signBody(secret, ts, raw), body: JSON.parse(raw) });
      if (req.url === '/down') {
        res.writeHead(503).end('maintenance 维护中');
        return;
      }
      const n = (tries.get(key) ?? 0) + 1;
      tries.set(key, n);
      if (n <= 2) {
        res.writeHead(500).end('try again');
        return;
      }
      if (!accepted.has(key)) accepted.set(key, 0);
      accepted.set(key, accepted.get(key)! + 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ receipt: `OK-${key}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { received, accepted, url: (p: string) => `http://127.0.0.1:${port}${p}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('referral delivery over BullMQ', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('delivers a flaky webhook exactly once, dead-letters a failing one, never re-sends', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const r = testRedis();
    cleanups.push(r.cleanup);
    const srv = await receiver('s3cret');
    cleanups.push(srv.close);
    const { store } = t;
    await seedEarlyWarning(store);
    const config = {
      referrals: {
        max_attempts: 3,
        backoff_ms: 40,
        departments: [
          { id: 'civil_affairs-421000', department: 'civil_affairs', regions: ['421000'], webhook: { url: srv.url('/flaky'), secret: 's3cret' } },
          { id: 'agri_rural-42', department: 'agri_rural', regions: ['42*'], webhook: { url: srv.url('/down'), secret: 's3cret' }, full_id: true },
        ],
      },
    };
    expect(await runEarlyWarning(store, { runId: 'RUN1', config })).toMatchObject({ referrals_new: 4, deliveries_new: 8 });
    expect(await deliverReferrals(store, r.settings, { config })).toMatchObject({ enqueued: 8, redis_available: true });
    const workers = await startReferralWorkers(store, r.settings, { config });
    cleanups.push(() => workers.close());
    await waitFor(async () => (await store.scalar<number>(`SELECT count(*)::INTEGER FROM referral_deliveries WHERE status IN ('delivered', 'dead_letter')`)) === 8, 15_000);

    const rows = await store.all(`SELECT department_id, status, attempts, webhook_receipt->>'http_status' AS http, last_error
      FROM referral_deliveries ORDER BY department_id, referral_id`);
    const civil = rows.filter((x) => x.department_id === 'civil_affairs-421000');
    const agri = rows.filter((x) => x.department_id === 'agri_rural-42');
    expect(civil).toHaveLength(4);
    for (const c of civil) expect(c).toEqual({ department_id: 'civil_affairs-421000', status: 'delivered', attempts: 3, http: '200', last_error: null });
    for (const a of agri) {
      expect(a).toMatchObject({ status: 'dead_letter', attempts: 3, http: null });
      expect(a.last_error).toContain('HTTP 503');
    }
    // exactly once per referral, every request signed, the same key on every retry
    expect([...srv.accepted.values()]).toEqual([1, 1, 1, 1]);
    const flaky = srv.received.filter((x) => x.path === '/flaky');
    expect(flaky).toHaveLength(12);
    expect(flaky.every((x) => x.signatureOk)).toBe(true);
    expect(new Set(flaky.map((x) => x.key)).size).toBe(4);
    // exponential backoff (backoff_ms 40): the second retry waits at least twice as long as the first
    for (const key of new Set(flaky.map((x) => x.key))) {
      const at = flaky.filter((x) => x.key === key).map((x) => x.at);
      expect(at[1] - at[0]).toBeGreaterThanOrEqual(40);
      expect(at[2] - at[1]).toBeGreaterThanOrEqual(80);
    }
    expect(flaky.every((x) => x.body.referral.certno === undefined && /\*{8}/.test(x.body.referral.certno_masked))).toBe(true);
    // agri_rural is authorised for full ID numbers
    expect(srv.received.filter((x) => x.path === '/down').every((x) => typeof x.body.referral.certno === 'string' && x.body.referral.certno.length === 18)).toBe(true);

    const dlq = new Queue(REFERRAL_DEAD_LETTER_QUEUE, { connection: { host: '127.0.0.1', port: 6379 }, prefix: r.settings.prefix });
    cleanups.push(() => dlq.close());
    await waitFor(async () => (await dlq.getJobCounts('waiting')).waiting === 4, 5000);
    const dead = await dlq.getJobs(['waiting']);
    expect(dead.every((j) => j.data.department_id === 'agri_rural-42' && String(j.data.error).includes('HTTP 503') && j.data.attempts === 3)).toBe(true);

    // running again sends nothing
    const before = srv.received.length;
    expect(await deliverReferrals(store, r.settings, { config })).toMatchObject({ enqueued: 0 });
    expect(await runEarlyWarning(store, { runId: 'RUN2', config })).toMatchObject({ referrals_new: 0, deliveries_new: 0 });
    await new Promise((res) => setTimeout(res, 300));
    expect(srv.received.length).toBe(before);

    // the monthly file drop is scheduled with BullMQ's job scheduler
    const files = new Queue(REFERRAL_FILES_QUEUE, { connection: { host: '127.0.0.1', port: 6379 }, prefix: r.settings.prefix });
    cleanups.push(() => files.close());
    const sched = await files.getJobScheduler(MONTHLY_FILES_SCHEDULER_ID);
    expect(sched).toMatchObject({ pattern: '0 8 1 * *', tz: 'Asia/Shanghai' });
  });

  it('says clearly when Redis is unreachable and keeps the deliveries pending', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const { store } = t;
    await seedEarlyWarning(store);
    const config = { referrals: { departments: [{ id: 'civil_affairs-421000', department: 'civil_affairs', regions: ['421000'], webhook: { url: 'http://127.0.0.1:9/x', secret: 'k' } }] } };
    await runEarlyWarning(store, { config });
    const d = await deliverReferrals(store, { host: '127.0.0.1', port: 1, db: 0, prefix: 'fwtest-none' }, { config });
    expect(d).toMatchObject({ enqueued: 0, redis_available: false });
    expect(d.message).toMatch(/Redis 不可用.*Redis unreachable/s);
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM referral_deliveries WHERE status = 'pending'`)).toBe(4);
  });
});

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met within ${ms} ms`);
}
