import type { BenchOptions, BenchRow } from '../types.ts';
import { benchBatch } from '../ingest-data.ts';
import { BENCH_MEMORY_LIMIT, runBenchChild } from '../child.ts';

export const name = 'ingest';


interface ChildResult {
  ms: number;
  cpuMs: number;
  rows: number;
  maxRssMb: number;
}

function runChild(mode: 'bare' | 'ingest', dir: string, workRoot: string): Promise<ChildResult> {
  // Phase timings (FUNDWATCH_INGEST_TIMING=1) are passed through as they come.
  return runBenchChild<ChildResult>('ingest-child.ts', [mode, dir, workRoot, BENCH_MEMORY_LIMIT], `${mode} ${dir}`, process.env.FUNDWATCH_INGEST_TIMING === '1');
}

/**
 * Ingest throughput: DuckDB's bare read (CREATE TABLE AS SELECT * FROM read_parquet/read_csv) vs the full
 * ingest (staging, typed checks, rejects, merge, one transaction) of the same batch, per format, each in its own
 * process with memory_limit (default 3GB) so peak RSS is measured. GBK has no bare DuckDB read: its ratio is
 * against the bare read of the same content as UTF-8 CSV, so it includes the transcoding.
 */
export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const row = (metric: string, value: number, unit: string, note?: string) => rows.push({ section: name, metric, value: Math.round(value * 100) / 100, unit, note });
  const log = (s: string) => process.stderr.write(`[ingest] ${s}\n`);
  const batch = await benchBatch(opts.dataDir, opts.lines, log);
  const note = `${batch.feeLines} fee lines, ${batch.rows} rows in 5 tables; memory_limit ${BENCH_MEMORY_LIMIT}`;
  const bare: Record<string, ChildResult> = {};
  for (const [format, dir] of [['parquet', batch.parquet], ['csv', batch.csv]] as const) {
    log(`bare read ${format}`);
    bare[format] = await runChild('bare', dir, opts.dataDir);
    row(`${format}_bare_rows_per_s`, (bare[format].rows / bare[format].ms) * 1000, 'rows/s', `${Math.round(bare[format].ms)} ms wall, ${Math.round(bare[format].cpuMs)} ms cpu, peak RSS ${Math.round(bare[format].maxRssMb)} MB`);
  }
  for (const [format, dir, base] of [['parquet', batch.parquet, 'parquet'], ['csv', batch.csv, 'csv'], ['gbk', batch.gbk, 'csv']] as const) {
    log(`full ingest ${format}`);
    const r = await runChild('ingest', dir, opts.dataDir);
    row(`${format}_ingest_rows_per_s`, (r.rows / r.ms) * 1000, 'rows/s', `${Math.round(r.ms)} ms wall, ${Math.round(r.cpuMs)} ms cpu; ${note}`);
    row(`${format}_ingest_vs_bare`, r.ms / bare[base].ms, '×', `target ≤ 2×; vs bare ${base === 'csv' && format === 'gbk' ? 'UTF-8 CSV (includes GBK transcoding)' : base}`);
    row(`${format}_ingest_vs_bare_cpu`, r.cpuMs / bare[base].cpuMs, '×', 'CPU time (all threads) ratio: steadier than wall time on a shared machine');
    row(`${format}_ingest_peak_rss`, r.maxRssMb, 'MB', 'target < 4096 MB at 10 M lines');
  }
  return rows;
}
