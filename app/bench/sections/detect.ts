import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchOptions, BenchRow } from '../types.ts';
import { benchCity } from '../detect-data.ts';
import { BENCH_MEMORY_LIMIT, runBenchChild } from '../child.ts';

export const name = 'detect';

const TOP = 10;

interface LoadResult {
  ms: number;
  rows: number;
  maxRssMb: number;
}
interface PrepareResult {
  ms: number;
  maxRssMb: number;
  tables: Record<string, number>;
  kbPoints: number;
}
interface DetectResult {
  ms: number;
  maxRssMb: number;
  status: string;
  alerts: number;
  window: [string, string];
  stages: Record<string, number>;
  perDetector: { id: string; ms: number; alerts: number; status: string; error?: string }[];
}

function runChild<T>(mode: 'load' | 'prepare' | 'detect', city: string, db: string, workRoot: string): Promise<T> {
  return runBenchChild<T>('detect-child.ts', [mode, city, db, workRoot, BENCH_MEMORY_LIMIT], mode);
}

/**
 * Detector suite: a generated city (Parquet, one year, ≈ --lines fee lines; generated once under
 * ./bench-data/detect-<lines>/) is ingested once, with the NHSA knowledge base, into a cached bench database.
 * Each run measures the plain Parquet load (CREATE TABLE AS SELECT * FROM read_parquet of every table) and the
 * full detector suite (runDetection, all detectors, the whole data span, on a scratch copy of the database),
 * each in its own process with memory_limit (default 3GB). Targets (issue 3): suite ≤ 30 s and ≤ 10× the load.
 */
export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const row = (metric: string, value: number, unit: string, note?: string) => rows.push({ section: name, metric, value: Math.round(value * 100) / 100, unit, note });
  const log = (s: string) => process.stderr.write(`[detect] ${s}\n`);
  const c = await benchCity(opts.dataDir, opts.lines, log);
  const db = join(c.root, 'bench.duckdb');
  const preparedInfo = join(c.root, 'prepared.json');
  if (!existsSync(db) || !existsSync(preparedInfo)) {
    log('导入基准库 ingesting the city and the knowledge base into the bench database (once)');
    const p = await runChild<PrepareResult>('prepare', c.city, db, c.root);
    writeFileSync(preparedInfo, JSON.stringify(p) + '\n');
  } else log(`复用基准库 reusing ${db}`);
  const prepared = JSON.parse(readFileSync(preparedInfo, 'utf8')) as PrepareResult;
  const t = prepared.tables;
  const size = `${t.setl_d ?? 0} settlements, ${t.fee_list_d ?? 0} fee lines, ${t.mdtrt_d ?? 0} visits, ${c.persons} persons × 365 days; memory_limit ${BENCH_MEMORY_LIMIT}`;

  log('plain Parquet load');
  const load = await runChild<LoadResult>('load', c.city, db, c.root);
  row('parquet_load_s', load.ms / 1000, 's', `CREATE TABLE AS read_parquet, ${load.rows} rows; peak RSS ${Math.round(load.maxRssMb)} MB`);
  log('detector suite');
  const d = await runChild<DetectResult>('detect', c.city, db, c.root);
  const failed = d.perDetector.filter((x) => x.status === 'failed');
  row('suite_s', d.ms / 1000, 's', `${d.perDetector.length} detectors, status ${d.status}; ${size}`);
  row('suite_vs_load', d.ms / load.ms, '×', 'target ≤ 10× (and suite ≤ 30 s)');
  row('suite_peak_rss', d.maxRssMb, 'MB');
  row('alerts', d.alerts, 'alerts', `window ${d.window[0]} – ${d.window[1]}`);
  for (const [stage, ms] of Object.entries(d.stages)) row(`stage_${stage}_s`, ms / 1000, 's');
  for (const x of [...d.perDetector].sort((a, b) => b.ms - a.ms).slice(0, TOP)) {
    row(`detector_${x.id}_s`, x.ms / 1000, 's', `${x.alerts} alerts${x.status === 'failed' ? `; FAILED: ${x.error}` : ''}`);
  }
  if (failed.length) log(`失败的检测规则 failed detectors: ${failed.map((x) => `${x.id}: ${x.error}`).join('; ')}`);
  for (const x of [...d.perDetector].sort((a, b) => b.ms - a.ms)) log(`${x.id.padEnd(32)} ${(x.ms / 1000).toFixed(2).padStart(7)} s  ${x.alerts} alerts`);
  return rows;
}
