import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testRedis } from '../queue/redis-test.ts';
import { bearer, testServer } from './seed.ts';
import * as S from '../interfaces/shapes.ts';
import * as S2 from '../interfaces/shapes-2026-12.ts';
import { decidedHistory, JAN, SHADOW } from '../detectors/framework/shadowFixture.ts';
import { storeWithRealKb } from '../detectors/billing/kbStore.ts';
import { runDetection } from '../../pipeline/detect/engine.ts';
import { addUser, createApiToken } from '../../pipeline/access/users.ts';
import { dirname } from 'node:path';
import type { Store } from '../../pipeline/store/store.ts';

/**
 * GET /api/v1/detectors/{id} (shadow mode and precision) and POST /api/v1/detectors/{id}/backtest, and the shadow
 * alerts kept out of the dashboard. kp_sex_limit runs in shadow over visits whose lines inspectors decided under a
 * retired rule (shadowFixture.ts).
 */
describe('detector page API', () => {
  let store: Store;
  let cleanup: () => void;
  let app: FastifyInstance;
  const tokens: Record<string, string> = {};
  const redis = testRedis();

  beforeAll(async () => {
    ({ store, cleanup } = await storeWithRealKb());
    await decidedHistory(store);
    await runDetection(store, { ...JAN, detectors: ['kp_sex_limit'], config: SHADOW });
    for (const [name, role, region] of [['insp', 'inspector', null], ['super1', 'supervisor', null], ['super-other', 'supervisor', '429900']] as const) {
      await addUser(store, { name, role, ...(region ? { region } : {}) }, 'test');
      tokens[name] = (await createApiToken(store, name, 'test', 'test')).token;
    }
    app = await testServer(store, dirname(store.path), redis.settings, { config: SHADOW });
  });
  afterAll(async () => {
    await app?.close();
    cleanup();
    await redis.cleanup();
  });

  const get = (url: string, who = 'insp') => app.inject({ method: 'GET', url, headers: bearer(tokens[who]!) });
  const post = (url: string, body: unknown, who = 'super1') => app.inject({ method: 'POST', url, payload: body as never, headers: bearer(tokens[who]!) });

  it('one detector: shadow mode with its precision, the shadow alerts with their sentence, alerts by status', async () => {
    const res = await get('/api/v1/detectors/kp_sex_limit');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(S.check(S2.detector, { ...body.detector, params: Object.fromEntries(Object.entries(body.detector.params as object)) })).toEqual([]);
    expect(body.detector).toMatchObject({ detector_id: 'kp_sex_limit', shadow: true, shadow_until: null,
      shadow_precision: { alerts: 3, amount_at_risk: 400, confirmed: 1, false_alarm: 1, precision: 0.5 } });
    expect(body.alerts_by_status).toEqual({ shadow: { alerts: 3, amount_at_risk: 400 } });
    expect(body.shadow_alerts.map((a: { mdtrt_id: string; coincides_with: string | null }) => [a.mdtrt_id, a.coincides_with]))
      .toEqual([['V2', 'false_alarm'], ['V1', 'confirmed'], ['V3', null]]);
    expect(body.shadow_alerts.flatMap((a: unknown, i: number) => S.check(S2.alert, { ...(a as object), status: 'open' }, `shadow_alerts[${i}]`))).toEqual([]);
    expect(body.can_backtest).toBe(false);
    expect((await get('/api/v1/detectors/kp_sex_limit', 'super1')).json().can_backtest).toBe(true);
    expect((await get('/api/v1/detectors/no_such_rule')).statusCode).toBe(404);
    // A supervisor bound to another region sees none of them.
    expect((await get('/api/v1/detectors/kp_sex_limit', 'super-other')).json().detector.shadow_precision).toMatchObject({ alerts: 0 });
  });

  it('alerts carry explanation_zh; shadow alerts stay out of the dashboard totals', async () => {
    const a = (await get('/api/v1/alerts/L1')).json();
    expect(a.explanation_zh).toBe('旧规则，金额 10.00 元');
    const d = (await get('/api/v1/dashboard')).json();
    expect(d.totals).toEqual({ open_alerts: 3, amount_at_risk: 30, detectors_firing: 1 });
    expect(d.by_detector.map((x: { detector_id: string }) => x.detector_id)).toEqual(['legacy_rule']);
  });

  it('backtest: supervisors only, the interfaces.md shape, bad parameters are 400 naming them', async () => {
    const url = '/api/v1/detectors/kp_child_limit/backtest';
    expect((await post(url, { params: { child_max_age: 19 } }, 'insp')).statusCode).toBe(403);
    const res = await post(url, { params: { child_max_age: 19 }, ...JAN });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(S.check(S2.backtestResult, r)).toEqual([]);
    // Children up to 19: the 18-year-old's crown is no longer a violation.
    expect(r).toMatchObject({ params_current: { child_max_age: 18 }, params_trial: { child_max_age: 19 }, alerts_current: 1, alerts_trial: 0, added: 0, removed: 1, unchanged: 0 });
    expect(r.removed_examples.map((a: { mdtrt_id: string; explanation_zh: string }) => [a.mdtrt_id, a.explanation_zh])).toEqual([
      ['VC', '参保人收费时年龄 18 周岁，"儿童前牙树脂冠修复"限儿童（未满 18 周岁）使用；2026-01-05 收费 1 次，金额 300.00 元'],
    ]);
    const bad = await post(url, { params: { child_max_ages: 19 } });
    expect([bad.statusCode, bad.json().message]).toEqual([400, expect.stringContaining('params.child_max_ages')]);
    expect((await post(url, { params: { child_max_age: 'nineteen' } })).json().message).toContain('params.child_max_age');
    expect((await post(url, { params: {}, bogus: 1 })).statusCode).toBe(400);
    expect((await post('/api/v1/detectors/no_such_rule/backtest', {})).statusCode).toBe(404);
    expect((await post(url, { params: { child_max_age: 19 } }, 'super-other')).json()).toMatchObject({ alerts_current: 0, alerts_trial: 0 });
  });
});
