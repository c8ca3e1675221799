import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { tempDir } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import { Store } from '../../pipeline/store/store.ts';
import { generateCity } from '../../data/generator/index.ts';
import { runNightly } from '../../pipeline/nightly/run.ts';
import { nightlyConfig } from '../../pipeline/nightly/config.ts';
import { systemStatus } from '../../api/routes/dashboard.ts';

const CLI = resolve('app/cli/fundwatch.js');

interface Outcome { alerts: string[]; cases: string[]; referrals: string[]; batches: number; feeLines: number; duplicateFeeLines: number }

async function outcome(store: Store): Promise<Outcome> {
  const ids = async (sql: string) => (await store.all<{ id: string }>(sql)).map((r) => r.id);
  return {
    alerts: await ids('SELECT alert_id AS id FROM alerts ORDER BY 1'),
    cases: await ids('SELECT case_id AS id FROM cases ORDER BY 1'),
    referrals: await ids('SELECT referral_id AS id FROM referrals ORDER BY 1'),
    batches: await store.scalar<number>(`SELECT count(*)::INTEGER FROM batches WHERE status = 'loaded'`),
    feeLines: await store.scalar<number>('SELECT count(*)::INTEGER FROM fee_list_d'),
    duplicateFeeLines: await store.scalar<number>('SELECT (count(*) - count(DISTINCT feedetl_sn))::INTEGER FROM fee_list_d'),
  };
}

