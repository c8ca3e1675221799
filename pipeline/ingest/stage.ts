import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../store/store.ts';
import { fieldNames } from '../contract.ts';
import { stageArrow } from './arrow.ts';
import { readCsvHeader, type CsvHeader } from './csv-header.ts';
import { detectEncoding, transcodeToUtf8, type CsvEncoding } from './encoding.ts';
import { IngestError, ident, sqlString } from './errors.ts';

/** The row as read, as JSON (all source columns under their source names). */
export function rawJsonSql(f: { columns: string[] }, alias = 's'): string {
  return `to_json(struct_pack(${f.columns.map((c) => `${ident(c)} := ${alias}.${ident(c)}`).join(', ')}))`;
}
import type { BatchFile } from './files.ts';
import type { MappingProfile } from './mapping.ts';

/** One file read into its own staging table, columns exactly as read; rowid follows file order. */
export interface StagedFile extends BatchFile {
  index: number;
  /** What to read the file's rows from: its staging table, or for Parquet the file itself (no copy). */
  source: string;
  /** Column of `source` giving the 0-based position of the row in the file. */
  rowIdColumn: 'rowid' | 'file_row_number';
  encoding: CsvEncoding | null;
  rows: number;
  /** Source columns as read. */
  columns: string[];
  /** Source column → DuckDB type as read (all VARCHAR for CSV and Arrow staging). */
  columnTypes: Record<string, string>;
  /** Contract field → source column (only the fields the file has). */
  fieldSource: Record<string, string>;
  /** CSV rows DuckDB could not split into the header's columns (recorded as `bad_row` rejects). */
  malformedTable: string | null;
  malformedRows: number;
}

const normalize = (s: string): string => s.replace(/^\uFEFF/, '').trim().toLowerCase();

async function dropCsvErrorTables(store: Store, errTable: string): Promise<void> {
  await store.run(`DROP TABLE IF EXISTS ${errTable}`);
  await store.run(`DROP TABLE IF EXISTS ${errTable}_scan`);
}

// store_rejects: a row with too few/many fields becomes a reject instead of failing the whole file. The dialect
// is explicit (csv-header.ts): no sniffing, so a malformed row cannot change how the rest of the file is read.
function readCsvSql(path: string, errTable: string, header: CsvHeader): string {
  const columns = header.names.map((n) => `${sqlString(n)}: 'VARCHAR'`).join(', ');
  return `read_csv(${sqlString(path)}, auto_detect = false, header = true, delim = ${sqlString(header.delim)}, quote = '"', escape = '"',
    columns = {${columns}}, store_rejects = true, rejects_table = '${errTable}', rejects_scan = '${errTable}_scan')`;
}

/**
 * The GB18030 files of a batch transcoded ahead, one at a time in staging order, so that a file's transcoding
 * (single-threaded JS) overlaps DuckDB's reading of the files staged before it.
 */
class TranscodesAhead {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly jobs = new Map<number, Promise<string>>();
  private cancelled = false;

  constructor(private readonly work: () => string) {}

  start(index: number, file: BatchFile): void {
    const out = join(this.work(), `${index}-${file.name}.utf8.csv`);
    const job = this.chain.then(async () => {
      if (this.cancelled) throw new IngestError(`${file.name}: 导入已中止 ingest stopped before this file was transcoded`);
      await transcodeToUtf8(file.path, out);
      return out;
    });
    job.catch(() => undefined); // reported where the file is staged
    this.chain = job.catch(() => undefined);
    this.jobs.set(index, job);
  }

  get(index: number): Promise<string> | undefined {
    return this.jobs.get(index);
  }

  /** Starts no more transcoding and resolves once none is running (before the work directory is removed). */
  stop(): Promise<unknown> {
    this.cancelled = true;
    return this.chain;
  }
}

/** `detected`: detectEncoding of the file; `ahead`: its UTF-8 copy when already being transcoded (TranscodesAhead). */
async function stageCsv(
  store: Store, file: BatchFile, table: string, errTable: string, work: () => string, detected: CsvEncoding, ahead?: Promise<string>,
): Promise<CsvEncoding> {
  let encoding = detected;
  const attempt = async (path: string): Promise<boolean> => {
    const header = readCsvHeader(path);
    if (!header) throw new IngestError(`${file.name}: 文件为空，没有表头行 empty file, no header row`);
    await dropCsvErrorTables(store, errTable);
    await store.run(`CREATE TEMP TABLE ${table} AS SELECT * FROM ${readCsvSql(path, errTable, header)}`);
    // DuckDB 1.5 also reports INVALID ENCODING on a line it failed to split (e.g. a stray quote before a multi-byte
    // character): only an encoding error on an otherwise well-formed line means the file is not UTF-8.
    const bad = await store.scalar<number>(`SELECT count(*)::INTEGER FROM ${errTable} e
      WHERE error_type IN ('INVALID UNICODE', 'INVALID ENCODING')
        AND NOT EXISTS (SELECT 1 FROM ${errTable} o WHERE o.line = e.line AND o.error_type NOT IN ('INVALID UNICODE', 'INVALID ENCODING'))`);
    return bad === 0;
  };
  if (encoding !== 'gb18030' && (await attempt(file.path))) return encoding;
  // Not UTF-8 (from the sample, or later in the file): GB18030/GBK, transcoded to a temporary UTF-8 copy.
  await store.run(`DROP TABLE IF EXISTS ${table}`);
  encoding = 'gb18030';
  let utf8 = join(work(), `${file.name}.utf8.csv`);
  if (ahead) utf8 = await ahead;
  else await transcodeToUtf8(file.path, utf8);
  try {
    if (!(await attempt(utf8))) throw new IngestError(`${file.name}: 文件编码无法识别 cannot decode the file as UTF-8 or GB18030`);
  } finally {
    rmSync(utf8, { force: true });
  }
  return encoding;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0];
}

