import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { tempStore } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import type { Store } from '../../pipeline/store/store.ts';
import type { Role } from '../../pipeline/access/roles.ts';
import { addUser, createApiToken } from '../../pipeline/access/users.ts';
import { dispatchCases } from '../../pipeline/queue/dispatch.ts';
import { bearer, seedStore, testServer } from './seed.ts';

// Issue 12, defects 3 (region bypass), 4 (rejects unmasked and unaudited), 7 (web hygiene) and 8 (anyone may
// decide a case assigned to someone else), on the API. The CLI side of 8 is test/owner/owner-access.test.ts.
describe('trust: one access policy on the API', () => {
  let store: Store;
  let dir: string;
  let cleanup: () => void;
  let app: FastifyInstance;
  let tokens: Record<Role, string>;
  let cases: Record<string, string>;
  let passwords: Record<string, string>;
  let insp421: string;
  const redis = testRedis();
  const post = (url: string, body: unknown, token: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload: body as never, headers: { ...bearer(token), ...headers } });
  const login = async (name: string, password: string, remoteAddress = '10.0.0.1') =>
    app.inject({ method: 'POST', url: '/auth/login', payload: { name, password }, remoteAddress });

  beforeAll(async () => {
    const t = await tempStore();
    store = t.store;
    dir = t.dir;
    cleanup = t.cleanup;
    ({ tokens, cases, passwords } = await seedStore(store));
    await addUser(store, { name: 'insp421', role: 'inspector', region: '421000' }, 'test');
    insp421 = (await createApiToken(store, 'insp421', 'test', 'test')).token;
    app = await testServer(store, t.dir, redis.settings);
  });
  afterAll(async () => {
    await app?.close();
    cleanup();
    await redis.cleanup();
  });

  it('3: take-next with another region in the body is refused; the user\'s own region is used without one', async () => {
    expect((await dispatchCases(store, redis.settings)).redis_available).toBe(true);
    const other = await post('/api/v1/cases/take-next', { region: '422000' }, insp421);
    expect(other.statusCode).toBe(403);
    expect(other.json().message).toContain('422000');
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM case_events WHERE action = 'take'`)).toBe(0);
    const own = await post('/api/v1/cases/take-next', {}, insp421);
    expect(own.statusCode).toBe(200);
    expect(own.json().admdvs).toBe('421000');
    const inside = await post('/api/v1/cases/take-next', { region: '421000' }, insp421);
    expect([inside.json().case_id, inside.json().admdvs]).toEqual([expect.any(String), '421000']);
    expect(await store.all(`SELECT DISTINCT c.admdvs FROM case_events e JOIN cases c USING (case_id) WHERE e.action = 'take'`)).toEqual([{ admdvs: '421000' }]);
    // The taker can see and release what it took.
    for (const id of [own.json().case_id, inside.json().case_id]) {
      expect((await app.inject({ method: 'GET', url: `/api/v1/cases/${id}`, headers: bearer(insp421) })).statusCode).toBe(200);
      const rel = await post(`/api/v1/cases/${id}/transitions`, { action: 'release' }, insp421);
      expect(rel.json().queue).toEqual({ released: true });
    }
  });

  it('4: rejects are masked for everyone; supervisors may unmask, and that is audited', async () => {
    await store.run(`INSERT INTO batches (batch_id, source_dir, status, started_at) VALUES ('B1', '/x', 'loaded', now())`);
    await store.run(`INSERT INTO rejects (batch_id, table_name, file, row_number, field, reason_code, severity, message, raw, status) VALUES
      ('B1', 'psn_info', 'psn_info.csv', 3, 'brdy', 'bad_date', 'error', 'bad date', '{"psn_no":"P7","psn_name":"张三丰","certno":"110101199003074514","brdy":"x"}', 'final'),
      ('B1', 'psn_info', 'psn_info.csv', 4, NULL, 'bad_row', 'error', 'malformed', '{"csv_line":"P8,\\"李四,420102198501011234,1"}', 'final')`);
    const url = '/api/v1/batches/B1/rejects';
    for (const role of ['inspector', 'auditor', 'supervisor'] as Role[]) {
      const items = (await app.inject({ method: 'GET', url, headers: bearer(tokens[role]) })).json().items.map((r: { raw: string }) => JSON.parse(r.raw));
      expect(items).toEqual([
        { psn_no: 'P7', psn_name: '张**', certno: '110101********4514', brdy: 'x' },
        { csv_line: 'P8,"李*,420102********1234,1' },
      ]);
    }
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM audit_log WHERE action = 'unmasked_read'`)).toBe(0);
    for (const role of ['inspector', 'auditor'] as Role[]) {
      expect((await app.inject({ method: 'GET', url: `${url}?unmasked=true`, headers: bearer(tokens[role]) })).statusCode).toBe(403);
    }
    const full = (await app.inject({ method: 'GET', url: `${url}?unmasked=true`, headers: bearer(tokens.supervisor) })).json();
    expect(JSON.parse(full.items[0].raw).certno).toBe('110101199003074514');
    expect(await store.all(`SELECT actor, action, object_type, object_id FROM audit_log WHERE action = 'unmasked_read'`)).toEqual([
      { actor: 'super1', action: 'unmasked_read', object_type: 'batch', object_id: 'B1' },
    ]);
  });

  it('7: a foreign Origin or a missing CSRF token is refused for a cookie session; security headers are sent', async () => {
    const ok = await login('super1', passwords.super1);
    expect(ok.statusCode).toBe(200);
    const session = ok.cookies.find((c) => c.name === 'fw_session')!;
    expect(session.secure).toBeFalsy(); // plain HTTP and cookie_secure "auto"
    const csrf = ok.json().csrf_token as string;
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const boundary = '----fwtrust';
    const payload = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="psn_info.csv"\r\nContent-Type: text/csv\r\n\r\npsn_no\nP1\r\n--${boundary}--\r\n`;
    const upload = (headers: Record<string, string>) => app.inject({
      method: 'POST', url: '/api/v1/batches', payload, cookies: { fw_session: session.value },
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...headers },
    });
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox, { recursive: true });
    const before = readdirSync(inbox, { withFileTypes: true }).length;
    expect((await upload({ origin: 'http://evil.example', 'x-csrf-token': csrf })).statusCode).toBe(403);
    expect((await upload({})).statusCode).toBe(403); // no CSRF token
    expect((await upload({ 'x-csrf-token': 'forged' })).statusCode).toBe(403);
    expect(readdirSync(inbox, { withFileTypes: true }).length).toBe(before);
    expect((await upload({ origin: 'http://localhost:80', 'x-csrf-token': csrf })).statusCode).toBe(202);
    // Reads need no token; the token is also given by /api/v1/me to a console that reloads.
    const me = await app.inject({ method: 'GET', url: '/api/v1/me', cookies: { fw_session: session.value } });
    expect(me.json().csrf_token).toBe(csrf);
    // An API token is not a cookie: no CSRF token needed, but a foreign Origin is still refused.
    expect((await post(`/api/v1/cases/${cases.H1}/comments`, { text: '核对' }, tokens.inspector)).statusCode).toBe(201);
    expect((await post(`/api/v1/cases/${cases.H1}/comments`, { text: '核对' }, tokens.inspector, { origin: 'http://evil.example' })).statusCode).toBe(403);
    const headers = (await app.inject('/')).headers;
    expect(headers['content-security-policy']).toContain("default-src 'self'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('7: the secure cookie setting; behind a trusted HTTPS proxy "auto" sets Secure', async () => {
    const mk = (server: Record<string, unknown>) => testServer(store, dir, redis.settings, { config: { server } });
    for (const [server, headers, secure] of [
      [{ cookie_secure: true }, {}, true],
      [{ cookie_secure: false, trust_proxy: true }, { 'x-forwarded-proto': 'https' }, false],
      [{ trust_proxy: true }, { 'x-forwarded-proto': 'https' }, true],
    ] as const) {
      const a = await mk(server);
      try {
        const r = await a.inject({ method: 'POST', url: '/auth/login', payload: { name: 'audit1', password: passwords.audit1 }, headers });
        expect(Boolean(r.cookies.find((c) => c.name === 'fw_session')!.secure)).toBe(secure);
      } finally {
        await a.close();
      }
    }
  });

  it('7: logins are limited per account and per address, not for an office together', async () => {
    for (let i = 0; i < 11; i++) await addUser(store, { name: `office${i}`, role: 'inspector', password: `pw-office-${i}-long` }, 'test');
    const codes: number[] = [];
    for (let i = 0; i < 11; i++) codes.push((await login(`office${i}`, `pw-office-${i}-long`, '10.1.1.1')).statusCode);
    expect(codes).toEqual(Array(11).fill(200));
    // One account guessed from many addresses: locked after 5 failures, the right password too.
    const guesses: number[] = [];
    for (let i = 0; i < 6; i++) guesses.push((await login('office3', 'guess', `10.2.0.${i}`)).statusCode);
    expect(guesses).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await login('office3', 'pw-office-3-long', '10.2.0.9')).statusCode).toBe(429);
    expect((await login('office4', 'pw-office-4-long', '10.2.0.9')).statusCode).toBe(200);
    // One address trying many accounts: the per-address limit.
    const a = await testServer(store, dir, redis.settings, { loginLimits: { perAddress: 5 } });
    try {
      const byAddress: number[] = [];
      for (let i = 0; i < 6; i++) byAddress.push((await a.inject({ method: 'POST', url: '/auth/login', payload: { name: `nobody${i}`, password: 'x' }, remoteAddress: '10.3.3.3' })).statusCode);
      expect(byAddress).toEqual([401, 401, 401, 401, 401, 429]);
      expect((await a.inject({ method: 'POST', url: '/auth/login', payload: { name: 'office5', password: 'pw-office-5-long' }, remoteAddress: '10.3.3.4' })).statusCode).toBe(200);
    } finally {
      await a.close();
    }
  });

  it('8: only the assignee or a supervisor decides; four eyes needs two distinct people', async () => {
    const id = cases.P1;
    expect((await post(`/api/v1/cases/${id}/transitions`, { action: 'review' }, tokens.inspector)).statusCode).toBe(200);
    const decide = { action: 'decide', decision: 'confirmed', confirmed_amount: 60000, reason: '串换属实' };
    for (const role of ['expert'] as Role[]) {
      const r = await post(`/api/v1/cases/${id}/transitions`, decide, tokens[role]);
      expect(r.statusCode).toBe(403);
      expect(r.json().message).toContain('insp');
    }
    expect(await store.one('SELECT status, decision FROM cases WHERE case_id = $1', [id])).toEqual({ status: 'in_review', decision: null });
    expect((await post(`/api/v1/cases/${id}/transitions`, decide, tokens.inspector)).statusCode).toBe(200);
    // Above the four-eyes amount (50,000): not the inspector, and not a supervisor who decided it.
    const byInspector = await post(`/api/v1/cases/${id}/transitions`, { action: 'close' }, tokens.inspector);
    expect([byInspector.statusCode, byInspector.json().message]).toEqual([403, expect.stringContaining('four eyes')]);
    expect((await post(`/api/v1/cases/${id}/transitions`, { action: 'close', reason: '复核同意' }, tokens.supervisor)).statusCode).toBe(200);
    expect(await store.one('SELECT status, decided_by, closed_by FROM cases WHERE case_id = $1', [id])).toEqual({ status: 'closed', decided_by: 'insp', closed_by: 'super1' });
  });
});
