import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { tempStore } from '../helpers.ts';
import { testRedis } from './redis-test.ts';
import { seedProviderCases } from './setup.ts';
import { dispatchCases } from '../../pipeline/queue/dispatch.ts';
import { reconcileQueues } from '../../pipeline/queue/reconcile.ts';
import { takeNextCase, releaseCase, completeCaseJob, renewCaseLock } from '../../pipeline/queue/inspector.ts';
import { startQueueOwner } from '../../pipeline/queue/owner.ts';
import { inspectionQueueName } from '../../pipeline/queue/names.ts';
import { CASES_DEFAULTS, type CasesConfig } from '../../pipeline/cases/config.ts';
import { decideCase, startReview } from '../../pipeline/cases/lifecycle.ts';
import type { RedisSettings } from '../../pipeline/queue/redis.ts';
import { insertAlerts } from '../cases/alerts.ts';
import { updateCases } from '../../pipeline/cases/update.ts';

const config: CasesConfig = { ...CASES_DEFAULTS };

async function jobCounts(settings: RedisSettings, admdvs = '421000') {
  const q = new Queue(inspectionQueueName(admdvs), { connection: { host: settings.host, port: settings.port }, prefix: settings.prefix });
  try {
    return await q.getJobCounts('prioritized', 'waiting', 'active', 'failed', 'completed');
  } finally {
    await q.close();
  }
}

