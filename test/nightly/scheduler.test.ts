import { afterAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { tempStore } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import { connectionOptions } from '../../pipeline/queue/redis.ts';
import { NIGHTLY_QUEUE, ensureNightlySchedule, startNightlyScheduler } from '../../pipeline/nightly/scheduler.ts';
import { nightlyConfig } from '../../pipeline/nightly/config.ts';

describe('nightly scheduler (BullMQ job scheduler on the real Redis)', () => {
  const redis = testRedis();
  afterAll(() => redis.cleanup());

  it('schedules the cron from config in Asia/Shanghai once, however often the owner starts', async () => {
    const t = await tempStore();
    const config = { nightly: { cron: '30 1 * * *', inbox: t.dir } };
    const a = await startNightlyScheduler(t.store, redis.settings, config, () => undefined);
    const b = await startNightlyScheduler(t.store, redis.settings, config, () => undefined);
    const q = new Queue(NIGHTLY_QUEUE, { connection: connectionOptions(redis.settings), prefix: redis.settings.prefix });
    try {
      const schedulers = await q.getJobSchedulers();
      expect(schedulers.map((s) => ({ key: s.key, pattern: s.pattern, tz: s.tz }))).toEqual([{ key: 'nightly-run', pattern: '30 1 * * *', tz: 'Asia/Shanghai' }]);
      expect(schedulers[0]!.next).toBeGreaterThan(Date.now());
    } finally {
      await q.close();
      await a?.close();
      await b?.close();
      t.cleanup();
    }
  });

  it('ensureNightlySchedule (run by the owner after each reconcile) re-creates the schedule Redis lost, once', async () => {
    const wiped = testRedis();
    const config = { nightly: { cron: '15 3 * * *' } };
    const q = new Queue(NIGHTLY_QUEUE, { connection: connectionOptions(wiped.settings), prefix: wiped.settings.prefix });
    try {
      await ensureNightlySchedule(wiped.settings, config);
      await wiped.deleteKeys(); // what a FLUSHALL does to this prefix
      expect(await q.getJobSchedulers()).toEqual([]);
      await ensureNightlySchedule(wiped.settings, config);
      await ensureNightlySchedule(wiped.settings, config);
      const schedulers = await q.getJobSchedulers();
      expect(schedulers.map((s) => ({ key: s.key, pattern: s.pattern, tz: s.tz }))).toEqual([{ key: 'nightly-run', pattern: '15 3 * * *', tz: 'Asia/Shanghai' }]);
    } finally {
      await q.close();
      await wiped.cleanup();
    }
  });

  it('config defaults and validation', () => {
    const d = nightlyConfig({});
    expect([d.cron, d.tz, d.webhook_url, d.report_top]).toEqual(['0 2 * * *', 'Asia/Shanghai', null, 20]);
    expect(d.inbox.endsWith('/inbox')).toBe(true);
    expect(() => nightlyConfig({ nightly: { cron: '' } })).toThrow(/nightly.cron/);
    expect(() => nightlyConfig({ nightly: { report_top: 0 } })).toThrow(/report_top/);
  });
});
