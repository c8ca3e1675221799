import { resolve } from 'node:path';
import { CONTRACT_TABLES, TABLES_WITH_PARENTS, type ContractTableName } from '../contract.ts';
import { checkSection, type FundwatchConfig, type JsonSchema } from '../config.ts';
import type { Store } from '../store/store.ts';
import { CERTNO_MACRO, checkTable } from './checks.ts';
import { IngestError, sqlString } from './errors.ts';
import { batchContentHash, listBatchFiles, type BatchFile } from './files.ts';
import { EMPTY_MAPPING, loadMapping, parseMapping, type MappingProfile } from './mapping.ts';
import { createRejectTable, keepPending, mergeTable, setLevelChecks } from './merge.ts';
import { rejectCounts, rejectSamples, topReasons, writeMalformedRows, writeRejects, type RejectSample } from './rejects.ts';
import { countMalformedRows, stageFiles, type StagedFile, type Staging } from './stage.ts';
import { startPhase } from './timing.ts';
import { IngestWorkDir, removeStaleIngestDirs } from './work-dir.ts';

export interface TableSummary {
  read: number;
  loaded: number;
  updated: number;
  unchanged: number;
  rejected: number;
  warnings: number;
  /** Orphans of earlier batches loaded now that their parent arrived. */
  resolved_pending: number;
  /** Orphans of this batch waiting for their parent. */
  pending: number;
}

export interface IngestSummary {
  batch_id: string;
  status: 'loaded' | 'duplicate' | 'failed';
  tables: Record<string, TableSummary>;
  top_reasons: { reason_code: string; count: number }[];
  source_dir: string;
  files: { file: string; table: string; format: string; encoding: string | null; rows: number }[];
  first_rejects: RejectSample[];
  error?: string;
}

export type IngestProgress =
  | { phase: 'hash'; files: number }
  | { phase: 'read'; file: string; index: number; files: number }
  | { phase: 'check'; table: string }
  | { phase: 'merge'; table: string }
  | { phase: 'done' };

export interface IngestOptions {
  /** A mapping profile: path to its JSON file, or the parsed profile. */
  mapping?: string | MappingProfile;
  onProgress?: (p: IngestProgress) => void;
  /** fundwatch.config.json; section `ingest`: { mapping?: path, amount_tolerance?: yuan }. */
  config?: FundwatchConfig;
  amountTolerance?: number;
  /** Test hook: throw after the first table is merged (also env FUNDWATCH_INGEST_FAIL_AFTER_FIRST_TABLE=1;
   *  env FUNDWATCH_INGEST_CRASH_AFTER_FIRST_TABLE=1 kills the process there instead). */
  failAfterFirstTable?: boolean;
}

export const INGEST_SCHEMA: JsonSchema = {
  type: 'object', additionalProperties: false,
  properties: { mapping: { type: 'string', minLength: 1 }, amount_tolerance: { type: 'number', minimum: 0, maximum: 100 } },
};

function ingestSection(config: FundwatchConfig | undefined): { mapping?: string; amount_tolerance?: number } {
  return checkSection(config ?? {}, 'ingest', INGEST_SCHEMA);
}

function resolveMapping(opts: IngestOptions): MappingProfile {
  const m = opts.mapping ?? ingestSection(opts.config).mapping;
  if (m === undefined) return EMPTY_MAPPING;
  return typeof m === 'string' ? loadMapping(m) : parseMapping(m);
}

async function dropWorkTables(store: Store): Promise<void> {
  const views = await store.all<{ name: string }>(
    `SELECT view_name AS name FROM duckdb_views() WHERE temporary AND view_name LIKE '\\_fw\\_%' ESCAPE '\\'`,
  );
  for (const v of views) await store.run(`DROP VIEW IF EXISTS temp.main.${v.name}`);
  const rows = await store.all<{ name: string }>(
    `SELECT table_name AS name FROM duckdb_tables() WHERE temporary AND table_name LIKE '\\_fw\\_%' ESCAPE '\\'`,
  );
  for (const r of rows) await store.run(`DROP TABLE IF EXISTS temp.main.${r.name}`);
}

/**
 * Ingests one batch directory: every file read, checked and merged in one transaction (all or nothing).
 * The same batch (same file contents) again is a no-op reported as `duplicate`. Throws IngestError with a
 * one-line message for unusable input (unknown table, unreadable file, broken mapping); the batch is then
 * recorded as `failed` and nothing else is written. Runs inside `store.exclusive` itself: do not call it from
 * within another exclusive section or transaction on the same store.
 */
