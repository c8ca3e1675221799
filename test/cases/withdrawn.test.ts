import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { tempStore } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import { seedProviderCases } from '../queue/setup.ts';
import { insertAlerts } from './alerts.ts';
import { updateCases } from '../../pipeline/cases/update.ts';
import { decideCase, startReview } from '../../pipeline/cases/lifecycle.ts';
import { dispatchCases } from '../../pipeline/queue/dispatch.ts';
import { reconcileQueues } from '../../pipeline/queue/reconcile.ts';
import { completeCaseJob, takeNextCase } from '../../pipeline/queue/inspector.ts';
import { inspectionQueueName } from '../../pipeline/queue/names.ts';
import { CASES_DEFAULTS } from '../../pipeline/cases/config.ts';

const config = { ...CASES_DEFAULTS };

describe('cases whose every alert was withdrawn (reversals)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('undecided ones close with an event and leave the queue (even when locked); decided ones are marked; a reinstated alert reopens', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const r = testRedis();
    cleanups.push(r.cleanup);
    const { store } = t;
    const [a, b, c, d] = await seedProviderCases(store, 4); // alerts A421000-4 … A421000-1, highest score first
    const provider = async (caseId: string) => store.scalar<string>('SELECT fixmedins_code FROM cases WHERE case_id = $1', [caseId]);
    await dispatchCases(store, r.settings);
    // a: taken and locked by insp1; c: decided (confirmed), its job removed; b and d wait in the queue
    expect((await takeNextCase(store, r.settings, { inspector: 'insp1', config })).case_id).toBe(a);
    // d has a second alert (another rule)
    await insertAlerts(store, [{ alert_id: 'D2', fixmedins_code: await provider(d), detector_id: 'split_admission', family: 'admission', amount_at_risk: 10 }]);
    await updateCases(store, { runId: 'R2' });
    await dispatchCases(store, r.settings);
    await startReview(store, c, { actor: 'insp5' });
    await decideCase(store, c, { decision: 'confirmed', confirmed_amount: 4000 }, { actor: 'insp5' });
    expect(await completeCaseJob(store, r.settings, c)).toMatchObject({ done: true });
    const qb = new Queue(inspectionQueueName('421000'), { connection: { host: '127.0.0.1', port: 6379 }, prefix: r.settings.prefix });
    cleanups.push(() => qb.close());

    // the settlements behind a, b, c and one of d's two alerts were reversed
    await store.run(`UPDATE alerts SET status = 'withdrawn', status_reason = 'reversed' WHERE fixmedins_code IN ($1, $2, $3) OR alert_id = 'A421000-1'`, [
      await provider(a), await provider(b), await provider(c),
    ]);
    const s = await updateCases(store, { runId: 'R3', actor: 'nightly' });
    expect(s).toMatchObject({ cases_closed_withdrawn: 2, cases_marked_withdrawn: 1, cases_reinstated: 0 });
    expect(await store.all(`SELECT case_id, status, alert_count, closed_by FROM cases WHERE case_id IN ($1, $2, $3, $4) ORDER BY risk_score DESC, case_id`, [a, b, c, d]))
      .toEqual(expect.arrayContaining([
        { case_id: a, status: 'closed', alert_count: 0, closed_by: 'nightly' },
        { case_id: b, status: 'closed', alert_count: 0, closed_by: 'nightly' },
        { case_id: c, status: 'decided', alert_count: 0, closed_by: null },
        { case_id: d, status: 'new', alert_count: 1, closed_by: null },
      ]));
    const last = async (id: string) => store.one(`SELECT actor, action, from_status, to_status, reason FROM case_events WHERE case_id = $1 ORDER BY event_id DESC LIMIT 1`, [id]);
    expect(await last(a)).toEqual({ actor: 'nightly', action: 'withdrawn', from_status: 'assigned', to_status: 'closed', reason: '全部预警已撤回 all alerts withdrawn' });
    expect(await last(b)).toEqual({ actor: 'nightly', action: 'withdrawn', from_status: 'new', to_status: 'closed', reason: '全部预警已撤回 all alerts withdrawn' });
    expect(await last(c)).toMatchObject({ action: 'alerts_withdrawn', from_status: 'decided', to_status: 'decided' });
    // the same data again: nothing more
    expect(await updateCases(store, { runId: 'R4' })).toMatchObject({ cases_closed_withdrawn: 0, cases_marked_withdrawn: 0, cases_reinstated: 0 });
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM case_events WHERE action IN ('withdrawn', 'alerts_withdrawn')`)).toBe(3);

    // reconcile takes both closed cases out of Redis — a's job is still locked by insp1: completed with its token
    expect(await qb.getJobCounts('prioritized', 'active')).toEqual({ prioritized: 2, active: 1 });
    expect(await reconcileQueues(store, r.settings)).toMatchObject({ removed: 2, left_locked: 0, readded: 0 });
    expect(await qb.getJobCounts('prioritized', 'active', 'completed', 'failed')).toEqual({ prioritized: 1, active: 0, completed: 0, failed: 0 });
    expect(await store.scalar('SELECT queue_token FROM cases WHERE case_id = $1', [a])).toBeNull();
    await expect(startReview(store, a, { actor: 'insp1' })).rejects.toThrow(/case is closed/);
    expect((await takeNextCase(store, r.settings, { inspector: 'insp6', config })).case_id).toBe(d);

    // the reversal was itself corrected: b's alert is open again → b reopens and is dispatched
    await store.run(`UPDATE alerts SET status = 'open', status_reason = NULL WHERE fixmedins_code = $1`, [await provider(b)]);
    expect(await updateCases(store, { runId: 'R5' })).toMatchObject({ cases_reinstated: 1, cases_closed_withdrawn: 0 });
    expect(await last(b)).toMatchObject({ action: 'reopen', from_status: 'closed', to_status: 'new' });
    expect(await dispatchCases(store, r.settings)).toMatchObject({ dispatched: 1 });
    expect((await takeNextCase(store, r.settings, { inspector: 'insp6', config })).case_id).toBe(b);
  }, 60_000);
});
