import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { tempStore } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import type { Store } from '../../pipeline/store/store.ts';
import { ROLES, type Role } from '../../pipeline/access/roles.ts';
import { bearer, seedStore, testServer } from './seed.ts';

const STAFF: Role[] = ['inspector', 'expert', 'supervisor', 'admin'];
const READERS: Role[] = [...STAFF, 'auditor'];
const MANAGERS: Role[] = ['supervisor', 'admin'];

// Every /api/v1 route with the roles allowed on it. Write requests name a case/referral that does not exist
// (or carry an empty body) so an allowed role gets a 4xx from the handler or validation, never a change.
const MATRIX: { method: 'GET' | 'POST'; url: string; body?: unknown; allowed: Role[] }[] = [
  { method: 'GET', url: '/api/v1/me', allowed: [...ROLES] },
  { method: 'GET', url: '/api/v1/status', allowed: [...ROLES] },
  { method: 'GET', url: '/api/v1/cases', allowed: READERS },
  { method: 'GET', url: '/api/v1/cases/NOPE', allowed: READERS },
  { method: 'POST', url: '/api/v1/cases/take-next', body: { region: 'x!' }, allowed: STAFF },
  { method: 'POST', url: '/api/v1/cases/NOPE/transitions', body: { action: 'review' }, allowed: STAFF },
  { method: 'POST', url: '/api/v1/cases/NOPE/comments', body: { text: 'x' }, allowed: STAFF },
  { method: 'POST', url: '/api/v1/cases/NOPE/snooze', body: { until: '2099-01-01' }, allowed: STAFF },
  { method: 'GET', url: '/api/v1/alerts', allowed: READERS },
  { method: 'GET', url: '/api/v1/alerts/A1', allowed: READERS },
  { method: 'GET', url: '/api/v1/detectors', allowed: READERS },
  { method: 'GET', url: '/api/v1/detectors/NOPE', allowed: READERS },
  { method: 'POST', url: '/api/v1/detectors/NOPE/backtest', body: {}, allowed: MANAGERS },
  { method: 'GET', url: '/api/v1/kb/versions', allowed: READERS },
  { method: 'GET', url: '/api/v1/runs', allowed: READERS },
  { method: 'GET', url: '/api/v1/runs/NOPE', allowed: READERS },
  { method: 'GET', url: '/api/v1/runs/NOPE/report', allowed: READERS },
  { method: 'POST', url: '/api/v1/runs', body: { bogus: 1 }, allowed: MANAGERS },
  { method: 'GET', url: '/api/v1/batches', allowed: READERS },
  { method: 'GET', url: '/api/v1/batches/NOPE', allowed: READERS },
  { method: 'GET', url: '/api/v1/batches/NOPE/rejects', allowed: READERS },
  { method: 'POST', url: '/api/v1/batches', body: {}, allowed: MANAGERS },
  { method: 'GET', url: '/api/v1/referrals', allowed: [...READERS, 'civil_affairs'] },
  { method: 'GET', url: '/api/v1/referrals/feed', allowed: ['civil_affairs', 'admin'] },
  { method: 'POST', url: '/api/v1/referrals/NOPE/outcome', body: { outcome: 'received' }, allowed: ['civil_affairs', 'admin'] },
  { method: 'GET', url: '/api/v1/dashboard', allowed: READERS },
  { method: 'GET', url: '/api/v1/institution/cases', allowed: ['institution'] },
  { method: 'GET', url: '/api/v1/institution/cases/NOPE', allowed: ['institution'] },
  { method: 'POST', url: '/api/v1/institution/cases/NOPE/appeals', body: {}, allowed: ['institution'] },
  { method: 'GET', url: '/api/v1/users', allowed: ['admin'] },
  { method: 'POST', url: '/api/v1/users', body: { name: 'x' }, allowed: ['admin'] },
  { method: 'POST', url: '/api/v1/users/NOPE/tokens', body: {}, allowed: ['admin'] },
  { method: 'GET', url: '/api/v1/audit', allowed: ['admin', 'auditor', 'supervisor'] },
  { method: 'GET', url: '/api/v1/rankings?subject=physician', allowed: READERS },
];

