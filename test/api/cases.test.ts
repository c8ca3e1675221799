import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { tempStore } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import type { Store } from '../../pipeline/store/store.ts';
import type { Role } from '../../pipeline/access/roles.ts';
import { addUser, createApiToken } from '../../pipeline/access/users.ts';
import { dispatchCases } from '../../pipeline/queue/dispatch.ts';
import { bearer, seedStore, testServer } from './seed.ts';

describe('cases API', () => {
  let store: Store;
  let cleanup: () => void;
  let app: FastifyInstance;
  let tokens: Record<Role, string>;
  let cases: Record<string, string>;
  const redis = testRedis();
  const get = (url: string, role: Role = 'inspector') => app.inject({ method: 'GET', url, headers: bearer(tokens[role]) });
  const post = (url: string, body: unknown, role: Role = 'inspector') => app.inject({ method: 'POST', url, payload: body as never, headers: bearer(tokens[role]) });

  beforeAll(async () => {
    const t = await tempStore();
    store = t.store;
    cleanup = t.cleanup;
    ({ tokens, cases } = await seedStore(store));
    app = await testServer(store, t.dir, redis.settings);
  });
  afterAll(async () => {
    await app?.close();
    cleanup();
    await redis.cleanup();
  });

  it('lists cases sorted by amount with exact rows, filters and pagination', async () => {
    const res = await get('/api/v1/cases?sort=amount_at_risk&order=desc');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.total).toBe(3);
    expect(body.items.map((c: { case_id: string; amount_at_risk: number; admdvs: string }) => [c.case_id, c.amount_at_risk, c.admdvs])).toEqual([
      [cases.H3, 999, '422000'],
      [cases.H1, 150.5, '421000'],
      [cases.P1, 45, '421000'],
    ]);
    const page2 = (await get('/api/v1/cases?sort=amount_at_risk&order=desc&limit=1&offset=1')).json();
    expect(page2.items.map((c: { case_id: string }) => c.case_id)).toEqual([cases.H1]);
    const region = (await get('/api/v1/cases?region=421000&subject_type=person')).json();
    expect(region.items.map((c: { case_id: string }) => c.case_id)).toEqual([cases.P1]);
    const statusRes = await get('/api/v1/cases?status=new&status=decided&sort=case_id&order=asc');
    expect(statusRes.statusCode).toBe(200);
    const status = statusRes.json();
    expect(status.total).toBe(3);
  });

  it('a region-bound inspector sees only the cases of its region', async () => {
    await addUser(store, { name: 'insp422', role: 'inspector', region: '422000' }, 'test');
    const tok = (await createApiToken(store, 'insp422', null, 'test')).token;
    const list = (await app.inject({ method: 'GET', url: '/api/v1/cases', headers: bearer(tok) })).json();
    expect(list.items.map((c: { case_id: string }) => c.case_id)).toEqual([cases.H3]);
    const other = await app.inject({ method: 'GET', url: `/api/v1/cases/${cases.H1}`, headers: bearer(tok) });
    expect(other.statusCode).toBe(404);
  });

  it('case detail: evidence with offending lines, masked person, visit timeline, peers, events', async () => {
    const res = await get(`/api/v1/cases/${cases.H1}`);
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.case.amount_at_risk).toBe(150.5);
    expect(d.alerts.map((a: { alert_id: string }) => a.alert_id)).toEqual(['A1', 'A2']);
    expect(d.evidence.map((e: { feedetl_sn: string; offending: boolean; det_item_fee_sumamt: number }) => [e.feedetl_sn, e.offending, e.det_item_fee_sumamt])).toEqual([
      ['F1', true, 120],
      ['F2', true, 30.5],
      ['F6', false, 8],
    ]);
    expect(d.person).toBeNull(); // provider alerts without a person
    expect(d.peers.fixmedins_code).toBe('H1');
    expect(d.peers.peers.map((p: { fixmedins_code: string; avg_cost: number; is_subject: boolean }) => [p.fixmedins_code, p.avg_cost, p.is_subject])).toEqual([
      ['H1', 158.5, true],
      ['H2', 50, false],
    ]);
    expect(d.events.map((e: { action: string }) => e.action)).toEqual(['open']);
    expect(d.sla.days).toBe(10);

    const person = (await get(`/api/v1/cases/${cases.P1}`)).json();
    expect(person.person).toMatchObject({ psn_no: 'P1', psn_name_masked: '张**', certno_masked: '110101********4514', masked: true });
    expect(person.person.psn_name).toBeUndefined();
    expect(person.person.certno).toBeUndefined();
    expect(person.visits.map((v: { mdtrt_id: string; flagged: boolean; medfee_sumamt: number }) => [v.mdtrt_id, v.flagged, v.medfee_sumamt])).toEqual([
      ['V2', true, 50],
      ['V1', false, 158.5],
    ]);
  });

  it('unmasked identity only for staff, and every unmasked read is audited', async () => {
    const denied = await get(`/api/v1/cases/${cases.P1}?unmasked=true`, 'auditor');
    expect(denied.statusCode).toBe(403);
    const before = await store.scalar<number>(`SELECT count(*)::INTEGER FROM audit_log WHERE action = 'unmasked_read'`);
    const res = (await get(`/api/v1/cases/${cases.P1}?unmasked=true`)).json();
    expect(res.person).toMatchObject({ psn_name: '张三丰', certno: '110101199003074514', masked: false });
    const audit = await store.all(`SELECT actor, object_type, object_id, detail->>'case_id' AS case_id FROM audit_log WHERE action = 'unmasked_read'`);
    expect(audit).toHaveLength(before + 1);
    expect(audit.at(-1)).toEqual({ actor: 'insp', object_type: 'person', object_id: 'P1', case_id: cases.P1 });
  });

  it('take next (real Redis): review, decide, close — events and four eyes', async () => {
    await dispatchCases(store, redis.settings);
    const take = await post('/api/v1/cases/take-next', { region: '421000' });
    expect(take.statusCode).toBe(200);
    const taken = take.json();
    expect(taken.case_id).toBe(cases.H1); // highest risk in 421000
    expect((await store.one('SELECT status, assignee FROM cases WHERE case_id = $1', [cases.H1]))).toEqual({ status: 'assigned', assignee: 'insp' });

    expect((await post(`/api/v1/cases/${cases.H1}/transitions`, { action: 'decide', decision: 'false_alarm' })).statusCode).toBe(409);
    expect((await post(`/api/v1/cases/${cases.H1}/transitions`, { action: 'review' })).statusCode).toBe(200);
    const noAmount = await post(`/api/v1/cases/${cases.H1}/transitions`, { action: 'decide', decision: 'confirmed' });
    expect(noAmount.statusCode).toBe(409);
    const decided = await post(`/api/v1/cases/${cases.H1}/transitions`, { action: 'decide', decision: 'confirmed', confirmed_amount: 150.5, reason: '违规属实' });
    expect(decided.statusCode).toBe(200);
    expect(decided.json().case).toMatchObject({ status: 'decided', decision: 'confirmed', confirmed_amount: 150.5, decided_by: 'insp' });
    expect(decided.json().queue.done).toBe(true);
    expect((await post(`/api/v1/cases/${cases.H1}/comments`, { text: '已通知机构' })).statusCode).toBe(201);
    expect((await post(`/api/v1/cases/${cases.H1}/transitions`, { action: 'close' }, 'supervisor')).statusCode).toBe(200);
    const events = (await get(`/api/v1/cases/${cases.H1}`)).json().events.map((e: { action: string; actor: string }) => `${e.action}:${e.actor}`);
    expect(events).toEqual(['open:pipeline', 'take:insp', 'review:insp', 'decide:insp', 'comment:insp', 'close:super1']);
  });

  it('only supervisors assign; snooze needs a future date and is recorded', async () => {
    expect((await post(`/api/v1/cases/${cases.P1}/transitions`, { action: 'assign', assignee: 'insp' })).statusCode).toBe(403);
    expect((await post(`/api/v1/cases/${cases.P1}/transitions`, { action: 'assign', assignee: 'insp' }, 'supervisor')).statusCode).toBe(200);
    expect((await post(`/api/v1/cases/${cases.P1}/snooze`, { until: '2020-01-01' })).statusCode).toBe(400);
    expect((await post(`/api/v1/cases/${cases.P1}/snooze`, { until: '2099-01-01', reason: '等待机构材料' })).statusCode).toBe(201);
    const d = (await get(`/api/v1/cases/${cases.P1}`)).json();
    expect(d.snooze).toMatchObject({ until: '2099-01-01', reason: '等待机构材料', actor: 'insp' });
    expect(d.events.map((e: { action: string }) => e.action)).toEqual(['open', 'assign', 'snooze']);
  });
});
