import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { tempStore } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import type { Store } from '../../pipeline/store/store.ts';
import type { Role } from '../../pipeline/access/roles.ts';
import { bearer, seedStore, testServer } from './seed.ts';

function multipart(parts: { name: string; filename?: string; content: string | Buffer; type?: string }[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----fwtest' + Math.random().toString(16).slice(2);
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n${p.filename ? `Content-Type: ${p.type ?? 'application/octet-stream'}\r\n` : ''}\r\n`));
    chunks.push(Buffer.isBuffer(p.content) ? p.content : Buffer.from(p.content));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe('access, hostile input, referrals, institution, admin, system routes', () => {
  let store: Store;
  let dir: string;
  let cleanup: () => void;
  let app: FastifyInstance;
  let tokens: Record<Role, string>;
  let cases: Record<string, string>;
  let passwords: Record<string, string>;
  const redis = testRedis();
  const get = (url: string, role: Role = 'inspector') => app.inject({ method: 'GET', url, headers: bearer(tokens[role]) });
  const post = (url: string, body: unknown, role: Role = 'inspector') => app.inject({ method: 'POST', url, payload: body as never, headers: bearer(tokens[role]) });

  beforeAll(async () => {
    const t = await tempStore();
    store = t.store;
    dir = t.dir;
    cleanup = t.cleanup;
    ({ tokens, cases, passwords } = await seedStore(store));
    app = await testServer(store, t.dir, redis.settings, { loginLimits: { perAccount: 3 }, localToken: 'local-secret-token' });
  });
  afterAll(async () => {
    await app?.close();
    cleanup();
    await redis.cleanup();
  });

  it('password login sets a session cookie; wrong passwords are audited and limited per account', async () => {
    const bad = await app.inject({ method: 'POST', url: '/auth/login', payload: { name: 'insp', password: 'wrong' } });
    expect(bad.statusCode).toBe(401);
    const ok = await app.inject({ method: 'POST', url: '/auth/login', payload: { name: 'insp', password: passwords.insp } });
    expect(ok.statusCode).toBe(200);
    const cookie = ok.cookies.find((c) => c.name === 'fw_session')!;
    expect(cookie.httpOnly).toBe(true);
    const me = await app.inject({ method: 'GET', url: '/api/v1/me', cookies: { fw_session: cookie.value } });
    expect(me.json().user).toMatchObject({ user_id: 'insp', role: 'inspector' });
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM sessions WHERE session_hash = $1`, [cookie.value])).toBe(0); // only the hash is stored
    const audit = await store.all(`SELECT actor, action FROM audit_log WHERE action IN ('login', 'login_failed') ORDER BY "at"`);
    expect(audit).toEqual([{ actor: 'insp', action: 'login_failed' }, { actor: 'insp', action: 'login' }]);
    // A success clears the account's failures; three more and the account is locked, the right password included.
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await app.inject({ method: 'POST', url: '/auth/login', payload: { name: 'insp', password: 'x' } })).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
    expect((await app.inject({ method: 'POST', url: '/auth/login', payload: { name: 'insp', password: passwords.insp } })).statusCode).toBe(429);
    await app.inject({ method: 'POST', url: '/auth/logout', cookies: { fw_session: cookie.value }, headers: { 'x-csrf-token': ok.json().csrf_token } });
    expect((await app.inject({ method: 'GET', url: '/api/v1/me', cookies: { fw_session: cookie.value } })).statusCode).toBe(401);
  });

  it('hostile input: clear 4xx and nothing changed', async () => {
    const before = await store.all('SELECT case_id, status, assignee FROM cases ORDER BY case_id');
    const eventsBefore = await store.scalar('SELECT count(*)::INTEGER FROM case_events');
    const attempts: [string, Awaited<ReturnType<typeof get>>][] = [
      ['sort injection', await get(`/api/v1/cases?sort=${encodeURIComponent('risk_score; DROP TABLE cases')}`)],
      ['status injection', await get(`/api/v1/cases?status=${encodeURIComponent("new' OR '1'='1")}`)],
      ['region injection', await get(`/api/v1/cases?region=${encodeURIComponent("4210' OR 1=1 --")}`)],
      ['unknown filter', await get('/api/v1/cases?psn_name=张')],
      ['bad type', await get('/api/v1/cases?limit=abc')],
      ['limit too large', await get('/api/v1/cases?limit=100000')],
      ['negative offset', await get('/api/v1/cases?offset=-1')],
      ['id injection', await get(`/api/v1/cases/${encodeURIComponent("x' OR '1'='1")}`)],
      ['transition bad action', await post(`/api/v1/cases/${cases.H1}/transitions`, { action: 'delete' })],
      ['transition extra field', await post(`/api/v1/cases/${cases.H1}/transitions`, { action: 'review', status: 'closed' })],
      ['amount as string', await post(`/api/v1/cases/${cases.H1}/transitions`, { action: 'decide', decision: 'confirmed', confirmed_amount: 'lots' })],
      ['negative amount', await post(`/api/v1/cases/${cases.H1}/transitions`, { action: 'decide', decision: 'confirmed', confirmed_amount: -5 })],
      ['comment too long', await post(`/api/v1/cases/${cases.H1}/comments`, { text: 'x'.repeat(5000) })],
      ['comment wrong type', await post(`/api/v1/cases/${cases.H1}/comments`, { text: { $ne: 1 } })],
      ['not json', await app.inject({ method: 'POST', url: `/api/v1/cases/${cases.H1}/comments`, payload: '{"text": ', headers: { ...bearer(tokens.inspector), 'content-type': 'application/json' } })],
      ['oversized body', await app.inject({ method: 'POST', url: `/api/v1/cases/${cases.H1}/comments`, payload: JSON.stringify({ text: 'x'.repeat(2_000_000) }), headers: { ...bearer(tokens.inspector), 'content-type': 'application/json' } })],
    ];
    const codes = Object.fromEntries(attempts.map(([name, res]) => [name, res.statusCode]));
    expect(codes).toEqual({
      'sort injection': 400, 'status injection': 400, 'region injection': 400, 'unknown filter': 400, 'bad type': 400, 'limit too large': 400,
      'negative offset': 400, 'id injection': 400, 'transition bad action': 400, 'transition extra field': 400, 'amount as string': 400,
      'negative amount': 400, 'comment too long': 400, 'comment wrong type': 400, 'not json': 400, 'oversized body': 413,
    });
    for (const [, res] of attempts) expect(res.json().message).toBeTruthy();
    expect(await store.all('SELECT case_id, status, assignee FROM cases ORDER BY case_id')).toEqual(before);
    expect(await store.scalar('SELECT count(*)::INTEGER FROM case_events')).toBe(eventsBefore);
    expect(await store.scalar('SELECT count(*)::INTEGER FROM cases')).toBe(3);
  });

  it('civil affairs sees only its region; outcomes and unmasked reads are audited', async () => {
    const ca = (await get('/api/v1/referrals', 'civil_affairs')).json();
    expect(ca.items.map((r: { referral_id: string; psn_name_masked: string; certno_masked: string }) => [r.referral_id, r.psn_name_masked, r.certno_masked])).toEqual([
      ['RF1', '张**', '110101********4514'],
    ]);
    expect(ca.items[0].certno).toBeUndefined();
    const all = (await get('/api/v1/referrals', 'auditor')).json();
    expect(all.items.map((r: { referral_id: string }) => r.referral_id).sort()).toEqual(['RF1', 'RF2']);
    expect((await post('/api/v1/referrals/RF2/outcome', { outcome: 'received' }, 'civil_affairs')).statusCode).toBe(404);
    expect((await post('/api/v1/referrals/RF1/outcome', { outcome: 'bogus' }, 'civil_affairs')).statusCode).toBe(400);
    expect((await post('/api/v1/referrals/RF1/outcome', { outcome: 'received', note: '已接收' }, 'civil_affairs')).statusCode).toBe(201);
    expect(await store.all('SELECT referral_id, department_id, outcome, actor FROM referral_outcomes')).toEqual([
      { referral_id: 'RF1', department_id: 'civil_affairs-421000', outcome: 'received', actor: 'civil421' },
    ]);
    const feed = (await get('/api/v1/referrals/feed', 'civil_affairs')).json();
    expect(feed.items.map((r: { referral_id: string; certno: string; outcome: string }) => [r.referral_id, r.certno, r.outcome])).toEqual([['RF1', '110101199003074514', 'received']]);
    const unmasked = (await get('/api/v1/referrals?unmasked=true', 'civil_affairs')).json();
    expect(unmasked.items[0].psn_name).toBe('张三丰');
    expect((await get('/api/v1/referrals?unmasked=true', 'auditor')).statusCode).toBe(403);
    const audit = await store.all(`SELECT actor, action FROM audit_log WHERE action IN ('referral_outcome', 'referral_feed_pull', 'unmasked_read') ORDER BY "at"`);
    expect(audit).toEqual([
      { actor: 'civil421', action: 'referral_outcome' },
      { actor: 'civil421', action: 'referral_feed_pull' },
      { actor: 'civil421', action: 'unmasked_read' },
    ]);
  });

  it('institution sees only its own decided cases and appeals with attachments before the deadline', async () => {
    expect((await get('/api/v1/institution/cases', 'institution')).json().items).toEqual([]);
    for (const body of [{ action: 'review' }, { action: 'decide', decision: 'confirmed', confirmed_amount: 120, reason: '查实' }]) {
      expect((await post(`/api/v1/cases/${cases.H1}/transitions`, body)).statusCode).toBe(200);
    }
    const list = (await get('/api/v1/institution/cases', 'institution')).json().items;
    expect(list.map((c: { case_id: string; confirmed_amount: number; can_appeal: boolean }) => [c.case_id, c.confirmed_amount, c.can_appeal])).toEqual([[cases.H1, 120, true]]);
    expect((await get(`/api/v1/institution/cases/${cases.H3}`, 'institution')).statusCode).toBe(404);
    const detail = (await get(`/api/v1/institution/cases/${cases.H1}`, 'institution')).json();
    expect(detail.findings.map((f: { alert_id: string; amount_at_risk: number }) => [f.alert_id, f.amount_at_risk])).toEqual([['A1', 120], ['A2', 30.5]]);
    const noReason = multipart([{ name: 'file', filename: '说明.pdf', content: '%PDF-1.4 test' }]);
    expect((await app.inject({ method: 'POST', url: `/api/v1/institution/cases/${cases.H1}/appeals`, payload: noReason.payload, headers: { ...noReason.headers, ...bearer(tokens.institution) } })).statusCode).toBe(400);
    const m = multipart([{ name: 'reason', content: '该项目有医嘱，属合理收费' }, { name: 'file', filename: '医嘱.pdf', content: '%PDF-1.4 evidence', type: 'application/pdf' }]);
    const res = await app.inject({ method: 'POST', url: `/api/v1/institution/cases/${cases.H1}/appeals`, payload: m.payload, headers: { ...m.headers, ...bearer(tokens.institution) } });
    expect(res.statusCode).toBe(201);
    expect(res.json().attachments).toEqual([{ file_name: '医嘱.pdf', size_bytes: 17 }]);
    expect(await store.one('SELECT status FROM cases WHERE case_id = $1', [cases.H1])).toEqual({ status: 'appeal' });
    expect(await store.one('SELECT file_name, size_bytes, octet_length(content)::INTEGER AS n FROM appeal_attachments')).toEqual({ file_name: '医嘱.pdf', size_bytes: 17, n: 17 });
    // A second appeal while the case is in appeal is refused, nothing added.
    const again = await app.inject({ method: 'POST', url: `/api/v1/institution/cases/${cases.H1}/appeals`, payload: m.payload, headers: { ...m.headers, ...bearer(tokens.institution) } });
    expect(again.statusCode).toBe(409);
    expect(await store.scalar('SELECT count(*)::INTEGER FROM appeals')).toBe(1);
  });

  it('batch upload writes a complete inbox directory; bad names are refused', async () => {
    const bad = multipart([{ name: 'file', filename: '../../etc/passwd.csv', content: 'x' }]);
    const badRes = await app.inject({ method: 'POST', url: '/api/v1/batches', payload: bad.payload, headers: { ...bad.headers, ...bearer(tokens.admin) } });
    expect(badRes.statusCode).toBe(202); // basename() strips the path: it lands as passwd.csv inside the new inbox dir
    expect(readdirSync(badRes.json().dir)).toEqual(['_SUCCESS', 'passwd.csv']);
    const hidden = multipart([{ name: 'file', filename: '_truth.csv', content: 'x' }]);
    expect((await app.inject({ method: 'POST', url: '/api/v1/batches', payload: hidden.payload, headers: { ...hidden.headers, ...bearer(tokens.admin) } })).statusCode).toBe(400);
    const m = multipart([{ name: 'file', filename: 'psn_info.csv', content: 'psn_no,psn_name\nP9,王五\n' }]);
    const res = await app.inject({ method: 'POST', url: '/api/v1/batches', payload: m.payload, headers: { ...m.headers, ...bearer(tokens.supervisor) } });
    expect(res.statusCode).toBe(202);
    const up = res.json().dir as string;
    expect(readdirSync(up).sort()).toEqual(['_SUCCESS', 'psn_info.csv']);
    expect(readFileSync(join(up, 'psn_info.csv'), 'utf8')).toBe('psn_no,psn_name\nP9,王五\n');
    expect(readdirSync(join(dir, 'inbox')).filter((n) => n.startsWith('.'))).toEqual([]); // no half-written temp dirs
    expect(existsSync(join(dir, 'etc'))).toBe(false);
  });

  it('batch upload of a .tar.gz: unpacked and flattened, _ entries skipped; a foreign file refuses the whole upload', async () => {
    const src = join(dir, 'arch-src');
    mkdirSync(join(src, 'city', '_truth'), { recursive: true });
    writeFileSync(join(src, 'city', 'psn_info.csv'), 'psn_no,psn_name\nP8,赵六\n');
    writeFileSync(join(src, 'city', 'fee_list_d.part1.csv'), 'feedetl_sn\nF99\n');
    writeFileSync(join(src, 'city', '_SUCCESS'), '');
    writeFileSync(join(src, 'city', '_truth', 'truth.csv'), 'x');
    execFileSync('tar', ['-czf', join(dir, 'city.tar.gz'), '-C', src, 'city']);
    const m = multipart([{ name: 'file', filename: 'city.tar.gz', content: readFileSync(join(dir, 'city.tar.gz')) }]);
    const res = await app.inject({ method: 'POST', url: '/api/v1/batches', payload: m.payload, headers: { ...m.headers, ...bearer(tokens.admin) } });
    expect(res.statusCode, res.body).toBe(202);
    const up = res.json().dir as string;
    expect(readdirSync(up).sort()).toEqual(['_SUCCESS', 'fee_list_d.part1.csv', 'psn_info.csv']);
    expect(readFileSync(join(up, 'psn_info.csv'), 'utf8')).toBe('psn_no,psn_name\nP8,赵六\n');
    expect(res.json().files.map((f: { file: string }) => f.file)).toEqual(['fee_list_d.part1.csv', 'psn_info.csv']);

    writeFileSync(join(src, 'city', 'run.sh'), 'rm -rf /');
    execFileSync('tar', ['-czf', join(dir, 'evil.tar.gz'), '-C', src, 'city']);
    const before = readdirSync(join(dir, 'inbox')).sort();
    const e = multipart([{ name: 'file', filename: 'evil.tar.gz', content: readFileSync(join(dir, 'evil.tar.gz')) }]);
    const bad = await app.inject({ method: 'POST', url: '/api/v1/batches', payload: e.payload, headers: { ...e.headers, ...bearer(tokens.admin) } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('city/run.sh');
    expect(readdirSync(join(dir, 'inbox')).sort()).toEqual(before); // nothing left behind
    const notTar = multipart([{ name: 'file', filename: 'x.tar', content: 'not a tar' }]);
    expect((await app.inject({ method: 'POST', url: '/api/v1/batches', payload: notTar.payload, headers: { ...notTar.headers, ...bearer(tokens.admin) } })).statusCode).toBe(400);
    expect(readdirSync(join(dir, 'inbox')).sort()).toEqual(before);
  });

  it('admin creates users and tokens; others cannot', async () => {
    const res = await post('/api/v1/users', { name: 'newinsp', role: 'inspector', region: '421000' }, 'admin');
    expect(res.statusCode).toBe(201);
    expect(res.json().password).toMatch(/^[A-Za-z0-9]{16}$/);
    expect((await post('/api/v1/users', { name: 'newinsp', role: 'inspector' }, 'admin')).statusCode).toBe(400);
    expect((await post('/api/v1/users', { name: 'x2', role: 'god' }, 'admin')).statusCode).toBe(400);
    expect((await post('/api/v1/users', { name: 'ca2', role: 'civil_affairs' }, 'admin')).statusCode).toBe(400);
    const tok = (await post('/api/v1/users/newinsp/tokens', { label: 'sys' }, 'admin')).json().token as string;
    const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(tok) });
    expect(me.json().user).toMatchObject({ user_id: 'newinsp', role: 'inspector', region: '421000' });
    const audit = (await get('/api/v1/audit?action=user_add', 'auditor')).json().items.map((a: { object_id: string }) => a.object_id);
    expect(audit).toContain('newinsp');
  });

  it('system routes: health, ready, metrics, openapi, console, internal cli with the local token only', async () => {
    expect((await app.inject('/health')).json()).toEqual({ status: 'ok', pid: process.pid });
    expect((await app.inject('/ready')).json()).toEqual({ ready: true, database: true, redis: true });
    const metrics = await app.inject('/metrics');
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(/fundwatch_http_requests_total\{method="GET",route="\/health",status="200"\} 1/);
    expect(metrics.body).toMatch(/fundwatch_cases\{status="[a-z_]+"\} \d+/);
    const spec = (await app.inject('/openapi.json')).json();
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/v1/cases', '/api/v1/cases/{id}', '/api/v1/referrals/feed', '/api/v1/dashboard']));
    expect((await app.inject('/docs/')).statusCode).toBe(200);
    expect((await app.inject('/')).body).toContain('FundWatch');
    expect((await app.inject('/vendor/echarts/echarts.min.js')).statusCode).toBe(200);
    const noTok = await app.inject({ method: 'POST', url: '/internal/cli', payload: { argv: ['users', 'list', '--json'] } });
    expect(noTok.statusCode).toBe(403);
    const cli = await app.inject({ method: 'POST', url: '/internal/cli', payload: { argv: ['users', 'list', '--json'] }, headers: { 'x-fundwatch-local-token': 'local-secret-token' } });
    expect(cli.statusCode).toBe(200);
    const out = cli.json();
    expect(out.exit_code).toBe(0);
    expect(out.stdout.trim().split('\n').map((l: string) => JSON.parse(l).user_id)).toContain('civil421');
    const usage = await app.inject({ method: 'POST', url: '/internal/cli', payload: { argv: ['users', 'add', '--name', 'zz', '--role', 'god'] }, headers: { 'x-fundwatch-local-token': 'local-secret-token' } });
    expect(usage.json()).toMatchObject({ exit_code: 2 });
    expect(usage.json().stderr).toContain('角色无效');
  });

  it('dashboard, detectors, kb, runs and alerts answer with their shapes', async () => {
    const d = (await get('/api/v1/dashboard')).json();
    expect(d.by_family).toEqual([{ family: 'billing', alerts: 4, amount_at_risk: 1194.5 }]);
    expect(d.totals).toEqual({ open_alerts: 4, amount_at_risk: 1194.5, detectors_firing: 1 });
    const alerts = (await get('/api/v1/alerts?sort=amount_at_risk&order=desc&limit=2')).json();
    expect(alerts.items.map((a: { alert_id: string; feedetl_sn: string[] }) => [a.alert_id, a.feedetl_sn])).toEqual([['A3', ['F5']], ['A1', ['F1']]]);
    expect(alerts.items[0].measured).toEqual({ n: 1 });
    const det = (await get('/api/v1/detectors?region=421000')).json();
    expect(det.items.length).toBeGreaterThan(0);
    for (const x of det.items) for (const p of Object.values(x.params) as { value: unknown; default: unknown }[]) expect(p).toHaveProperty('value');
    expect((await get('/api/v1/kb/versions')).json().status.points).toBe(0);
    const status = (await get('/api/v1/status')).json();
    expect(status.banners.map((b: { code: string }) => b.code)).toEqual(['kb_empty']);
  });
});