describe('role matrix: every role × every /api/v1 route', () => {
  let store: Store;
  let cleanup: () => void;
  let app: FastifyInstance;
  let tokens: Record<Role, string>;
  const redis = testRedis();

  beforeAll(async () => {
    const t = await tempStore();
    store = t.store;
    cleanup = t.cleanup;
    tokens = (await seedStore(store)).tokens;
    app = await testServer(store, t.dir, redis.settings);
  });
  afterAll(async () => {
    await app?.close();
    cleanup();
    await redis.cleanup();
  });

  it('anonymous requests get 401 on every route', async () => {
    for (const r of MATRIX) {
      const res = await app.inject({ method: r.method, url: r.url, payload: r.body as never });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
    }
  });

  it('the matrix names every /api/v1 route of the OpenAPI document (a new route must be added here)', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).filter(([p]) => p.startsWith('/api/v1/'))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{[^}]+\}/g, ':id')}`)).sort();
    const inMatrix = [...new Set(MATRIX.map((r) => `${r.method} ${r.url.split('?')[0]!.replace(/NOPE|A1/g, ':id')}`))].sort();
    expect(inMatrix).toEqual(documented);
  });

  it('every GET route refuses an unknown query parameter with a clear 400', async () => {
    for (const r of MATRIX.filter((m) => m.method === 'GET')) {
      const url = `${r.url}${r.url.includes('?') ? '&' : '?'}bogus=1`;
      const res = await app.inject({ method: 'GET', url, headers: bearer(tokens[r.allowed.includes('admin') ? 'admin' : r.allowed[0]!]) });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().message, url).toMatch(/请求参数无效 invalid request/);
    }
  });

  it('a wrong or revoked token is anonymous (401)', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/cases', headers: bearer('fw_nope_nope') });
    expect(res.statusCode).toBe(401);
  });

  it('each role is allowed exactly its routes, 403 elsewhere, and nothing changes', async () => {
    const before = await snapshot(store);
    const outcome: string[] = [];
    for (const role of ROLES) {
      for (const r of MATRIX) {
        const res = await app.inject({ method: r.method, url: r.url, payload: r.body as never, headers: bearer(tokens[role]) });
        const allowed = r.allowed.includes(role);
        outcome.push(`${role} ${r.method} ${r.url} → ${allowed ? 'allowed' : 'forbidden'}`);
        if (allowed) expect([401, 403], `${role} ${r.method} ${r.url} (${res.body})`).not.toContain(res.statusCode);
        else expect(res.statusCode, `${role} ${r.method} ${r.url}`).toBe(403);
        expect(res.statusCode, `${role} ${r.method} ${r.url}: ${res.body}`).toBeLessThan(500);
      }
    }
    expect(outcome).toHaveLength(ROLES.length * MATRIX.length);
    expect(await snapshot(store)).toEqual(before);
  });
});

/** Everything the API could change, except the audit log (reads of the feed are audited by design). */
async function snapshot(store: Store): Promise<unknown> {
  return {
    cases: await store.all('SELECT case_id, status, assignee, decision FROM cases ORDER BY case_id'),
    events: await store.scalar('SELECT count(*)::INTEGER FROM case_events'),
    snoozes: await store.scalar('SELECT count(*)::INTEGER FROM case_snoozes'),
    outcomes: await store.scalar('SELECT count(*)::INTEGER FROM referral_outcomes'),
    users: await store.scalar('SELECT count(*)::INTEGER FROM users'),
    tokens: await store.scalar('SELECT count(*)::INTEGER FROM api_tokens'),
    appeals: await store.scalar('SELECT count(*)::INTEGER FROM appeals'),
    runs: await store.scalar('SELECT count(*)::INTEGER FROM runs'),
  };
}