export async function ingestBatch(store: Store, dir: string, opts: IngestOptions = {}): Promise<IngestSummary> {
  removeStaleIngestDirs(); // left by an ingest that was killed
  const sourceDir = resolve(dir);
  const mapping = resolveMapping(opts);
  const files = listBatchFiles(sourceDir, mapping);
  opts.onProgress?.({ phase: 'hash', files: files.length });
  const batchId = await batchContentHash(files);
  const tolerance = opts.amountTolerance ?? ingestSection(opts.config).amount_tolerance ?? 0.01;
  const failAfterFirst = opts.failAfterFirstTable ?? process.env.FUNDWATCH_INGEST_FAIL_AFTER_FIRST_TABLE === '1';

  return store.exclusive(async () => {
    const prior = await store.one<{ status: string }>('SELECT status FROM batches WHERE batch_id = $1', [batchId]);
    if (prior?.status === 'loaded') {
      return { batch_id: batchId, status: 'duplicate', tables: {}, top_reasons: [], source_dir: sourceDir, files: [], first_rejects: [] };
    }
    await dropWorkTables(store);
    const started = new Date();
    const work = new IngestWorkDir();
    let staging: Staging | null = null;
    let inTransaction = false;
    try {
      // Staging runs before the transaction: Arrow files go into temporary tables (rows appended inside a
      // transaction get provisional rowids, and the rowid gives each row its number in the file); CSV files get
      // numbered UTF-8 copies, written in the background while the tables whose files are ready are checked.
      await store.run(CERTNO_MACRO);
      const stagingDone = startPhase();
      staging = await stageFiles(store, files, mapping, work, (f, i) => opts.onProgress?.({ phase: 'read', file: f.name, index: i, files: files.length }));
      await store.run(`CREATE OR REPLACE TEMP TABLE _fw_files AS SELECT * FROM (VALUES ${files.map((f, i) => `(${i}, ${sqlString(f.name)})`).join(', ')}) v(fi, name)`);
      stagingDone('staging');
      // The typed/checked pass writes temporary tables only, so it too runs before the transaction (scans of
      // temporary tables created inside a transaction are markedly slower).
      const checked = await checkAll(store, files, staging, mapping, tolerance, opts.onProgress);
      const staged = await Promise.all(files.map((_, i) => staging!.ready(i)));
      await store.run('BEGIN TRANSACTION');
      inTransaction = true;
      const summary = await loadBatch(store, sourceDir, staged, checked, batchId, { failAfterFirst, onProgress: opts.onProgress });
      await store.run(
        `INSERT OR REPLACE INTO batches (batch_id, source_dir, status, started_at, finished_at, files, summary, mapping_profile, error)
         VALUES ($1, $2, 'loaded', $3::TIMESTAMPTZ, now(), $4::JSON, $5::JSON, $6, NULL)`,
        [batchId, sourceDir, started.toISOString(), JSON.stringify(summary.files), JSON.stringify(summary), mapping.source || null],
      );
      const commitDone = startPhase();
      await store.run('COMMIT');
      commitDone('commit');
      await dropWorkTables(store);
      opts.onProgress?.({ phase: 'done' });
      return summary;
    } catch (err) {
      if (inTransaction) await store.run('ROLLBACK').catch(() => undefined);
      await dropWorkTables(store).catch(() => undefined);
      const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
      await store.run(
        `INSERT OR REPLACE INTO batches (batch_id, source_dir, status, started_at, finished_at, files, summary, mapping_profile, error)
         VALUES ($1, $2, 'failed', $3::TIMESTAMPTZ, now(), $4::JSON, NULL, $5, $6)`,
        [batchId, sourceDir, started.toISOString(), JSON.stringify(files.map((f) => ({ file: f.name, table: f.table, format: f.format }))), mapping.source || null, message],
      ).catch(() => undefined);
      throw err instanceof IngestError ? err : new IngestError(`导入失败 ingest failed: ${message}`);
    } finally {
      await staging?.stop();
      work.remove();
    }
  });
}

