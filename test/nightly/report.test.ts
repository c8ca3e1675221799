import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import { Store } from '../../pipeline/store/store.ts';
import { generateCity } from '../../data/generator/index.ts';
import { runNightly } from '../../pipeline/nightly/run.ts';
import { nightlyConfig } from '../../pipeline/nightly/config.ts';

const CLI = resolve('app/cli/fundwatch.js');

/** The report's status line: `<b class="succeeded" …>成功 (succeeded)</b>`. */
function reportStatus(html: string): string | null {
  return html.match(/状态 <b class="([a-z_]+)"[^>]*>[^<]* \(\1\)<\/b>/)?.[1] ?? null;
}

/** The report's by-family table as {family: alerts}. */
function reportFamilies(html: string): Record<string, number> {
  const section = html.slice(html.indexOf('按类别 By family'), html.indexOf('当晚重点发现'));
  const out: Record<string, number> = {};
  for (const m of section.matchAll(/<tr><td>([a-z_]+)<\/td><td class="num">(\d+)<\/td>/g)) out[m[1]!] = Number(m[2]);
  return out;
}

function walSize(db: string): number {
  try {
    return statSync(`${db}.wal`).size;
  } catch {
    return 0;
  }
}

/** Open alerts in the database by family (a fresh database: every alert was raised by the one nightly run). */
async function dbFamilies(store: Store): Promise<Record<string, number>> {
  const rows = await store.all<{ family: string; n: number }>(`SELECT family, count(*)::INTEGER AS n FROM alerts WHERE status = 'open' GROUP BY family`);
  return Object.fromEntries(rows.map((r) => [r.family, r.n]));
}

describe('nightly run report', () => {
  const src = tempDir('fw-report-src-');
  const batch = join(src.dir, 'city');
  const redis = testRedis();
  /** The size of the database's WAL when detection started and ended, in the run of the first test. */
  const detectWal = { start: -1, end: -1 };

  beforeAll(async () => {
    await generateCity({ out: batch, persons: 600, days: 120, seed: 7 });
  }, 120_000);
  afterAll(async () => {
    src.cleanup();
    await redis.cleanup();
  });

  function setup(name: string) {
    const t = tempDir(`fw-report-${name}-`);
    const inbox = join(t.dir, 'inbox');
    mkdirSync(inbox, { recursive: true });
    cpSync(batch, join(inbox, 'b1'), { recursive: true });
    const config = { redis: { prefix: redis.settings.prefix }, nightly: { inbox, report_dir: join(t.dir, 'reports') } };
    writeFileSync(join(t.dir, 'fundwatch.config.json'), JSON.stringify(config));
    return { ...t, inbox, config, db: join(t.dir, 'fw.duckdb') };
  }

  it("shows the run's final status (never 运行中) and counts the run's alerts", async () => {
    const s = setup('final');
    const store = await Store.open(s.db);
    try {
      // Each detector commits its alerts, so the WAL grows as detection goes (the kill below uses that).
      const log = (m: string) => {
        if (m.startsWith('阶段 stage detect')) detectWal.start = walSize(s.db);
        if (m.startsWith('阶段 stage cases')) detectWal.end = walSize(s.db);
      };
      const r = await runNightly(store, { config: s.config, log });
      expect(r.status).toBe('succeeded');
      const html = readFileSync(join(s.dir, 'reports', `nightly-${r.run_id}.html`), 'utf8');
      expect(reportStatus(html)).toBe('succeeded');
      expect(html).not.toContain('运行中');
      expect(reportFamilies(html)).toEqual(await dbFamilies(store));

      // A partial run (a batch that does not ingest) says so too.
      mkdirSync(join(s.inbox, 'broken'));
      writeFileSync(join(s.inbox, 'broken', 'claims.xls'), 'not a table file');
      writeFileSync(join(s.inbox, 'broken', '_SUCCESS'), '');
      const partial = await runNightly(store, { config: s.config });
      expect(partial.status).toBe('partial_failure');
      const partialHtml = readFileSync(join(s.dir, 'reports', `nightly-${partial.run_id}.html`), 'utf8');
      expect(reportStatus(partialHtml)).toBe('partial_failure');
      expect(partialHtml).not.toContain('运行中');
    } finally {
      store.close();
      s.cleanup();
    }
  }, 180_000);

  it('kill -9 during detection, then rerun: the report counts the alerts of both detection runs, as in the database', async () => {
    expect(detectWal.end).toBeGreaterThan(detectWal.start);
    const s = setup('kill');
    const args = ['--db', s.db, '--config', join(s.dir, 'fundwatch.config.json')];
    const child = spawn('node', [CLI, 'nightly', ...args], { cwd: s.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const killed = new Promise<NodeJS.Signals | null>((resolveKill) => {
      let watch: NodeJS.Timeout | undefined;
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // Halfway through detection, by the WAL the first test's run wrote: some detectors have committed their alerts, others not.
        if (!watch && stderr.includes('阶段 stage detect')) {
          const half = detectWal.start + (detectWal.end - detectWal.start) / 2;
          watch = setInterval(() => {
            if (walSize(s.db) >= half) child.kill('SIGKILL');
          }, 5);
        }
      });
      child.on('exit', (_code, signal) => {
        clearInterval(watch);
        resolveKill(signal);
      });
    });
    expect(await killed).toBe('SIGKILL');
    expect(stderr).not.toContain('阶段 stage cases');

    const rerun = spawn('node', [CLI, 'nightly', '--json', ...args], { cwd: s.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    rerun.stdout.on('data', (d: Buffer) => (out += d.toString()));
    expect(await new Promise<number | null>((r) => rerun.on('exit', r))).toBe(0);
    const result = JSON.parse(out) as { status: string; resumed: boolean; run_id: string };
    expect(result).toMatchObject({ status: 'succeeded', resumed: true });

    const store = await Store.open(s.db);
    try {
      // Both detection runs raised alerts: the killed one those of the detectors it finished, the resumed one the rest.
      const byRun = await store.all<{ status: string; n: number }>(
        `SELECT r.status, count(a.alert_id)::INTEGER AS n FROM runs r LEFT JOIN alerts a USING (run_id)
         WHERE r.kind = 'nightly_detect' GROUP BY r.run_id, r.status, r.started_at ORDER BY r.started_at`);
      expect(byRun.map((x) => x.status)).toEqual(['failed', 'succeeded']);
      expect(byRun[0]!.n).toBeGreaterThan(0);
      expect(byRun[1]!.n).toBeGreaterThan(0);

      const html = readFileSync(join(s.dir, 'reports', `nightly-${result.run_id}.html`), 'utf8');
      expect(reportStatus(html)).toBe('succeeded');
      expect(reportFamilies(html)).toEqual(await dbFamilies(store));
      const total = await store.scalar<number>(`SELECT count(*)::INTEGER FROM alerts WHERE status = 'open'`);
      expect(Object.values(reportFamilies(html)).reduce((a, b) => a + b, 0)).toBe(total);
    } finally {
      store.close();
      s.cleanup();
    }
  }, 240_000);

  it('nightly.max_attempts is validated like its neighbours (default 3)', () => {
    expect(nightlyConfig({}).max_attempts).toBe(3);
    expect(nightlyConfig({ nightly: { max_attempts: 5 } }).max_attempts).toBe(5);
    for (const bad of [0, -1, 1.5, '3', null]) {
      expect(() => nightlyConfig({ nightly: { max_attempts: bad } })).toThrow(/nightly\.max_attempts/);
    }
  });
});
