import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../pipeline/store/store.ts';
import { ingestBatch } from '../../pipeline/ingest/ingest.ts';

/**
 * One measurement of the ingest benchmark, in its own process so its peak RSS is its own:
 *   run-ts.js app/bench/ingest-child.ts <bare|ingest> <batch-dir> <work-dir> <memory_limit>
 * bare: CREATE TABLE AS SELECT * FROM read_parquet/read_csv per file (DuckDB's own read, types inferred).
 * ingest: ingestBatch with all validation. Prints {ms, cpuMs, maxRssMb, rows} as JSON on stdout (cpuMs: process
 * CPU time over all threads for the measured part, the steadier figure on a shared machine).
 */
const [mode, dir, workRoot, memoryLimit] = process.argv.slice(2);
const work = mkdtempSync(join(workRoot, `fw-bench-${mode}-`));
// FUNDWATCH_BENCH_THREADS: DuckDB threads (default: all cores); 1 gives the steadiest CPU figures when profiling.
const threads = process.env.FUNDWATCH_BENCH_THREADS ? Number(process.env.FUNDWATCH_BENCH_THREADS) : undefined;
const store = await Store.open(join(work, 'bench.duckdb'), { memoryLimit, threads });
let rows = 0;
const t0 = performance.now();
const cpu0 = (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1000;
try {
  if (mode === 'bare') {
    for (const f of readdirSync(dir).filter((n) => !n.startsWith('_') && !n.startsWith('.')).sort()) {
      const path = join(dir, f).replaceAll("'", "''");
      const reader = f.endsWith('.parquet') ? `read_parquet('${path}')` : `read_csv('${path}', header = true)`;
      const t = `bare_${f.replace(/\W/g, '_')}`;
      await store.run(`CREATE TABLE ${t} AS SELECT * FROM ${reader}`);
      rows += Number(await store.scalar(`SELECT count(*) FROM ${t}`));
    }
  } else {
    const s = await ingestBatch(store, dir);
    for (const t of Object.values(s.tables)) rows += t.read;
  }
  const ms = performance.now() - t0;
  const u = process.resourceUsage();
  const cpuMs = (u.userCPUTime + u.systemCPUTime) / 1000 - cpu0;
  process.stdout.write(JSON.stringify({ ms, cpuMs, rows, maxRssMb: u.maxRSS / 1024 }) + '\n');
} finally {
  store.close();
  rmSync(work, { recursive: true, force: true });
}
