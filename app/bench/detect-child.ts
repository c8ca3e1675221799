import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Store } from '../../pipeline/store/store.ts';
import { ingestBatch } from '../../pipeline/ingest/ingest.ts';
import { importKnowledgeBase } from '../../pipeline/kb/import.ts';
import { referenceKnowledgePointDir } from '../../pipeline/kb/read.ts';
import { runDetection } from '../../pipeline/detect/engine.ts';
import { cityParquetFiles } from './detect-data.ts';

/**
 * One step of the detector benchmark, in its own process so its peak RSS is its own:
 *   run-ts.js app/bench/detect-child.ts <load|prepare|detect> <city-dir> <db-path> <work-root> <memory_limit>
 * load: CREATE TABLE AS SELECT * FROM read_parquet(...) of every table into a fresh database (the plain load).
 * prepare: ingest the city and import the NHSA knowledge base into <db-path> (built aside, then renamed).
 * detect: copy <db-path> to a scratch file and time runDetection over the whole data span, all detectors
 *   (FUNDWATCH_BENCH_DETECTORS=a,b limits them). Prints one JSON object on stdout.
 */
const [mode, city, dbPath, workRoot, memoryLimit] = process.argv.slice(2);
const work = mkdtempSync(join(workRoot, `fw-bench-${mode}-`));
const rss = () => process.resourceUsage().maxRSS / 1024;
try {
  if (mode === 'load') {
    const store = await Store.open(join(work, 'load.duckdb'), { memoryLimit, skipMigrations: true });
    let rows = 0;
    const t0 = performance.now();
    for (const f of cityParquetFiles(city)) {
      const t = `load_${basename(f, '.parquet')}`;
      await store.run(`CREATE TABLE ${t} AS SELECT * FROM read_parquet('${f.replaceAll("'", "''")}')`);
      rows += Number(await store.scalar(`SELECT count(*) FROM ${t}`));
    }
    const ms = performance.now() - t0;
    store.close();
    process.stdout.write(JSON.stringify({ ms, rows, maxRssMb: rss() }) + '\n');
  } else if (mode === 'prepare') {
    const building = join(work, 'prepare.duckdb');
    const store = await Store.open(building, { memoryLimit });
    const t0 = performance.now();
    const kb = await importKnowledgeBase(store, [referenceKnowledgePointDir()], { effectiveDate: '2000-01-01', importedBy: 'bench' });
    if (kb.status !== 'imported') throw new Error(`knowledge base import: ${kb.status}`);
    const s = await ingestBatch(store, city);
    if (s.status !== 'loaded') throw new Error(`ingest status ${s.status}`);
    await store.run('CHECKPOINT');
    const ms = performance.now() - t0;
    store.close();
    renameSync(building, dbPath);
    const tables = Object.fromEntries(Object.entries(s.tables).map(([t, c]) => [t, c.loaded]));
    process.stdout.write(JSON.stringify({ ms, maxRssMb: rss(), status: s.status, tables, kbPoints: kb.points }) + '\n');
  } else if (mode === 'detect') {
    if (!existsSync(dbPath)) throw new Error(`no bench database ${dbPath}`);
    const scratch = join(work, 'detect.duckdb');
    copyFileSync(dbPath, scratch);
    const store = await Store.open(scratch, { memoryLimit });
    const only = process.env.FUNDWATCH_BENCH_DETECTORS?.split(',').filter(Boolean);
    const t0 = performance.now();
    const summary = await runDetection(store, { detectors: only, kind: 'bench' });
    const ms = performance.now() - t0;
    store.close();
    const perDetector = Object.values(summary.counts.per_detector).map((d) => ({ id: d.detector_id, ms: d.ms, alerts: d.alerts, status: d.status, error: d.error }));
    const stages = Object.fromEntries(summary.stages.filter((s) => !s.stage.startsWith('detector:')).map((s) => [s.stage, s.ms]));
    process.stdout.write(
      JSON.stringify({ ms, maxRssMb: rss(), status: summary.status, alerts: summary.counts.alerts, window: [summary.window_from, summary.window_to], stages, perDetector }) + '\n',
    );
  } else throw new Error(`unknown mode ${mode}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
