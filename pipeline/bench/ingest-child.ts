import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { ingestBatch } from '../ingest/ingest.ts';

/**
 * One measurement of the ingest benchmark, in its own process so its peak RSS is its own:
 *   run-ts.js pipeline/bench/ingest-child.ts <bare|ingest> <batch-dir> <work-dir> <memory_limit>
 * bare: CREATE TABLE AS SELECT * FROM read_parquet/read_csv per file (DuckDB's own read, types inferred).
 * ingest: ingestBatch with all validation. Prints {ms, maxRssMb, rows} as JSON on stdout.
 */
const [mode, dir, workRoot, memoryLimit] = process.argv.slice(2);
const work = mkdtempSync(join(workRoot, `fw-bench-${mode}-`));
const store = await Store.open(join(work, 'bench.duckdb'), { memoryLimit });
let rows = 0;
const t0 = performance.now();
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
  process.stdout.write(JSON.stringify({ ms, rows, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
} finally {
  store.close();
  rmSync(work, { recursive: true, force: true });
}
