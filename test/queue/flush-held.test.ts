import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { tempStore } from '../helpers.ts';
import { seedProviderCases } from './setup.ts';
import { NO_REDIS_SERVER_MESSAGE, REDIS_SERVER_INSTALLED, startPrivateRedis, type PrivateRedis } from './private-redis.ts';
import { dispatchCases, CASE_JOB_NAME } from '../../pipeline/queue/dispatch.ts';
import { reconcileQueues } from '../../pipeline/queue/reconcile.ts';
import { completeCaseJob, releaseCase, renewCaseLock, takeNextCase } from '../../pipeline/queue/inspector.ts';
import { inspectionQueueName } from '../../pipeline/queue/names.ts';
import { decideCase, startReview } from '../../pipeline/cases/lifecycle.ts';
import { CASES_DEFAULTS, type CasesConfig } from '../../pipeline/cases/config.ts';
import type { Store } from '../../pipeline/store/store.ts';

const config: CasesConfig = { ...CASES_DEFAULTS };

if (!REDIS_SERVER_INSTALLED) console.warn(NO_REDIS_SERVER_MESSAGE);

// Issue 12, defect 2: after FLUSHALL, reconcile put the cases inspectors held back in the waiting list.
describe.skipIf(!REDIS_SERVER_INSTALLED)('a held case survives FLUSHALL as held (private redis-server)', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis('fwtest-held');
  });
  afterAll(() => redis?.stop());
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await redis.flushAll();
  });

  async function setup(n: number) {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const ids = await seedProviderCases(t.store, n);
    expect(await dispatchCases(t.store, redis.settings)).toMatchObject({ dispatched: n });
    const q = new Queue(inspectionQueueName('421000'), { connection: { host: '127.0.0.1', port: redis.settings.port }, prefix: redis.settings.prefix });
    cleanups.push(() => q.close());
    return { store: t.store, ids, q };
  }
  const take = (store: Store, who: string, cfg = config) => takeNextCase(store, redis.settings, { inspector: who, config: cfg });
  const expiryMs = (store: Store, id: string) => store.scalar<number>('SELECT epoch_ms(queue_lock_expires_at) FROM cases WHERE case_id = $1', [id]);
  const events = (store: Store, id: string) =>
    store.all<{ actor: string; action: string }>(`SELECT actor, action FROM case_events WHERE case_id = $1 AND action IN ('take', 'release', 'decide') ORDER BY event_id`, [id]);

  it('insp1 takes, FLUSHALL, reconcile: sup1 does not get insp1\'s case; insp1 can still renew, release and decide', async () => {
    const { store, ids, q } = await setup(4);
    expect((await take(store, 'insp1')).case_id).toBe(ids[0]);
    expect((await take(store, 'insp1')).case_id).toBe(ids[1]);
    await redis.flushAll();
    expect(await reconcileQueues(store, redis.settings)).toMatchObject({ readded: 4, redis_available: true });

    expect((await take(store, 'sup1')).case_id).toBe(ids[2]);

    const before = await expiryMs(store, ids[0]);
    await new Promise((r) => setTimeout(r, 20));
    expect(await renewCaseLock(store, redis.settings, ids[0], 'insp1', config)).toBe(true);
    expect(await expiryMs(store, ids[0])).toBeGreaterThan(before);
    expect(await releaseCase(store, redis.settings, ids[0], 'insp1')).toBe(true);
    expect((await take(store, 'sup1')).case_id).toBe(ids[0]);

    await startReview(store, ids[1], { actor: 'insp1' });
    await decideCase(store, ids[1], { decision: 'false_alarm', reason: '核实无误' }, { actor: 'insp1' });
    expect(await completeCaseJob(store, redis.settings, ids[1])).toMatchObject({ done: true });
    expect(await q.getJob(ids[1])).toBeUndefined();

    expect((await take(store, 'sup1')).case_id).toBe(ids[3]);
    expect(await take(store, 'sup1')).toMatchObject({ case_id: null, redis_available: true });
    expect(await events(store, ids[0])).toEqual([
      { actor: 'insp1', action: 'take' }, { actor: 'insp1', action: 'release' }, { actor: 'sup1', action: 'take' },
    ]);
    expect(await events(store, ids[1])).toEqual([{ actor: 'insp1', action: 'take' }, { actor: 'insp1', action: 'decide' }]);
  });

  it('before any reconcile (the job is missing) the holder can renew, release and decide; reconcile keeps the renewed one held', async () => {
    const { store, ids, q } = await setup(3);
    for (const id of ids) expect((await take(store, 'insp1')).case_id).toBe(id);
    await redis.flushAll();
    expect(await renewCaseLock(store, redis.settings, ids[0], 'insp1', config)).toBe(true);
    expect(await q.getJobState(ids[0])).toBe('delayed');
    expect(await releaseCase(store, redis.settings, ids[1], 'insp1')).toBe(true);
    await startReview(store, ids[2], { actor: 'insp1' });
    await decideCase(store, ids[2], { decision: 'false_alarm' }, { actor: 'insp1' });
    expect(await completeCaseJob(store, redis.settings, ids[2])).toMatchObject({ done: true });

    expect((await take(store, 'sup1')).case_id).toBe(ids[1]);
    expect(await reconcileQueues(store, redis.settings)).toMatchObject({ readded: 0, removed: 0, promoted: 0 });
    expect(await take(store, 'sup1')).toMatchObject({ case_id: null, redis_available: true });
    expect(await q.getJobCounts('prioritized', 'delayed', 'active')).toEqual({ prioritized: 0, delayed: 1, active: 1 });
  });

  it('take next never hands out a case DuckDB says is held, even when Redis has it waiting', async () => {
    const { store, ids, q } = await setup(2);
    expect((await take(store, 'insp1')).case_id).toBe(ids[0]);
    await redis.flushAll();
    // Redis believes nobody holds it (e.g. re-added by a stale reader): a plain waiting job, highest priority
    await q.add(CASE_JOB_NAME, { case_id: ids[0], admdvs: '421000', risk_score: 99, subject_type: 'provider' }, { jobId: ids[0], priority: 1 });
    await q.add(CASE_JOB_NAME, { case_id: ids[1], admdvs: '421000', risk_score: 1, subject_type: 'provider' }, { jobId: ids[1], priority: 2 });
    expect((await take(store, 'sup1')).case_id).toBe(ids[1]);
    expect(await q.getJobState(ids[0])).toBe('delayed');
    expect(await take(store, 'sup2')).toMatchObject({ case_id: null });
    expect(await renewCaseLock(store, redis.settings, ids[0], 'insp1', config)).toBe(true);
    expect(await events(store, ids[0])).toEqual([{ actor: 'insp1', action: 'take' }]);
  });

  it('a restored lock that runs out frees the case: the next take ends it (event release by system) and the holder has lost it', async () => {
    const short: CasesConfig = { ...config, review_lock_minutes: 0.01 }; // 600 ms
    const { store, ids } = await setup(2);
    expect((await take(store, 'insp1', short)).case_id).toBe(ids[0]);
    await redis.flushAll();
    expect(await reconcileQueues(store, redis.settings)).toMatchObject({ readded: 2 });
    expect((await take(store, 'sup1', short)).case_id).toBe(ids[1]);
    expect(await take(store, 'sup1', short)).toMatchObject({ case_id: null });
    await new Promise((r) => setTimeout(r, 800));
    expect((await take(store, 'sup2', short)).case_id).toBe(ids[0]);
    expect(await renewCaseLock(store, redis.settings, ids[0], 'insp1', short)).toBe(false);
    expect(await events(store, ids[0])).toEqual([
      { actor: 'insp1', action: 'take' }, { actor: 'system', action: 'release' }, { actor: 'sup2', action: 'take' },
    ]);
  });
});
