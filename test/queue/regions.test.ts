import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { tempStore } from '../helpers.ts';
import { testRedis } from './redis-test.ts';
import { seedProviderCases } from './setup.ts';
import { dispatchCases } from '../../pipeline/queue/dispatch.ts';
import { takeNextCase } from '../../pipeline/queue/inspector.ts';
import { startQueueOwner } from '../../pipeline/queue/owner.ts';
import { inspectionQueueName } from '../../pipeline/queue/names.ts';
import { CASES_DEFAULTS } from '../../pipeline/cases/config.ts';
import type { RedisSettings } from '../../pipeline/queue/redis.ts';

const config = { ...CASES_DEFAULTS };

async function counts(settings: RedisSettings, admdvs: string) {
  const q = new Queue(inspectionQueueName(admdvs), { connection: { host: settings.host, port: settings.port }, prefix: settings.prefix });
  try {
    return await q.getJobCounts('prioritized', 'waiting', 'active', 'delayed', 'failed');
  } finally {
    await q.close();
  }
}

describe('one inspection queue per pooling region (real Redis)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('dispatches to the region queues, takes within a region or from the region with the top case; the owner restores both at start', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const r = testRedis();
    cleanups.push(r.cleanup);
    const { store } = t;
    const xiaogan = await seedProviderCases(store, 3, '421000');
    const jingzhou = await seedProviderCases(store, 2, '422000');
    expect(await dispatchCases(store, r.settings)).toMatchObject({ dispatched: 5 });
    expect(await counts(r.settings, '421000')).toEqual({ prioritized: 3, waiting: 0, active: 0, delayed: 0, failed: 0 });
    expect(await counts(r.settings, '422000')).toEqual({ prioritized: 2, waiting: 0, active: 0, delayed: 0, failed: 0 });

    expect(await takeNextCase(store, r.settings, { inspector: 'jz-1', region: '422000', config })).toMatchObject({ case_id: jingzhou[0], admdvs: '422000' });
    // no region: the region whose open case scores highest (421000's top case outranks 422000's)
    expect(await takeNextCase(store, r.settings, { inspector: 'any-1', config })).toMatchObject({ case_id: xiaogan[0], admdvs: '421000' });
    expect(await takeNextCase(store, r.settings, { inspector: 'jz-2', region: '422000', config })).toMatchObject({ case_id: jingzhou[1] });
    expect(await takeNextCase(store, r.settings, { inspector: 'jz-3', region: '422000', config })).toMatchObject({ case_id: null });

    // Redis loses everything; the owner's start-up reconcile puts every open case back, the three held ones
    // as held (delayed until their locks run out, which DuckDB keeps)
    await r.deleteKeys();
    const owner = await startQueueOwner(store, r.settings, { config });
    cleanups.push(() => owner.close());
    expect(await counts(r.settings, '421000')).toEqual({ prioritized: 2, waiting: 0, active: 0, delayed: 1, failed: 0 });
    expect(await counts(r.settings, '422000')).toEqual({ prioritized: 0, waiting: 0, active: 0, delayed: 2, failed: 0 });
    expect(await store.scalar('SELECT count(*)::INTEGER FROM cases WHERE queue_token IS NOT NULL')).toBe(3);
    const order: (string | null)[] = [];
    for (let i = 0; i < 3; i++) order.push((await takeNextCase(store, r.settings, { inspector: 'xg-1', region: '421000', config })).case_id);
    expect(order).toEqual([xiaogan[1], xiaogan[2], null]);
    expect(await takeNextCase(store, r.settings, { inspector: 'jz-4', region: '422000', config })).toMatchObject({ case_id: null, redis_available: true });
  }, 60_000);
});
