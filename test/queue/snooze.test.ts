import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { tempStore } from '../helpers.ts';
import { testRedis } from './redis-test.ts';
import { seedProviderCases } from './setup.ts';
import { insertAlerts } from '../cases/alerts.ts';
import { dispatchCases } from '../../pipeline/queue/dispatch.ts';
import { reconcileQueues } from '../../pipeline/queue/reconcile.ts';
import { takeNextCase } from '../../pipeline/queue/inspector.ts';
import { inspectionQueueName } from '../../pipeline/queue/names.ts';
import { updateCases } from '../../pipeline/cases/update.ts';
import { addSuppression, liftSuppression } from '../../pipeline/cases/suppress.ts';
import { snoozeEndsAt } from '../../pipeline/cases/snooze.ts';
import { CASES_DEFAULTS, type CasesConfig } from '../../pipeline/cases/config.ts';

const config: CasesConfig = { ...CASES_DEFAULTS };

describe('take next skips snoozed and rule-suppressed cases (real Redis)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('a snoozed case and a case whose every alert is suppressed wait in the delayed set until the date; lifting or ending brings them back', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const r = testRedis();
    cleanups.push(r.cleanup);
    const { store } = t;
    const ids = await seedProviderCases(store, 4); // highest score first, one gender_restricted_item alert each
    const provider = async (caseId: string) => store.scalar<string>('SELECT fixmedins_code FROM cases WHERE case_id = $1', [caseId]);
    // ids[2] also has an alert of another rule: suppressing one rule leaves it takeable
    await insertAlerts(store, [{ alert_id: 'X2', fixmedins_code: await provider(ids[2]), detector_id: 'split_admission', family: 'admission', amount_at_risk: 10 }]);
    await updateCases(store, { runId: 'R2' });
    expect(await dispatchCases(store, r.settings)).toMatchObject({ dispatched: 4 });

    // 暂缓: the console writes case_snoozes (api/routes/cases.ts)
    await store.run(`INSERT INTO case_snoozes VALUES ($1, DATE '2099-06-30', '等待现场核查结果', 'sup1', now())`, [ids[0]]);
    const supId = await addSuppression(store, { detector_id: 'gender_restricted_item', subject_type: 'provider', fixmedins_code: await provider(ids[1]), until: '2099-12-31', reason: '该院已整改，观察期', actor: 'sup1' });
    await addSuppression(store, { detector_id: 'gender_restricted_item', subject_type: 'provider', fixmedins_code: await provider(ids[2]), until: '2099-12-31', reason: '部分屏蔽', actor: 'sup1' });

    const taken: (string | null)[] = [];
    for (let i = 0; i < 3; i++) taken.push((await takeNextCase(store, r.settings, { inspector: 'insp1', config })).case_id);
    expect(taken).toEqual([ids[2], ids[3], null]);

    const q = new Queue(inspectionQueueName('421000'), { connection: { host: '127.0.0.1', port: 6379 }, prefix: r.settings.prefix });
    cleanups.push(() => q.close());
    expect(await q.getJobCounts('prioritized', 'waiting', 'active', 'delayed', 'failed')).toEqual({ prioritized: 0, waiting: 0, active: 2, delayed: 2, failed: 0 });
    // BullMQ keeps `delay` relative to the move, not to the job's timestamp: compare within the test's runtime
    const delayedAt = async (id: string) => {
      const job = (await q.getJob(id))!;
      return job.timestamp + job.delay;
    };
    expect(Math.abs((await delayedAt(ids[0])) - snoozeEndsAt('2099-06-30'))).toBeLessThan(30_000);
    expect(Math.abs((await delayedAt(ids[1])) - snoozeEndsAt('2099-12-31'))).toBeLessThan(30_000);
    expect(snoozeEndsAt('2099-06-30')).toBe(Date.parse('2099-07-01T00:00:00+08:00'));
    // skipped cases stay untouched in DuckDB: nobody took them
    expect(await store.all(`SELECT status, queue_token FROM cases WHERE case_id IN ($1, $2)`, [ids[0], ids[1]])).toEqual([
      { status: 'new', queue_token: null }, { status: 'new', queue_token: null },
    ]);
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM case_events WHERE action = 'take' AND case_id IN ($1, $2)`, [ids[0], ids[1]])).toBe(0);

    // the case update applies the suppression to the alert; the case stays away, reconcile keeps it delayed
    expect(await updateCases(store, { runId: 'R3' })).toMatchObject({ alerts_suppressed: 2 });
    expect(await reconcileQueues(store, r.settings)).toMatchObject({ readded: 0, removed: 0, promoted: 0 });
    expect(await takeNextCase(store, r.settings, { inspector: 'insp1', config })).toMatchObject({ case_id: null });

    // lifting the suppression: the next reconcile promotes the job, take next hands it out
    await liftSuppression(store, supId, 'sup2', '观察期结束');
    expect(await reconcileQueues(store, r.settings)).toMatchObject({ promoted: 1 });
    expect((await takeNextCase(store, r.settings, { inspector: 'insp2', config })).case_id).toBe(ids[1]);

    // a newer snooze entry that already ended (the latest entry counts)
    await store.run(`INSERT INTO case_snoozes VALUES ($1, current_date - 1, '提前恢复', 'sup1', now() + INTERVAL 1 SECOND)`, [ids[0]]);
    expect(await reconcileQueues(store, r.settings)).toMatchObject({ promoted: 1 });
    expect((await takeNextCase(store, r.settings, { inspector: 'insp2', config })).case_id).toBe(ids[0]);
    expect(await q.getJobCounts('prioritized', 'delayed', 'active')).toEqual({ prioritized: 0, delayed: 0, active: 4 });
  }, 60_000);

  it('after the keys are wiped, reconcile re-adds a snoozed case (take next delays it again) and the taken one as still held', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const r = testRedis();
    cleanups.push(r.cleanup);
    const { store } = t;
    const ids = await seedProviderCases(store, 2);
    await dispatchCases(store, r.settings);
    await store.run(`INSERT INTO case_snoozes VALUES ($1, DATE '2099-01-31', '暂缓', 'sup1', now())`, [ids[0]]);
    expect((await takeNextCase(store, r.settings, { inspector: 'insp1', config })).case_id).toBe(ids[1]);
    await r.deleteKeys();
    expect(await reconcileQueues(store, r.settings)).toMatchObject({ readded: 2, held: 1 });
    expect(await takeNextCase(store, r.settings, { inspector: 'insp2', config })).toMatchObject({ case_id: null });
    const q = new Queue(inspectionQueueName('421000'), { connection: { host: '127.0.0.1', port: 6379 }, prefix: r.settings.prefix });
    cleanups.push(() => q.close());
    expect(await q.getJobCounts('prioritized', 'delayed', 'active')).toEqual({ prioritized: 0, delayed: 2, active: 0 });
    expect(await store.scalar('SELECT queue_taken_by FROM cases WHERE case_id = $1', [ids[1]])).toBe('insp1');
  }, 60_000);
});
