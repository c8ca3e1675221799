import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { tempStore } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import type { Store } from '../../pipeline/store/store.ts';
import type { Role } from '../../pipeline/access/roles.ts';
import { addUser, createApiToken } from '../../pipeline/access/users.ts';
import { bearer, seedStore, testServer } from './seed.ts';

describe('rankings API (pipeline/rank)', () => {
  let store: Store;
  let cleanup: () => void;
  let app: FastifyInstance;
  let tokens: Record<Role, string>;
  const redis = testRedis();
  const get = (url: string, token = tokens.inspector) => app.inject({ method: 'GET', url, headers: bearer(token) });

  beforeAll(async () => {
    const t = await tempStore();
    store = t.store;
    cleanup = t.cleanup;
    ({ tokens } = await seedStore(store));
    app = await testServer(store, t.dir, redis.settings);
  });
  afterAll(async () => {
    await app?.close();
    cleanup();
    await redis.cleanup();
  });

  it('ranks providers by the case score formula, with names; region filters by prefix', async () => {
    const res = await get('/api/v1/rankings?subject=provider');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.total).toBe(2); // A4 is a person alert: it names no provider
    // H1: billing violation (0.7) + 0.5·log10(1 + 150.5/1000) + 0.25·ln 2 → 36.36; H3: 0.7 + 0.5·log10(1.999) → 34.64
    expect(body.items.map((r: Record<string, unknown>) => [r.rank, r.fixmedins_code, r.fixmedins_name, r.admdvs, r.risk_score, r.alerts, r.amount_at_risk, r.families])).toEqual([
      [1, 'H1', '第一医院', '421000', 36.36, 2, 150.5, ['billing']],
      [2, 'H3', '第三医院', '422000', 34.64, 1, 999, ['billing']],
    ]);
    const region = (await get('/api/v1/rankings?subject=provider&region=4220')).json();
    expect(region.items.map((r: { fixmedins_code: string }) => r.fixmedins_code)).toEqual(['H3']);
    const page2 = (await get('/api/v1/rankings?limit=1&offset=1')).json();
    expect([page2.total, page2.items.map((r: { rank: number; fixmedins_code: string }) => [r.rank, r.fixmedins_code])]).toEqual([2, [[2, 'H3']]]);
    expect((await get('/api/v1/rankings?family=upcoding')).json().total).toBe(0);
    expect((await get('/api/v1/rankings?subject=physician')).json()).toMatchObject({ subject: 'physician', total: 0, items: [] });
  });

  it('a region-bound user sees only its region', async () => {
    await addUser(store, { name: 'insp421', role: 'inspector', region: '421000' }, 'test');
    const tok = (await createApiToken(store, 'insp421', null, 'test')).token;
    const body = (await get('/api/v1/rankings', tok)).json();
    expect(body.items.map((r: { fixmedins_code: string }) => r.fixmedins_code)).toEqual(['H1']);
    expect((await get('/api/v1/rankings?region=422000', tok)).json().total).toBe(0);
  });

  it('hostile input is refused with a clear 400', async () => {
    for (const q of ['subject=hospital', 'limit=100000', 'offset=-1', "region=42'%20OR%201=1", 'family=x;DROP%20TABLE%20alerts', 'sort=risk_score', 'subject[]=provider']) {
      const res = await get(`/api/v1/rankings?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().message, q).toMatch(/invalid request/);
    }
    expect(await store.scalar('SELECT count(*)::INTEGER FROM alerts')).toBe(4);
  });
});