describe('nightly run', () => {
  const src = tempDir('fw-nightly-src-');
  const batch = join(src.dir, 'city');
  const redis = testRedis();
  let reference: Outcome;

  beforeAll(async () => {
    await generateCity({ out: batch, persons: 600, days: 120, seed: 7 });
  }, 120_000);
  afterAll(async () => {
    src.cleanup();
    await redis.cleanup();
  });

  function setup(name: string, extra: Record<string, unknown> = {}) {
    const t = tempDir(`fw-nightly-${name}-`);
    const inbox = join(t.dir, 'inbox');
    mkdirSync(inbox, { recursive: true });
    const config = { redis: { prefix: redis.settings.prefix }, nightly: { inbox, report_dir: join(t.dir, 'reports'), ...extra } };
    writeFileSync(join(t.dir, 'fundwatch.config.json'), JSON.stringify(config));
    return { ...t, inbox, config, db: join(t.dir, 'fw.duckdb') };
  }

  it('takes the inbox batch, runs every stage, writes the report; a second run changes nothing', async () => {
    const s = setup('ok');
    cpSync(batch, join(s.inbox, 'b1'), { recursive: true });
    mkdirSync(join(s.inbox, 'incomplete'));
    writeFileSync(join(s.inbox, 'incomplete', 'psn_info.csv'), 'psn_no\n'); // no _SUCCESS: not taken
    const store = await Store.open(s.db);
    try {
      const r = await runNightly(store, { config: s.config });
      expect(r.status).toBe('succeeded');
      expect(r.resumed).toBe(false);
      expect(r.stages.map((x) => `${x.stage}:${x.status}`)).toEqual(
        ['collect', 'ingest', 'detect', 'cases', 'early_warning', 'dispatch', 'report'].map((n) => `${n}:succeeded`));
      expect(await store.all('SELECT dir, status, ingest_status FROM nightly_inbox')).toEqual([{ dir: join(s.inbox, 'b1'), status: 'ingested', ingest_status: 'loaded' }]);
      reference = await outcome(store);
      expect(reference.batches).toBe(1);
      expect(reference.alerts.length).toBeGreaterThan(10);
      expect(reference.cases.length).toBeGreaterThan(5);
      expect(reference.duplicateFeeLines).toBe(0);
      const run = await store.one<{ status: string; window_from: string; window_to: string }>(`SELECT status, window_from::VARCHAR AS window_from, window_to::VARCHAR AS window_to FROM runs WHERE run_id = $1`, [r.run_id]);
      expect(run).toEqual({ status: 'succeeded', window_from: '2026-01-01', window_to: '2026-04-30' });
      const report = readFileSync(join(s.dir, 'reports', `nightly-${r.run_id}.html`), 'utf8');
      expect(report).toContain('夜间运行报告');
      expect(report).toContain('当晚重点发现');
      const top = await store.one<{ detector_id: string }>(`SELECT detector_id FROM alerts ORDER BY amount_at_risk DESC, alert_id LIMIT 1`);
      expect(report).toContain(top!.detector_id);

      const again = await runNightly(store, { config: s.config });
      expect(again.status).toBe('succeeded');
      expect((again.counts.stages as Record<string, unknown>).detect).toEqual({ skipped: '没有新数据 no new data' });
      expect(await outcome(store)).toEqual(reference);
      expect((await systemStatus(store)).banners.map((b) => b.code)).not.toContain('nightly_failed');
    } finally {
      store.close();
      s.cleanup();
    }
  }, 180_000);

  it('a run whose only batch fails runs the later stages, ends partial (announced), and the batch is quarantined after nightly.max_attempts tries', async () => {
    const received: unknown[] = [];
    const hook: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => { received.push(JSON.parse(body)); res.end('ok'); });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    const port = (hook.address() as { port: number }).port;
    const s = setup('fail', { webhook_url: `http://127.0.0.1:${port}/hook` });
    const broken = join(s.inbox, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'claims.xls'), 'not a table file'); // ingest refuses: unsupported format
    writeFileSync(join(broken, '_SUCCESS'), '');
    const store = await Store.open(s.db);
    try {
      const inbox = () => store.all('SELECT status, attempts, run_id, quarantine_dir FROM nightly_inbox');
      const r = await runNightly(store, { config: s.config, nightly: nightlyConfig(s.config) });
      expect(r.status).toBe('partial_failure');
      expect(r.stages.map((x) => `${x.stage}:${x.status}`)).toEqual(
        ['collect:succeeded', 'ingest:partial_failure', 'detect:succeeded', 'cases:succeeded', 'early_warning:succeeded', 'dispatch:succeeded', 'report:succeeded']);
      expect(r.stages.find((x) => x.stage === 'ingest')!.error).toMatch(/第 1\/3 次.*claims\.xls/);
      expect((r.counts.stages as Record<string, unknown>).detect).toEqual({ skipped: '没有新数据 no new data' });
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ event: 'nightly_run_partial_failure', run_id: r.run_id, status: 'partial_failure' });
      const banners = (await systemStatus(store)).banners;
      expect(banners[0]).toMatchObject({ code: 'nightly_failed', level: 'error', run_id: r.run_id });
      expect(await inbox()).toEqual([{ status: 'failed', attempts: 1, run_id: r.run_id, quarantine_dir: null }]);

      // Retaken by the next run; the third failed try (default nightly.max_attempts 3) moves it out of the inbox.
      const r2 = await runNightly(store, { config: s.config });
      expect(await inbox()).toEqual([{ status: 'failed', attempts: 2, run_id: r2.run_id, quarantine_dir: null }]);
      const r3 = await runNightly(store, { config: s.config });
      expect(r3.status).toBe('partial_failure');
      const quarantine = join(s.inbox, '_quarantine', 'broken');
      expect(await inbox()).toEqual([{ status: 'quarantined', attempts: 3, run_id: r3.run_id, quarantine_dir: quarantine }]);
      expect(existsSync(broken)).toBe(false);
      expect(existsSync(join(quarantine, 'claims.xls'))).toBe(true);
      const report = readFileSync(join(s.dir, 'reports', `nightly-${r3.run_id}.html`), 'utf8');
      expect(report).toContain('已隔离 1 个批次');
      expect(report).toContain(quarantine);

      // Quarantined: no longer taken; the run is clean again.
      const r4 = await runNightly(store, { config: s.config });
      expect(r4.status).toBe('succeeded');
      expect((r4.counts.stages as Record<string, { taken: number }>).collect.taken).toBe(0);
      expect(await inbox()).toEqual([{ status: 'quarantined', attempts: 3, run_id: r3.run_id, quarantine_dir: quarantine }]);
    } finally {
      store.close();
      hook.close();
      s.cleanup();
    }
  }, 120_000);

  it('a broken batch never stops the other batches (quarantined at once with max_attempts 1)', async () => {
    expect(reference).toBeDefined();
    const s = setup('mixed', { max_attempts: 1 });
    cpSync(batch, join(s.inbox, 'b1'), { recursive: true });
    mkdirSync(join(s.inbox, 'a-broken'));
    writeFileSync(join(s.inbox, 'a-broken', 'mdtrt_d.arrow'), 'not arrow at all');
    writeFileSync(join(s.inbox, 'a-broken', '_SUCCESS'), '');
    const store = await Store.open(s.db);
    try {
      const r = await runNightly(store, { config: s.config });
      expect(r.status).toBe('partial_failure');
      expect(r.stages.map((x) => `${x.stage}:${x.status}`)).toEqual(
        ['collect:succeeded', 'ingest:partial_failure', 'detect:succeeded', 'cases:succeeded', 'early_warning:succeeded', 'dispatch:succeeded', 'report:succeeded']);
      expect(await store.all('SELECT dir, status, attempts FROM nightly_inbox ORDER BY dir')).toEqual([
        { dir: join(s.inbox, 'a-broken'), status: 'quarantined', attempts: 1 },
        { dir: join(s.inbox, 'b1'), status: 'ingested', attempts: 1 },
      ]);
      expect(await outcome(store)).toEqual(reference);
      expect(existsSync(join(s.inbox, '_quarantine', 'a-broken', 'mdtrt_d.arrow'))).toBe(true);
    } finally {
      store.close();
      s.cleanup();
    }
  }, 180_000);

  for (const stage of ['ingest', 'detect']) {
    it(`kill -9 during ${stage}, then rerun: resumes, no duplicates, no loss`, async () => {
      expect(reference).toBeDefined();
      const s = setup(`kill-${stage}`);
      cpSync(batch, join(s.inbox, 'b1'), { recursive: true });
      const child = spawn('node', [CLI, 'nightly', '--db', s.db, '--config', join(s.dir, 'fundwatch.config.json')], { cwd: s.dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      const killed = new Promise<NodeJS.Signals | null>((resolveKill) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (stderr.includes(`阶段 stage ${stage}`) && !child.killed) setTimeout(() => child.kill('SIGKILL'), 1500);
        });
        child.on('exit', (_code, signal) => resolveKill(signal));
      });
      expect(await killed).toBe('SIGKILL');
      expect(stderr).not.toContain('夜间运行结束'); // it really died mid-run

      const rerun = spawn('node', [CLI, 'nightly', '--json', '--db', s.db, '--config', join(s.dir, 'fundwatch.config.json')], { cwd: s.dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      rerun.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((r) => rerun.on('exit', r));
      expect(code).toBe(0);
      const result = JSON.parse(out) as { status: string; resumed: boolean; run_id: string };
      expect(result).toMatchObject({ status: 'succeeded', resumed: true });

      const store = await Store.open(s.db);
      try {
        expect(await outcome(store)).toEqual(reference);
        expect(await store.all(`SELECT run_id, status FROM runs WHERE kind = 'nightly'`)).toEqual([{ run_id: result.run_id, status: 'succeeded' }]);
        expect(await store.all('SELECT status, ingest_status FROM nightly_inbox')).toEqual([{ status: 'ingested', ingest_status: expect.stringMatching(/^(loaded|duplicate)$/) }]);
        expect(await store.scalar(`SELECT count(*)::INTEGER FROM runs WHERE status = 'running'`)).toBe(0);
        expect(await store.scalar('SELECT count(*)::INTEGER FROM run_lock')).toBe(0);
        expect(existsSync(join(s.dir, 'reports', `nightly-${result.run_id}.html`))).toBe(true);
      } finally {
        store.close();
        s.cleanup();
      }
    }, 240_000);
  }
});
