import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import { findLiveOwner } from '../../pipeline/owner/owner.ts';
import { Store } from '../../pipeline/store/store.ts';
import type { Role } from '../../pipeline/access/roles.ts';
import { seedStore } from '../api/seed.ts';

const CLI = resolve('app/cli/fundwatch.js');
const run = promisify(execFile);

// Issue 12, defect 8 on the CLI: a command forwarded to the owner ran with the actor and --role it was given (an
// inspector closed a case above the four-eyes amount "as supervisor"). Now it runs as the user its credentials
// authenticate; the owner's local token alone makes it the local administrator, recorded as such.
describe('forwarded commands run as an authenticated user', () => {
  const t = tempDir('fw-owner-access-');
  const db = join(t.dir, 'fw.duckdb');
  const redis = testRedis();
  let server: ChildProcess;
  let tokens: Record<Role, string>;
  let cases: Record<string, string>;
  let passwords: Record<string, string>;

  async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const r = await run('node', [CLI, ...args, '--db', db], { cwd: t.dir, env: { ...process.env, FUNDWATCH_DB: '', FUNDWATCH_TOKEN: '', ...env } });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  }
  const as = (role: Role) => ({ FUNDWATCH_TOKEN: tokens[role] });

  beforeAll(async () => {
    const store = await Store.open(db);
    ({ tokens, cases, passwords } = await seedStore(store));
    store.close();
    writeFileSync(join(t.dir, 'fundwatch.config.json'), JSON.stringify({ redis: { prefix: redis.settings.prefix }, nightly: { inbox: join(t.dir, 'inbox'), report_dir: join(t.dir, 'reports') } }));
    server = spawn('node', [CLI, 'serve', '--port', '0', '--db', db, '--no-scheduler'], { cwd: t.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    for (let i = 0; i < 150 && !(await findLiveOwner(db)); i++) await new Promise((r) => setTimeout(r, 200));
  }, 60_000);
  afterAll(async () => {
    if (server.exitCode === null) server.kill('SIGKILL');
    t.cleanup();
    await redis.cleanup();
  });

  it('an inspector cannot close above four eyes by saying --role supervisor, nor decide another\'s case', async () => {
    const id = cases.H1;
    expect((await cli(['case', 'review', id], as('inspector'))).code).toBe(0);
    // The expert is not the assignee (insp) and not a supervisor.
    const expert = await cli(['case', 'decide', id, '--decision', 'confirmed', '--confirmed-amount', '60000'], as('expert'));
    expect(expert.code).toBe(1);
    expect(expert.stderr).toContain('only the assignee or a supervisor');
    expect((await cli(['case', 'decide', id, '--decision', 'confirmed', '--confirmed-amount', '60000', '--json'], as('inspector'))).code).toBe(0);
    const lying = await cli(['case', 'close', id, '--role', 'supervisor', '--by', 'super1'], as('inspector'));
    expect(lying.code).toBe(2);
    expect(lying.stderr).toContain('--by super1');
    const plain = await cli(['case', 'close', id], as('inspector'));
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('four eyes');
    const wrongToken = await cli(['case', 'close', id], { FUNDWATCH_TOKEN: 'fw_nope_nope' });
    expect([wrongToken.code, wrongToken.stderr]).toEqual([1, expect.stringContaining('FUNDWATCH_TOKEN')]);
    const sup = await cli(['case', 'close', id, '--user', 'super1', '--json'], { FUNDWATCH_PASSWORD: passwords.super1 });
    expect(sup.code).toBe(0);
    expect(JSON.parse(sup.stdout)).toMatchObject({ status: 'closed' });
    const shown = JSON.parse((await cli(['case', 'show', id, '--json'], as('auditor'))).stdout) as { events: { actor: string; action: string }[] };
    expect(shown.events.filter((e) => ['review', 'decide', 'close'].includes(e.action)).map((e) => [e.actor, e.action])).toEqual([
      ['insp', 'review'], ['insp', 'decide'], ['super1', 'close'],
    ]);
  });

  it('commands outside the role are refused by the same policy as the API', async () => {
    const r = await cli(['users', 'add', '--name', 'sneaky', '--role', 'admin'], as('inspector'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('users.manage');
    const auditor = await cli(['queue', 'dispatch'], as('auditor'));
    expect(auditor.code).toBe(1);
    expect((await cli(['cases', '--json'], as('auditor'))).code).toBe(0);
  });

  it('the local token alone acts as the local administrator and is recorded as such', async () => {
    const r = await cli(['users', 'add', '--name', 'second-admin', '--role', 'admin', '--json']);
    expect(r.code).toBe(0);
    expect((await audit('action=user_add&object_id=second-admin')).map((a) => [a.actor, a.action])).toEqual([['local-admin', 'user_add']]);
    const forwarded = await audit('action=cli_command&actor=local-admin');
    expect(forwarded.map((a) => [a.object_id, a.detail?.via])).toContainEqual(['users add', 'local']);
    expect((await audit('action=cli_command&actor=insp')).map((a) => a.object_id)).toContain('case close');
  });

  it('the database file is readable by its owner only', () => {
    expect(statSync(db).mode & 0o077).toBe(0);
  });

  /** The owner holds the database: the audit log is read through its API, as an auditor would. */
  async function audit(query: string): Promise<{ actor: string; action: string; object_id: string; detail: { via?: string } | null }[]> {
    const owner = (await findLiveOwner(db))!;
    const res = await fetch(`http://127.0.0.1:${owner.port}/api/v1/audit?${query}`, { headers: { authorization: `Bearer ${tokens.auditor}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: never[] }).items;
  }
});
