import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Store } from '../../../pipeline/store/store.ts';
import { updateCases } from '../../../pipeline/cases/update.ts';
import { refreshCaseEvidence } from '../../../pipeline/nightly/case-evidence.ts';
import { redisSettings, type RedisSettings } from '../../../pipeline/queue/redis.ts';
import { buildServer } from '../../../api/server.ts';
import { addUser, createApiToken } from '../../../pipeline/access/users.ts';

/** One measured figure (local shape; matches the bench runner's rows by field name). */
export interface BenchRow {
  section: string;
  metric: string;
  value: number;
  unit: string;
  note?: string;
}

export const name = 'api';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

/**
 * The inspector API under load (autocannon, in-process server on a random port): the case list (first page,
 * sorted by risk) and case detail (evidence lines, alerts, events; random case per request) over
 * `FUNDWATCH_BENCH_API_CASES` (default 100 000) cases with 3 fee lines of evidence each (materialised as the nightly
 * run does). Requests/s and p99.
 */
export async function run(opts: { lines?: number; dataDir?: string; json?: boolean }): Promise<BenchRow[]> {
  void opts;
  const n = Number(process.env.FUNDWATCH_BENCH_API_CASES ?? 100_000);
  const seconds = Number(process.env.FUNDWATCH_BENCH_API_SECONDS ?? 10);
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const rows: BenchRow[] = [];
  const row = (metric: string, value: number, unit: string, note?: string) => rows.push({ section: name, metric, value: Math.round(value * 100) / 100, unit, note });
  const dir = mkdtempSync(join(tmpdir(), 'fw-bench-api-'));
  const store = await Store.open(join(dir, 'bench.duckdb'));
  const redis: RedisSettings = { ...redisSettings({}), prefix: `fwbench-${randomUUID().slice(0, 8)}` };
  try {
    const t0 = performance.now();
    await store.run(`INSERT INTO fee_list_d (feedetl_sn, mdtrt_id, setl_id, psn_no, fixmedins_code, fee_ocur_time, med_list_codg, hilist_name,
        cnt, pric, det_item_fee_sumamt, bilg_dr_codg, batch_id, row_hash)
      SELECT 'F' || i, 'V' || (i // 3), 'S' || (i // 3), 'P' || (i // 30), 'H' || (i // 3), TIMESTAMP '2026-01-01' + to_minutes(i), 'X' || (i % 500),
        '项目' || (i % 500), 1, 10 + i % 90, 10 + i % 90, 'D1', 'bench', 0
      FROM range(${n * 3}) t(i)`);
    await store.run(`INSERT INTO alerts (alert_id, run_id, last_run_id, family, detector_id, detector_version, gz_code, result_type, title_zh,
        subject_type, psn_no, fixmedins_code, bilg_dr_codg, mdtrt_id, setl_id, feedetl_sn, admdvs, measured, threshold, peer,
        amount_at_risk, params, params_hash, legal_basis, activity_date, status, created_at, updated_at)
      SELECT 'A' || i, 'BENCH', 'BENCH', ['billing', 'admission', 'upcoding', 'prescription'][1 + i % 4], 'bench_rule_' || (i % 7), 1, NULL,
        'violation', '基准测试', 'provider', NULL, 'H' || i, NULL, 'V' || i, NULL, ['F' || (3 * i), 'F' || (3 * i + 1)],
        '42' || lpad(CAST(i % 10 AS VARCHAR), 2, '0') || '00', '{}', '{}', NULL, ((i * 7919) % 200000) / 10.0, '{}', 'h', 'bench', DATE '2026-01-01',
        'open', now(), now()
      FROM range(${n}) t(i)`);
    const upd = await updateCases(store, { runId: 'BENCH' });
    row('seed', performance.now() - t0, 'ms', `${upd.cases_new} cases, ${n * 3} fee lines`);
    // What the nightly cases stage does after updating cases: materialise each case's evidence lines.
    const ev = await refreshCaseEvidence(store);
    row('evidence_build', ev.ms, 'ms', `${ev.cases} cases, ${ev.lines} evidence lines`);
    await addUser(store, { name: 'bench', role: 'inspector' }, 'bench');
    const token = (await createApiToken(store, 'bench', 'bench', 'bench')).token;
    const ids = (await store.all<{ case_id: string }>('SELECT case_id FROM cases USING SAMPLE 1000 ROWS')).map((r) => r.case_id);

    const app = await buildServer({ store, config: {}, redis, dbPath: join(dir, 'bench.duckdb'), inboxDir: join(dir, 'inbox') });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const headers = { authorization: `Bearer ${token}` };
    try {
      const list = await autocannon({ url: `http://127.0.0.1:${port}/api/v1/cases?limit=50&sort=risk_score&order=desc`, headers, connections: 10, duration: seconds });
      row('case_list_rps', list.requests.average, 'req/s', `${list.requests.total} requests, ${list.non2xx} non-2xx, 10 connections, ${seconds} s`);
      row('case_list_p99', list.latency.p99, 'ms');
      let k = 0;
      const detail = await autocannon({
        url: `http://127.0.0.1:${port}`, headers, connections: 10, duration: seconds,
        requests: [{ method: 'GET', setupRequest: (req: Record<string, unknown>) => ({ ...req, path: `/api/v1/cases/${ids[k++ % ids.length]}` }) }],
      });
      row('case_detail_rps', detail.requests.average, 'req/s', `${detail.requests.total} requests, ${detail.non2xx} non-2xx, random case of ${n}`);
      row('case_detail_p99', detail.latency.p99, 'ms');
    } finally {
      await app.close();
    }
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

// Direct run: node app/cli/run-ts.js app/bench/sections/api.ts
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  for (const r of await run({})) console.log(JSON.stringify(r));
}