/** Row-level checks of every table with files, parents first: `_fw_chk_<table>` per table. */
async function checkAll(store: Store, files: BatchFile[], staging: Staging, mapping: MappingProfile, tolerance: number, onProgress?: (p: IngestProgress) => void): Promise<Partial<Record<ContractTableName, string>>> {
  const out: Partial<Record<ContractTableName, string>> = {};
  for (const table of CONTRACT_TABLES) {
    const waited = startPhase();
    const mine = await Promise.all(files.flatMap((f, i) => (f.table === table ? [staging.ready(i)] : [])));
    if (mine.length > 0) waited(`  ${table} files ready`);
    if (mine.length === 0) continue;
    onProgress?.({ phase: 'check', table });
    if (table === 'fee_list_d') {
      // Negative fee lines are allowed on reversed settlements and their offsets (database or this batch).
      const batchSetl = out.setl_d ? `UNION SELECT setl_id FROM ${out.setl_d} WHERE NOT _err AND (refd_setl_flag = 1 OR init_setl_id IS NOT NULL)
        UNION SELECT init_setl_id FROM ${out.setl_d} WHERE NOT _err AND init_setl_id IS NOT NULL` : '';
      await store.run(`CREATE OR REPLACE TEMP TABLE _fw_reversed_setl AS
        SELECT setl_id FROM setl_d WHERE refd_setl_flag = 1 OR init_setl_id IS NOT NULL
        UNION SELECT init_setl_id FROM setl_d WHERE init_setl_id IS NOT NULL ${batchSetl}`);
    }
    const done = startPhase();
    out[table] = await checkTable(store, table, mine, mapping, { amountTolerance: tolerance });
    await countMalformedRows(store, mine);
    done(`  ${table} check`);
  }
  return out;
}

interface LoadOptions {
  failAfterFirst: boolean;
  onProgress?: (p: IngestProgress) => void;
}

async function loadBatch(store: Store, sourceDir: string, staged: StagedFile[], checked: Partial<Record<ContractTableName, string>>, batchId: string, o: LoadOptions): Promise<IngestSummary> {
  const tables: Record<string, TableSummary> = {};
  let merged = 0;
  for (const table of CONTRACT_TABLES) {
    const mine = staged.filter((f) => f.table === table);
    const hasPending = TABLES_WITH_PARENTS.includes(table) && Number(await store.scalar(`SELECT count(*) FROM ${table}_pending`)) > 0;
    if (mine.length === 0 && !hasPending) continue;
    o.onProgress?.({ phase: 'merge', table });
    const done = startPhase();
    const summary = await loadTable(store, table, mine, checked[table] ?? null, batchId);
    done(`${table} load`);
    if (mine.length > 0 || summary.resolved_pending > 0) tables[table] = summary;
    merged++;
    // Test hook for a hard crash mid-load (the process dies with the transaction open).
    if (merged === 1 && process.env.FUNDWATCH_INGEST_CRASH_AFTER_FIRST_TABLE === '1') process.kill(process.pid, 'SIGKILL');
    if (o.failAfterFirst && merged === 1) throw new Error(`测试注入的失败 injected failure after merging ${table} (FUNDWATCH_INGEST_FAIL_AFTER_FIRST_TABLE)`);
  }
  return {
    batch_id: batchId,
    status: 'loaded',
    tables,
    top_reasons: await topReasons(store, batchId),
    source_dir: sourceDir,
    files: staged.map((f) => ({ file: f.name, table: f.table, format: f.format, encoding: f.encoding, rows: f.records })),
    first_rejects: await rejectSamples(store, batchId),
  };
}

async function loadTable(store: Store, table: ContractTableName, files: StagedFile[], chk: string | null, batchId: string): Promise<TableSummary> {
  const rej = await createRejectTable(store, table);
  let done = startPhase();
  if (chk) {
    await setLevelChecks(store, table, chk, rej);
    done(`  ${table} set-level`);
  }
  done = startPhase();
  const counts = await mergeTable(store, table, chk, batchId);
  done(`  ${table} merge`);
  let pending = 0;
  if (chk) {
    done = startPhase();
    await keepPending(store, table, chk, rej, batchId);
    await writeRejects(store, table, rej, chk, files, batchId);
    done(`  ${table} rejects`);
    await writeMalformedRows(store, table, files, batchId);
    if (TABLES_WITH_PARENTS.includes(table)) pending = Number(await store.scalar(`SELECT count(*) FROM ${table}_pending WHERE batch_id = $1`, [batchId]));
  }
  const rc = await rejectCounts(store, table, batchId);
  const summary: TableSummary = {
    read: files.reduce((n, f) => n + f.records, 0),
    loaded: counts.loaded,
    updated: counts.updated,
    unchanged: counts.unchanged,
    rejected: rc.rejected,
    warnings: rc.warnings,
    resolved_pending: counts.resolved,
    pending,
  };
  rowsAddUp(table, summary);
  return summary;
}

/**
 * Every row read either reached the table (loaded, updated or unchanged) or was rejected with an error (orphans
 * waiting in `<table>_pending` included); otherwise a row was lost or counted twice, and the batch fails.
 */
function rowsAddUp(table: ContractTableName, s: TableSummary): void {
  const reached = s.loaded + s.updated + s.unchanged;
  if (s.read !== reached + s.rejected) {
    throw new IngestError(`${table}: 行数对不上 rows do not add up: 读取 read ${s.read} ≠ 入库 loaded/updated/unchanged ${reached} + 拒收 rejected ${s.rejected}; 批次未导入 batch not loaded`);
  }
}
