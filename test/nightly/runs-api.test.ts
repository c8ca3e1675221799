import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { tempStore } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import { startOwnerServer } from '../../app/serve.ts';
import { addUser } from '../../pipeline/access/users.ts';
import { ownerFilePath } from '../../pipeline/owner/owner.ts';

describe('runs through the owner server', () => {
  const redis = testRedis();
  afterAll(() => redis.cleanup());

  it('an admin starts a run (202), a second start while it runs is refused (409), the run detail and report follow', async () => {
    const t = await tempStore();
    const dbPath = join(t.dir, 'test.duckdb');
    const config = { redis: { prefix: redis.settings.prefix }, nightly: { inbox: join(t.dir, 'inbox'), report_dir: join(t.dir, 'reports') } };
    const { password } = await addUser(t.store, { name: 'boss', role: 'admin' }, 'test');
    const server = await startOwnerServer({ store: t.store, dbPath, config, port: 0, scheduler: false });
    try {
      expect(JSON.parse(readFileSync(ownerFilePath(dbPath), 'utf8')).port).toBe(server.port);
      const login = await fetch(`${server.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'boss', password }) });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const csrf = ((await login.json()) as { csrf_token: string }).csrf_token;
      const noToken = await fetch(`${server.url}/api/v1/runs`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
      expect(noToken.status).toBe(403); // a cookie session's state change needs its CSRF token
      const start = await fetch(`${server.url}/api/v1/runs`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: '{}' });
      expect(start.status).toBe(202);
      const { run_id } = (await start.json()) as { run_id: string };
      expect(run_id).toMatch(/^N\d{8}T\d{6}-[0-9a-f]{6}$/);
      const second = await fetch(`${server.url}/api/v1/runs`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: '{}' });
      expect(second.status).toBe(409);
      let detail: { status: string; checkpoints: { stage: string; status: string }[] } = { status: 'running', checkpoints: [] };
      for (let i = 0; i < 100 && ['running', 'pending'].includes(detail.status); i++) {
        await new Promise((r) => setTimeout(r, 200));
        detail = (await (await fetch(`${server.url}/api/v1/runs/${run_id}`, { headers: { cookie } })).json()) as typeof detail;
      }
      expect(detail.status).toBe('succeeded');
      expect(detail.checkpoints.map((c) => `${c.stage}:${c.status}`)).toEqual(
        ['collect', 'ingest', 'detect', 'cases', 'early_warning', 'dispatch', 'report'].map((s) => `${s}:done`));
      const report = await fetch(`${server.url}/api/v1/runs/${run_id}/report`, { headers: { cookie } });
      expect(report.headers.get('content-type')).toContain('text/html');
      expect(await report.text()).toContain(`运行 <b>${run_id}</b>`);
    } finally {
      await server.close();
      t.cleanup();
    }
    expect(existsSync(ownerFilePath(dbPath))).toBe(false);
  });
});
