import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { tempDir } from './helpers.ts';
import { testRedis } from './queue/redis-test.ts';
import { Store } from '../pipeline/store/store.ts';
import { generateCity, MIN_DAYS } from '../data/generator/index.ts';
import { runDemo, type DemoSummary } from '../app/demo.ts';
import { dispatchCases } from '../pipeline/queue/dispatch.ts';
import { inspectionQueueName } from '../pipeline/queue/names.ts';
import { ownerFilePath } from '../pipeline/owner/owner.ts';

const CLI = resolve('app/cli/fundwatch.js');
// The smallest city the generator accepts.
const CITY = { persons: 500, days: MIN_DAYS, seed: 1 };

interface Ids { alerts: string[]; cases: string[]; referrals: string[] }

async function ids(store: Store): Promise<Ids> {
  const col = async (sql: string) => (await store.all<{ id: string }>(sql)).map((r) => r.id);
  return {
    alerts: await col('SELECT alert_id AS id FROM alerts ORDER BY 1'),
    cases: await col('SELECT case_id AS id FROM cases ORDER BY 1'),
    referrals: await col('SELECT referral_id AS id FROM referrals ORDER BY 1'),
  };
}

/** Jobs waiting in the BullMQ inspection queues of every region that has cases. */
async function queuedJobs(store: Store, settings: { host: string; port: number; prefix: string }): Promise<number> {
  const regions = await store.all<{ admdvs: string }>('SELECT DISTINCT admdvs FROM cases');
  let n = 0;
  for (const { admdvs } of regions) {
    const q = new Queue(inspectionQueueName(admdvs), { connection: { host: settings.host, port: settings.port }, prefix: settings.prefix });
    const c = await q.getJobCounts('prioritized', 'waiting');
    n += c.prioritized + c.waiting;
    await q.close();
  }
  return n;
}

function spawnCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = spawn('node', [CLI, ...args], { cwd, env: { ...process.env, FUNDWATCH_DB: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, err: () => err, exit };
}

describe('fundwatch demo', () => {
  const t = tempDir('fw-demo-');
  const city = join(t.dir, 'city');
  const redis = testRedis();
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    await generateCity({ out: city, ...CITY });
  }, 120_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    t.cleanup();
    await redis.cleanup();
  });

  function workDir(name: string) {
    const dir = join(t.dir, name);
    mkdirSync(dir, { recursive: true });
    const config = { redis: { prefix: redis.settings.prefix }, nightly: { inbox: join(dir, 'inbox'), report_dir: join(dir, 'reports') } };
    writeFileSync(join(dir, 'fundwatch.config.json'), JSON.stringify(config));
    return { dir, config, db: join(dir, 'fw.duckdb') };
  }

  it('ingests, detects, opens cases, refers and dispatches to Redis; a second run adds nothing', async () => {
    const w = workDir('fn');
    const store = await Store.open(w.db);
    try {
      const progress: string[] = [];
      const s = await runDemo(store, { ...CITY, out: city, config: w.config, redis: redis.settings }, (m) => progress.push(m));
      expect(s.status).toBe('succeeded');
      expect(s.city).toMatchObject({ dir: city, reused: true });
      expect(s.knowledge_base.status).toBe('imported');
      expect(s.knowledge_base.points).toBeGreaterThan(0);

      expect(s.ingest.status).toBe('loaded');
      expect(s.ingest.rows_loaded).toBeGreaterThan(0);
      let inDb = 0;
      for (const table of Object.keys(s.ingest.tables)) inDb += await store.scalar<number>(`SELECT count(*)::INTEGER FROM ${table}`);
      expect(s.ingest.rows_loaded).toBe(inDb);
      expect(s.ingest.rows_read).toBe(s.ingest.rows_loaded + s.ingest.rows_rejected);

      expect(s.detection.window_from).toBe('2026-01-01');
      expect(s.alerts.total).toBeGreaterThan(0);
      expect(s.alerts.total).toBe(await store.scalar<number>(`SELECT count(*)::INTEGER FROM alerts WHERE status <> 'withdrawn'`));
      expect(s.detection.alerts_new).toBe(s.alerts.total);
      const families = Object.entries(s.alerts.by_family).filter(([, f]) => f.alerts > 0 && f.amount_at_risk > 0);
      expect(families.length).toBeGreaterThanOrEqual(5);
      expect(s.top_providers.length).toBe(5);
      expect(s.top_providers[0]!.risk_score).toBeGreaterThanOrEqual(s.top_providers[4]!.risk_score);
      expect(s.top_providers[0]!.fixmedins_name).toBeTruthy();

      const cases = await store.scalar<number>('SELECT count(*)::INTEGER FROM cases');
      expect(s.cases.new).toBeGreaterThan(0);
      expect(s.cases.new).toBe(cases);
      expect(s.referrals.new).toBeGreaterThan(0);
      expect(s.referrals.new).toBe(await store.scalar<number>('SELECT count(*)::INTEGER FROM referrals'));
      expect(s.queue).toMatchObject({ redis_available: true, dispatched: cases, outbox: 0 });
      expect(await queuedJobs(store, redis.settings)).toBe(cases);
      expect(s.report_file && existsSync(s.report_file)).toBe(true);
      expect(s.timings.map((x) => x.stage)).toEqual(expect.arrayContaining(['generate', 'knowledge_base', 'ingest', 'detect', 'cases', 'early_warning', 'dispatch']));
      expect(s.timings.every((x) => x.status === 'succeeded' && x.ms >= 0)).toBe(true);
      expect(progress.some((m) => m.includes('ingest'))).toBe(true);
      const before = await ids(store);

      const again: DemoSummary = await runDemo(store, { ...CITY, out: city, config: w.config, redis: redis.settings });
      expect(again.status).toBe('succeeded');
      expect(again.knowledge_base.status).toBe('unchanged');
      expect(again.ingest).toMatchObject({ status: 'duplicate', batch_id: s.ingest.batch_id, rows_loaded: s.ingest.rows_loaded });
      expect(again.detection.alerts_new).toBe(0);
      expect(again.cases.new).toBe(0);
      expect(again.referrals.new).toBe(0);
      expect(again.alerts.total).toBe(s.alerts.total);
      expect(again.queue).toMatchObject({ dispatched: 0, outbox: 0 });
      expect(await ids(store)).toEqual(before);
      expect(await store.scalar<number>(`SELECT count(*)::INTEGER FROM batches WHERE status = 'loaded'`)).toBe(1);
      expect(await queuedJobs(store, redis.settings)).toBe(cases);
    } finally {
      store.close();
    }
  }, 300_000);

  it('with Redis unreachable the CLI still finishes (--json) and reports the cases waiting in the outbox', async () => {
    const w = workDir('down');
    const run = spawnCli(['demo', '--json', '--out', city, '--persons', String(CITY.persons), '--days', String(CITY.days), '--db', w.db], w.dir, { FUNDWATCH_REDIS_URL: 'redis://127.0.0.1:1' });
    const code = await run.exit;
    expect(code, run.err()).toBe(0);
    const lines = run.out().trim().split('\n');
    expect(lines).toHaveLength(1);
    const s = JSON.parse(lines[0]!) as DemoSummary;
    expect(s.status).not.toBe('failed');
    expect(s.cases.new).toBeGreaterThan(0);
    expect(s.queue).toMatchObject({ redis_available: false, dispatched: 0, outbox: s.cases.new });
    expect(s.queue.message).toContain('DuckDB outbox');
    expect(run.err()).toContain('Redis 不可用');

    // Redis back: the outbox goes out, nothing was lost.
    const store = await Store.open(w.db);
    try {
      const d = await dispatchCases(store, redis.settings);
      expect(d.dispatched).toBe(s.queue.outbox);
    } finally {
      store.close();
    }
  }, 300_000);

  it('demo --serve prints a demo admin that can log in; SIGTERM stops the owner and removes its file', async () => {
    const w = workDir('serve');
    const run = spawnCli(['demo', '--serve', '--port', '0', '--no-scheduler', '--out', city, '--persons', String(CITY.persons), '--days', String(CITY.days), '--db', w.db], w.dir);
    children.push(run.child);
    let creds: RegExpMatchArray | null = null;
    let url: RegExpMatchArray | null = null;
    for (let i = 0; i < 1200 && !(creds && url) && run.child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 200));
      creds = run.out().match(/用户名 user (\S+)\s+密码 password (\S+)/);
      url = run.out().match(/控制台已启动 console: (http:\/\/[^\s/]+)\//);
    }
    expect(creds, run.err()).not.toBeNull();
    expect(url).not.toBeNull();
    expect(run.out()).toContain('案件 cases: 新建 new');
    expect(existsSync(ownerFilePath(w.db))).toBe(true);

    const base = url![1]!;
    const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: creds![1], password: creds![2] }) });
    expect(login.status).toBe(200);
    expect((await login.json()).user.role).toBe('admin');
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const res = await fetch(`${base}/api/v1/cases`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect((await res.json()).total).toBeGreaterThan(0);
    expect((await fetch(`${base}/api/v1/cases`)).status).toBe(401);
    const wrong = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: creds![1], password: 'not-the-password' }) });
    expect(wrong.status).toBe(401);

    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(existsSync(ownerFilePath(w.db))).toBe(false);
  }, 300_000);
});
