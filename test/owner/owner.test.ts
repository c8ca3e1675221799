import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import { ownerFilePath, findLiveOwner } from '../../pipeline/owner/owner.ts';
import { absolutePaths, dbPathFromArgv } from '../../app/cli/forward.ts';
import { Store } from '../../pipeline/store/store.ts';

const CLI = resolve('app/cli/fundwatch.js');
const run = promisify(execFile);

async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('node', [CLI, ...args], { cwd, env: { ...process.env, FUNDWATCH_DB: '' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('owner process: <db>.owner.json and CLI forwarding', () => {
  const t = tempDir('fw-owner-');
  const db = join(t.dir, 'fw.duckdb');
  const redis = testRedis();
  let server: ChildProcess;

  beforeAll(async () => {
    writeFileSync(join(t.dir, 'fundwatch.config.json'), JSON.stringify({ redis: { prefix: redis.settings.prefix }, nightly: { inbox: join(t.dir, 'inbox'), report_dir: join(t.dir, 'reports') } }));
    expect((await cli(['users', 'add', '--name', 'first', '--role', 'admin', '--db', db], t.dir)).code).toBe(0); // no owner: opens the file itself
    server = spawn('node', [CLI, 'serve', '--port', '0', '--db', db, '--no-scheduler'], { cwd: t.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    for (let i = 0; i < 150 && !(await findLiveOwner(db)); i++) await new Promise((r) => setTimeout(r, 200));
  }, 60_000);
  afterAll(async () => {
    if (server.exitCode === null) server.kill('SIGKILL');
    t.cleanup();
    await redis.cleanup();
  });

  it('serve writes the owner file with pid, port and a local token', async () => {
    const info = JSON.parse(readFileSync(ownerFilePath(db), 'utf8'));
    expect(info.pid).toBe(server.pid);
    expect(info.port).toBeGreaterThan(0);
    expect(info.token).toMatch(/^[0-9a-f]{48}$/);
    expect(await findLiveOwner(db)).toMatchObject({ pid: server.pid });
  });

  it('CLI commands (writes and reads) run inside the owner while it holds the database', async () => {
    const add = await cli(['users', 'add', '--name', 'second', '--role', 'inspector', '--json', '--db', 'fw.duckdb'], t.dir);
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ user_id: 'second', role: 'inspector' });
    const list = await cli(['users', 'list', '--json', '--db', db], '/');
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n').map((l) => JSON.parse(l).user_id)).toEqual(['first', 'second']);
    const bad = await cli(['users', 'add', '--name', 'x3', '--role', 'god', '--db', db], t.dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('角色无效');
    // backup goes through the owner too (consistent copy while serving); the relative dir is resolved here.
    const bk = await cli(['backup', 'bk', '--json', '--db', db], t.dir);
    expect(bk.code).toBe(0);
    expect(JSON.parse(bk.stdout).dir).toBe(join(t.dir, 'bk'));
  });

  it('shutdown removes the owner file; the CLI then opens the file itself; restore gives the same rows', async () => {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
    expect(existsSync(ownerFilePath(db))).toBe(false);
    const list = await cli(['users', 'list', '--json', '--db', db], t.dir);
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n')).toHaveLength(2);
    const restored = join(t.dir, 'restored.duckdb');
    const r = await cli(['restore', 'bk', '--json', '--db', restored], t.dir);
    expect(r.code).toBe(0);
    const s = await Store.open(restored);
    try {
      expect(await s.all('SELECT user_id, role FROM users ORDER BY user_id')).toEqual([{ user_id: 'first', role: 'admin' }, { user_id: 'second', role: 'inspector' }]);
    } finally {
      s.close();
    }
    expect((await cli(['restore', 'bk', '--db', restored], t.dir)).code).toBe(2); // exists, no --force
    const orig = await Store.open(db);
    try {
      // Without credentials the commands (local or forwarded to the owner) ran as the local administrator.
      expect(await orig.all(`SELECT action, object_id, actor FROM audit_log WHERE action IN ('user_add', 'backup') ORDER BY "at"`)).toEqual([
        { action: 'user_add', object_id: 'first', actor: 'local-admin' },
        { action: 'user_add', object_id: 'second', actor: 'local-admin' },
        { action: 'backup', object_id: join(t.dir, 'bk'), actor: 'local-admin' },
      ]);
    } finally {
      orig.close();
    }
  });

  it('a stale owner file (dead pid) is ignored', async () => {
    writeFileSync(ownerFilePath(db), JSON.stringify({ pid: 999_999, port: 1, host: '127.0.0.1', token: 'x', db, started_at: '' }));
    expect(await findLiveOwner(db)).toBeNull();
    expect((await cli(['users', 'list', '--db', db], t.dir)).code).toBe(0);
  });

  it('argv helpers: --db from argv, paths made absolute', () => {
    expect(dbPathFromArgv(['users', 'list', '--db', 'a.duckdb'], {})).toBe('a.duckdb');
    expect(dbPathFromArgv(['--db=b.duckdb', 'x'], {})).toBe('b.duckdb');
    expect(dbPathFromArgv(['x'], { FUNDWATCH_DB: 'c.duckdb' })).toBe('c.duckdb');
    expect(absolutePaths(['ingest', './batch', '--json', '--db', 'x.duckdb', 'list'], '/w')).toEqual(['ingest', '/w/batch', '--json', '--db', '/w/x.duckdb', 'list']);
  });
});