/** Reads every file of the batch into staging tables `_fw_stg_<i>` (temporary; dropped with the transaction). */
export async function stageFiles(
  store: Store,
  files: BatchFile[],
  mapping: MappingProfile,
  onFile?: (file: BatchFile, i: number) => void,
): Promise<StagedFile[]> {
  let workDir: string | null = null;
  const work = () => (workDir ??= mkdtempSync(join(tmpdir(), 'fw-ingest-')));
  const staged: StagedFile[] = [];
  const transcodes = new TranscodesAhead(work);
  // Smallest files first: the largest GB18030 file is transcoded while the others are read.
  const order = [...files.entries()].sort(([i, a], [j, b]) => statSync(a.path).size - statSync(b.path).size || i - j);
  const encodingOf = (f: BatchFile): CsvEncoding => {
    try {
      return detectEncoding(f.path);
    } catch (err) {
      throw new IngestError(`${f.name}: 无法读取文件 cannot read file (csv): ${firstLine(err)}`);
    }
  };
  const encodings = new Map(order.filter(([, f]) => f.format === 'csv').map(([index, f]) => [index, encodingOf(f)]));
  for (const [index, file] of order) if (encodings.get(index) === 'gb18030') transcodes.start(index, file);
  try {
    for (const [index, file] of order) {
      onFile?.(file, index);
      const table = `_fw_stg_${index}`;
      const errTable = `_fw_csverr_${index}`;
      let encoding: CsvEncoding | null = null;
      let malformedRows = 0;
      try {
        if (file.format === 'csv') {
          encoding = await stageCsv(store, file, table, errTable, work, encodings.get(index)!, transcodes.get(index));
          malformedRows = await store.scalar<number>(`SELECT count(DISTINCT line)::INTEGER FROM ${errTable}`);
        } else if (file.format === 'parquet') {
          // Read in place (checked pass and rejects read the file again): file_row_number gives the row.
          await store.run(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file.path)})`);
        } else {
          await stageArrow(store, file.path, table);
        }
      } catch (err) {
        if (err instanceof IngestError) throw err;
        throw new IngestError(`${file.name}: 无法读取文件 cannot read file (${file.format}): ${firstLine(err)}`);
      }
      const inPlace = file.format === 'parquet';
      const source = inPlace ? `read_parquet(${sqlString(file.path)}, file_row_number = true)` : table;
      const described = inPlace
        ? await store.all<{ name: string; type: string }>(`SELECT column_name AS name, column_type AS type FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(file.path)}))`)
        : await store.all<{ name: string; type: string }>(`SELECT column_name AS name, data_type AS type FROM duckdb_columns() WHERE table_name = $1 AND database_name = 'temp' ORDER BY column_index`, [table]);
      const columns = described.map((r) => r.name);
      const columnTypes = Object.fromEntries(described.map((r) => [r.name, r.type]));
      const rows = Number(await store.scalar(`SELECT count(*)::BIGINT FROM ${source}`));
      staged.push({
        ...file, index, source, rowIdColumn: inPlace ? 'file_row_number' : 'rowid', encoding, rows, columns, columnTypes,
        fieldSource: fieldSources(file, columns, mapping),
        malformedTable: file.format === 'csv' ? errTable : null, malformedRows,
      });
    }
  } finally {
    await transcodes.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  }
  return staged.sort((a, b) => a.index - b.index);
}

/** Which source column feeds each contract field: the profile's rename, else the column named like the field. */
function fieldSources(file: BatchFile, columns: string[], mapping: MappingProfile): Record<string, string> {
  const renames = new Map<string, string>();
  for (const [src, dst] of Object.entries(mapping.tables[file.table]?.columns ?? {})) renames.set(normalize(src), dst);
  const out: Record<string, string> = {};
  const fields = new Set(fieldNames(file.table));
  for (const col of columns) {
    const n = normalize(col);
    const field = renames.get(n) ?? (fields.has(n) ? n : undefined);
    if (!field) continue;
    if (out[field] !== undefined) {
      if (renames.has(n)) out[field] = col; // an explicit rename wins over a same-named column
      continue;
    }
    out[field] = col;
  }
  return out;
}

/** SQL for the 1-based data row number of a staged row (`s.rowid` / `s.file_row_number`), skipping malformed CSV rows. */
export function rowNumberSql(f: StagedFile): string {
  if (!f.malformedTable || f.malformedRows === 0) return `s.${f.rowIdColumn} + 1`;
  // Malformed data rows e_1 < e_2 < … were left out of staging; the k-th staged row is data row
  // k + #{i : e_i - i < k} (e_i - i = staged rows before e_i). DuckDB's line counts the header as line 1.
  return `s.rowid + 1 + (SELECT count(*) FROM (SELECT e, row_number() OVER (ORDER BY e) AS i
      FROM (SELECT DISTINCT line - 1 AS e FROM ${f.malformedTable})) m WHERE m.e - m.i < s.rowid + 1)`;
}
