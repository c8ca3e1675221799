import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { tempStore } from '../helpers.ts';
import { seedProviderCases } from './setup.ts';
import { NO_REDIS_SERVER_MESSAGE, REDIS_SERVER_INSTALLED, startPrivateRedis, type PrivateRedis } from './private-redis.ts';
import { startOwnerServer } from '../../app/serve.ts';
import { startQueueOwner } from '../../pipeline/queue/owner.ts';
import { NIGHTLY_QUEUE, NIGHTLY_SCHEDULER_ID } from '../../pipeline/nightly/scheduler.ts';
import { MONTHLY_FILES_SCHEDULER_ID } from '../../pipeline/referrals/deliver.ts';
import { REFERRAL_FILES_QUEUE } from '../../pipeline/queue/names.ts';
import { CASES_DEFAULTS } from '../../pipeline/cases/config.ts';

if (!REDIS_SERVER_INSTALLED) console.warn(NO_REDIS_SERVER_MESSAGE);

// Issue 12, defect 5 (scheduler part): after a flush the nightly and monthly job schedulers were gone until a restart.
describe.skipIf(!REDIS_SERVER_INSTALLED)('the owner re-creates the job schedulers a flush lost (private redis-server)', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis('fwtest-sched');
  });
  afterAll(() => redis?.stop());
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await redis.flushAll();
  });

  async function schedulers() {
    const connection = { host: '127.0.0.1', port: redis.settings.port };
    const nightly = new Queue(NIGHTLY_QUEUE, { connection, prefix: redis.settings.prefix });
    const files = new Queue(REFERRAL_FILES_QUEUE, { connection, prefix: redis.settings.prefix });
    try {
      const all = [...(await nightly.getJobSchedulers()), ...(await files.getJobSchedulers())];
      return all.map((s) => ({ key: s.key, pattern: s.pattern, tz: s.tz })).sort((a, b) => a.key.localeCompare(b.key));
    } finally {
      await nightly.close();
      await files.close();
    }
  }
  const expected = [
    { key: MONTHLY_FILES_SCHEDULER_ID, pattern: '0 8 1 * *', tz: 'Asia/Shanghai' },
    { key: NIGHTLY_SCHEDULER_ID, pattern: '30 1 * * *', tz: 'Asia/Shanghai' },
  ];

  it('the owner server (app/serve.ts): FLUSHALL, and its next periodic reconcile brings both schedulers back', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    await seedProviderCases(t.store, 2);
    const config = {
      redis: { host: '127.0.0.1', port: redis.settings.port, prefix: redis.settings.prefix },
      nightly: { cron: '30 1 * * *', inbox: join(t.dir, 'inbox'), report_dir: join(t.dir, 'reports') },
      referrals: { outbox_dir: join(t.dir, 'outbox'), departments: [] },
    };
    const logs: string[] = [];
    const owner = await startOwnerServer({ store: t.store, dbPath: join(t.dir, 'test.duckdb'), config, port: 0, reconcileMs: 300, log: (m) => logs.push(m) });
    cleanups.push(() => owner.close());
    expect(await schedulers()).toEqual(expected);

    await redis.flushAll();
    expect(await schedulers()).toEqual([]);
    const end = Date.now() + 10_000;
    while ((await schedulers()).length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(await schedulers()).toEqual(expected);
    expect(logs.join('\n')).not.toMatch(/re-creating .* failed/);
  });

  it('startQueueOwner runs its ensure steps after every reconcile pass, and a failing step does not stop the others', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    await seedProviderCases(t.store, 1);
    const runs: string[] = [];
    const logs: string[] = [];
    const owner = await startQueueOwner(t.store, redis.settings, {
      config: CASES_DEFAULTS,
      log: (m) => logs.push(m),
      ensure: [
        { name: 'broken', run: async () => { runs.push('broken'); throw new Error('boom'); } },
        { name: 'fine', run: async () => void runs.push('fine') },
      ],
    });
    cleanups.push(() => owner.close());
    expect(runs).toEqual(['broken', 'fine']);
    await owner.reconcile();
    expect(runs).toEqual(['broken', 'fine', 'broken', 'fine']);
    expect(logs.filter((l) => l.includes('re-creating broken failed: boom'))).toHaveLength(2);
  });
});