describe('inspection queues on the real Redis', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(n: number) {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const r = testRedis();
    cleanups.push(r.cleanup);
    const ids = await seedProviderCases(t.store, n);
    return { store: t.store, ...r, ids };
  }

  it('dispatches once per case (twice changes nothing) and hands out cases in risk order', async () => {
    const { store, settings, ids } = await setup(6);
    const d1 = await dispatchCases(store, settings);
    expect(d1).toMatchObject({ dispatched: 6, redis_available: true });
    const d2 = await dispatchCases(store, settings);
    expect(d2).toMatchObject({ dispatched: 0, reprioritized: 0 });
    expect(await jobCounts(settings)).toMatchObject({ prioritized: 6, waiting: 0, active: 0 });
    const taken: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await takeNextCase(store, settings, { inspector: 'insp1', config });
      if (r.case_id) taken.push(r.case_id);
    }
    expect(taken).toEqual(ids);
    const rows = await store.all('SELECT status, assignee, queue_taken_by FROM cases WHERE case_id = $1', [ids[0]]);
    expect(rows).toEqual([{ status: 'assigned', assignee: 'insp1', queue_taken_by: 'insp1' }]);
  });

  it('re-prioritises a waiting case whose score rose', async () => {
    const { store, settings, ids } = await setup(3);
    await dispatchCases(store, settings);
    const lowest = ids[2];
    const fixmedins = await store.scalar<string>('SELECT fixmedins_code FROM cases WHERE case_id = $1', [lowest]);
    await insertAlerts(store, [{ alert_id: 'BIG', fixmedins_code: fixmedins, family: 'impersonation', amount_at_risk: 5_000_000 }]);
    await updateCases(store, { runId: 'R2' });
    expect(await dispatchCases(store, settings)).toMatchObject({ dispatched: 0, reprioritized: 1 });
    const first = await takeNextCase(store, settings, { inspector: 'insp1', config });
    expect(first.case_id).toBe(lowest);
    expect(await jobCounts(settings)).toMatchObject({ prioritized: 2, active: 1 });
  });

  it('never gives the same case to two concurrent inspectors', async () => {
    const { store, settings, ids } = await setup(12);
    await dispatchCases(store, settings);
    const take = (who: string) => takeNextCase(store, settings, { inspector: who, config });
    const results = await Promise.all(Array.from({ length: 14 }, (_, i) => take(i % 2 ? 'insp-a' : 'insp-b')));
    const got = results.map((r) => r.case_id).filter((x): x is string => x !== null);
    expect(got.length).toBe(12);
    expect(new Set(got).size).toBe(12);
    expect([...got].sort()).toEqual([...ids].sort());
    const owners = await store.all<{ n: number }>('SELECT count(*)::INTEGER AS n FROM cases WHERE queue_taken_by IS NOT NULL');
    expect(owners[0].n).toBe(12);
  });

  it('with the owner in the process (its shared clients), concurrent takes never get the same case and the Redis lock is the DuckDB token', async () => {
    const { store, settings, ids } = await setup(12);
    await dispatchCases(store, settings);
    const owner = await startQueueOwner(store, settings, { config });
    cleanups.push(() => owner.close());
    const take = (who: string) => takeNextCase(store, settings, { inspector: who, config });
    const results = await Promise.all(Array.from({ length: 14 }, (_, i) => take(i % 2 ? 'insp-a' : 'insp-b')));
    const got = results.map((r) => r.case_id).filter((x): x is string => x !== null);
    expect([...got].sort()).toEqual([...ids].sort());
    expect(results.filter((r) => r.case_id === null).map((r) => r.redis_available)).toEqual([true, true]);
    // the lock BullMQ holds is the token recorded in DuckDB, for every case
    const redis = new Redis({ host: settings.host, port: settings.port, db: settings.db });
    try {
      const rows = await store.all<{ case_id: string; queue_token: string }>('SELECT case_id, queue_token FROM cases ORDER BY case_id');
      for (const r of rows) expect(await redis.get(`${settings.prefix}:${inspectionQueueName('421000')}:${r.case_id}:lock`)).toBe(r.queue_token);
    } finally {
      redis.disconnect();
    }
    expect(await jobCounts(settings)).toMatchObject({ active: 12, prioritized: 0 });
    // renew, release and decide go through the same clients
    const first = results.find((r) => r.case_id === ids[0])!;
    const holder = (await store.scalar<string>('SELECT queue_taken_by FROM cases WHERE case_id = $1', [ids[0]]))!;
    expect(first.token).not.toBeNull();
    expect(await renewCaseLock(store, settings, ids[0], holder, config)).toBe(true);
    expect(await releaseCase(store, settings, ids[0], holder)).toBe(true);
    expect(await jobCounts(settings)).toMatchObject({ active: 11, prioritized: 1 });
    expect((await take('insp-c')).case_id).toBe(ids[0]);
  });

  it('an abandoned lock returns the case to the queue with its priority, never to failed', async () => {
    const { store, settings, ids } = await setup(3);
    await dispatchCases(store, settings);
    const shortLock: CasesConfig = { ...config, review_lock_minutes: 0.01 }; // 600 ms
    const owner = await startQueueOwner(store, settings, { config: shortLock, stalledMs: 250 });
    cleanups.push(() => owner.close());
    for (let round = 0; round < 3; round++) {
      const r = await takeNextCase(store, settings, { inspector: `gone-${round}`, config: shortLock });
      expect(r.case_id).toBe(ids[0]);
      // the inspector walks away: no renewal; the owner's stalled check returns it
      await waitFor(async () => (await jobCounts(settings)).prioritized === 3, 5000);
      expect(await jobCounts(settings)).toMatchObject({ prioritized: 3, active: 0, failed: 0, waiting: 0 });
      await waitFor(async () => (await store.scalar<number>('SELECT count(*)::INTEGER FROM cases WHERE queue_token IS NOT NULL')) === 0, 3000);
    }
    const released = await store.all(`SELECT actor, action, from_status, to_status FROM case_events WHERE case_id = $1 AND action = 'release' ORDER BY event_id`, [ids[0]]);
    expect(released).toEqual(Array(3).fill({ actor: 'system', action: 'release', from_status: 'assigned', to_status: 'new' }));
    // a working inspector renews and keeps it past the original lock (2.5 s lock, held for 3.2 s)
    const renewLock: CasesConfig = { ...config, review_lock_minutes: 2.5 / 60 };
    const kept = await takeNextCase(store, settings, { inspector: 'busy', config: renewLock });
    expect(kept.case_id).toBe(ids[0]);
    for (let i = 0; i < 4; i++) {
      await sleep(800);
      expect(await renewCaseLock(store, settings, ids[0], 'busy', renewLock)).toBe(true);
    }
    expect(await jobCounts(settings)).toMatchObject({ active: 1, prioritized: 2 });
    // explicit release keeps the priority too
    expect(await releaseCase(store, settings, ids[0], 'busy')).toBe(true);
    expect((await takeNextCase(store, settings, { inspector: 'next', config })).case_id).toBe(ids[0]);
  });

  it('a decision completes the job; reconcile restores every open case after the keys are wiped', async () => {
    const { store, settings, ids, deleteKeys } = await setup(5);
    await dispatchCases(store, settings);
    const t = await takeNextCase(store, settings, { inspector: 'insp1', config });
    expect(t.case_id).toBe(ids[0]);
    await startReview(store, ids[0], { actor: 'insp1' });
    await decideCase(store, ids[0], { decision: 'false_alarm', reason: '核实无误' }, { actor: 'insp1' });
    expect(await completeCaseJob(store, settings, ids[0])).toMatchObject({ done: true });
    expect(await jobCounts(settings)).toMatchObject({ prioritized: 4, active: 0, completed: 0 });

    // a second case decided while Redis still holds it (e.g. decided during an outage)
    await store.run(`UPDATE cases SET status = 'decided', decision = 'false_alarm' WHERE case_id = $1`, [ids[1]]);
    const r0 = await reconcileQueues(store, settings);
    expect(r0).toMatchObject({ readded: 0, removed: 1 });
    expect(await jobCounts(settings)).toMatchObject({ prioritized: 3 });

    // "FLUSHALL": wipe this test's keys, then reconcile
    expect(await deleteKeys()).toBeGreaterThan(0);
    expect(await jobCounts(settings)).toMatchObject({ prioritized: 0, waiting: 0 });
    const r1 = await reconcileQueues(store, settings);
    expect(r1).toMatchObject({ readded: 3, removed: 0, redis_available: true });
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await takeNextCase(store, settings, { inspector: 'insp2', config });
      if (r.case_id) order.push(r.case_id);
    }
    expect(order).toEqual(ids.slice(2));
  });

  it('keeps working without Redis and dispatches later', async () => {
    const { store, settings } = await setup(4);
    const down: RedisSettings = { ...settings, port: 1 };
    const d = await dispatchCases(store, down);
    expect(d.redis_available).toBe(false);
    expect(d.dispatched).toBe(0);
    expect(d.message).toContain('Redis 不可用');
    expect(d.message).toContain('Redis unreachable');
    expect(await store.scalar('SELECT count(*)::INTEGER FROM cases WHERE dispatched_priority IS NULL')).toBe(4);
    expect((await reconcileQueues(store, down)).redis_available).toBe(false);
    const take = await takeNextCase(store, down, { inspector: 'insp1', config });
    expect(take).toMatchObject({ case_id: null, token: null, redis_available: false });
    expect(take.message).toContain('Redis 不可用');
    expect(await store.scalar('SELECT count(*)::INTEGER FROM cases WHERE queue_token IS NOT NULL')).toBe(0);
    expect(await dispatchCases(store, settings)).toMatchObject({ dispatched: 4, redis_available: true });
    // taken while Redis answers; renew and the decision's job completion then meet a dead Redis
    const taken = await takeNextCase(store, settings, { inspector: 'insp1', config });
    expect(taken.redis_available).toBe(true);
    expect(await renewCaseLock(store, down, taken.case_id!, 'insp1', config)).toBe(false);
    const done = await completeCaseJob(store, down, taken.case_id!);
    expect(done.done).toBe(false);
    expect(done.message).toContain('Redis unreachable');
    expect(await store.scalar('SELECT queue_token FROM cases WHERE case_id = $1', [taken.case_id])).toBe(taken.token);
  });
});

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await sleep(100);
  }
  throw new Error(`condition not met within ${ms} ms`);
}
