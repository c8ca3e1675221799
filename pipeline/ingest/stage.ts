import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../store/store.ts';
import { fieldNames } from '../contract.ts';
import { stageArrow } from './arrow.ts';
import { MalformedHeaderError, readCsvHeader, type CsvHeader } from './csv-header.ts';
import { detectEncoding, type CsvEncoding } from './encoding.ts';
import { IngestError, ident, sqlString } from './errors.ts';
import { LineTooLongError, NUMBER_COLUMN, writeNumberedCopy } from './numbered-copy.ts';
import type { IngestWorkDir } from './work-dir.ts';
import type { BatchFile } from './files.ts';
import type { MappingProfile } from './mapping.ts';

/** The row as read, as JSON (all source columns under their source names). */
export function rawJsonSql(f: { columns: string[] }, alias = 's'): string {
  return `to_json(struct_pack(${f.columns.map((c) => `${ident(c)} := ${alias}.${ident(c)}`).join(', ')}))`;
}

/**
 * One file of the batch, ready to be read by the checks and the merge. CSV files are read in place from a
 * numbered UTF-8 copy (numbered-copy.ts), Parquet files in place, Arrow files from a VARCHAR staging table.
 */
export interface StagedFile extends BatchFile {
  index: number;
  /** What to read the file's rows from: a staging table, or a table function over the file (or its copy). */
  source: string;
  /** The first read of the file (the checks'): for CSV the one that records malformed rows; else `source`. */
  checkSource: string;
  /** Column of `source` giving the 0-based position of the row in the file. */
  rowIdColumn: 'rowid' | 'file_row_number' | typeof NUMBER_COLUMN;
  encoding: CsvEncoding | null;
  /** Source columns as read. */
  columns: string[];
  /** Source column → DuckDB type as read (all VARCHAR for CSV and Arrow). */
  columnTypes: Record<string, string>;
  /** Contract field → source column (only the fields the file has). */
  fieldSource: Record<string, string>;
  /** CSV: DuckDB's rejects table of the checks' read (rows it could not split into the header's columns, recorded as
   *  `bad_row` rejects), this file's rows being those of scan file `copyPath`; counted once the checks have read the
   *  file (`countMalformedRows`). A file read together with others (`csvGroupSource`) shares the group's table. */
  malformedTable: string | null;
  malformedRows: number;
  /** CSV: the records left out of the copy (unparsable or invalid bytes), JSON Lines (numbered-copy.ts), and how many. */
  sidecar: string | null;
  sidecarRows: number;
  /** Data rows in the file, malformed CSV rows included (for CSV: the records numbered in its copy). */
  records: number;
  /** CSV: the delimiter read from the header. */
  delim: string | null;
  /** CSV: the numbered copy DuckDB reads, and the header it is read with. */
  copyPath: string | null;
  header: CsvHeader | null;
}

const normalize = (s: string): string => s.replace(/^\uFEFF/, '').trim().toLowerCase();

// The dialect is explicit (csv-header.ts): no sniffing. The copy holds only records that parse (csv-records.ts),
// UTF-8, each ended by LF and starting with its number. A record with too few or too many fields becomes a reject
// (store_rejects) instead of failing the file: the checks' read records them in `rejects`, later reads in a table
// of their own.
function readCsvSql(paths: string[], header: CsvHeader, rejects: string): string {
  const columns = [`${sqlString(NUMBER_COLUMN)}: 'BIGINT'`, ...header.names.map((n) => `${sqlString(n)}: 'VARCHAR'`)].join(', ');
  const files = paths.length === 1 ? sqlString(paths[0]) : `[${paths.map(sqlString).join(', ')}]`;
  return `read_csv(${files}, auto_detect = false, header = true, delim = ${sqlString(header.delim)}, quote = '"', escape = '"',
    new_line = '\\n', columns = {${columns}}, store_rejects = true, rejects_table = '${rejects}', rejects_scan = '${rejects}_scan')`;
}

interface CsvCopy {
  path: string;
  header: CsvHeader;
  encoding: CsvEncoding;
  records: number;
  rejectsPath: string;
  rejected: number;
}

/**
 * The numbered copies of a batch's CSV files, written one at a time in the background (single-threaded JS), in
 * staging order, so that DuckDB reads and checks the files copied before while the next one is copied.
 */
class CopiesAhead {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly jobs = new Map<number, Promise<CsvCopy>>();
  private cancelled = false;

  constructor(private readonly work: IngestWorkDir) {}

  start(index: number, file: BatchFile, detected: CsvEncoding | 'undecided'): void {
    const job = this.chain.then(async () => {
      if (this.cancelled) throw new IngestError(`${file.name}: 导入已中止 ingest stopped before this file was read`);
      let dir: string;
      try {
        dir = this.work.path();
      } catch (err) {
        throw new IngestError(`${file.name}: 无法在 ${tmpdir()} 下创建临时目录 cannot create a temporary directory for the file's copy: ${firstLine(err)}`);
      }
      return copyCsv(file, join(dir, `${index}.csv`), join(dir, `${index}.rejects.jsonl`), detected);
    });
    job.catch(() => undefined); // reported where the file is read
    this.chain = job.catch(() => undefined);
    this.jobs.set(index, job);
  }

  get(index: number): Promise<CsvCopy> {
    return this.jobs.get(index)!;
  }

  /** Starts no more copies and resolves once none is running. */
  stop(): Promise<unknown> {
    this.cancelled = true;
    return this.chain;
  }
}

/** Numbered copy of one CSV file, and the sidecar of its rejected records. */
async function copyCsv(file: BatchFile, out: string, rejectsPath: string, detected: CsvEncoding | 'undecided'): Promise<CsvCopy> {
  try {
    const header = readCsvHeader(file.path, detected === 'gb18030' ? 'gb18030' : 'utf-8');
    if (!header) throw new IngestError(`${file.name}: 文件为空，没有表头行 empty file, no header row`);
    const copy = await writeNumberedCopy(file.path, out, { encoding: detected, delim: header.delim, names: header.names, rejectsPath });
    return { path: out, header, encoding: copy.encoding, records: copy.records, rejectsPath, rejected: copy.rejected };
  } catch (err) {
    if (err instanceof IngestError) throw err;
    if (err instanceof MalformedHeaderError || err instanceof LineTooLongError) throw new IngestError(`${file.name}: ${firstLine(err)}`);
    throw new IngestError(`${file.name}: 无法读取文件或写入其临时副本 cannot read the file or write its temporary copy ${out} (csv): ${firstLine(err)}`);
  }
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0];
}

/** The files of a batch being made readable (`stageFiles`): each one's StagedFile once it is. */
export interface Staging {
  /** The file with this index, once readable (a CSV file once its numbered copy is written). */
  ready(index: number): Promise<StagedFile>;
  /** Starts no more copies and resolves once none is running (before the work directory is removed). */
  stop(): Promise<unknown>;
}

/**
 * Makes every file of the batch readable: Parquet files are read as they are, Arrow files are loaded into a
 * staging table `_fw_stg_<i>` (temporary) now, and CSV files get a numbered UTF-8 copy under `work`, written in
 * the background, smallest file first, so that the checks of the tables whose files are ready run while the
 * largest file is still being copied. `work` must outlive the ingest's reads.
 */
export async function stageFiles(
  store: Store,
  files: BatchFile[],
  mapping: MappingProfile,
  work: IngestWorkDir,
  onFile?: (file: BatchFile, i: number) => void,
): Promise<Staging> {
  const copies = new CopiesAhead(work);
  const order = [...files.entries()].sort(([i, a], [j, b]) => statSync(a.path).size - statSync(b.path).size || i - j);
  const encodingOf = (f: BatchFile): CsvEncoding | 'undecided' => {
    try {
      return detectEncoding(f.path);
    } catch (err) {
      throw new IngestError(`${f.name}: 无法读取文件 cannot read file (csv): ${firstLine(err)}`);
    }
  };
  const done = new Map<number, StagedFile>();
  try {
    for (const [index, file] of order) if (file.format === 'csv') copies.start(index, file, encodingOf(file));
    for (const [index, file] of order) {
      if (file.format === 'csv') continue;
      onFile?.(file, index);
      done.set(index, await stageInPlaceOrArrow(store, file, index, mapping));
    }
  } catch (err) {
    await copies.stop();
    throw err;
  }
  const csv = new Map<number, Promise<StagedFile>>();
  return {
    ready(index) {
      const staged = done.get(index);
      if (staged) return Promise.resolve(staged);
      let p = csv.get(index);
      if (!p) {
        const file = files[index];
        p = copies.get(index).then((copy) => {
          onFile?.(file, index);
          return csvFile(file, index, copy, mapping);
        });
        csv.set(index, p);
      }
      return p;
    },
    stop: () => copies.stop(),
  };
}

function csvFile(file: BatchFile, index: number, copy: CsvCopy, mapping: MappingProfile): StagedFile {
  const errTable = `_fw_csverr_${index}`;
  const columns = copy.header.names;
  return {
    ...file, index, source: readCsvSql([copy.path], copy.header, `${errTable}_again`), checkSource: readCsvSql([copy.path], copy.header, errTable),
    rowIdColumn: NUMBER_COLUMN, encoding: copy.encoding, columns,
    columnTypes: Object.fromEntries(columns.map((c) => [c, 'VARCHAR'])), fieldSource: fieldSources(file, columns, mapping),
    malformedTable: errTable, malformedRows: 0, sidecar: copy.rejected > 0 ? copy.rejectsPath : null, sidecarRows: copy.rejected,
    records: copy.records, delim: copy.header.delim, copyPath: copy.path, header: copy.header,
  };
}

async function stageInPlaceOrArrow(store: Store, file: BatchFile, index: number, mapping: MappingProfile): Promise<StagedFile> {
  const table = `_fw_stg_${index}`;
  try {
    if (file.format === 'parquet') {
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
  const records = Number(await store.scalar(`SELECT count(*)::BIGINT FROM ${source}`));
  return {
    ...file, index, source, checkSource: source, rowIdColumn: inPlace ? 'file_row_number' : 'rowid', encoding: null, columns, columnTypes,
    fieldSource: fieldSources(file, columns, mapping), malformedTable: null, malformedRows: 0, sidecar: null, sidecarRows: 0, records, delim: null, copyPath: null, header: null,
  };
}

function rejectedRowSql(f: StagedFile): string {
  return `TRY_CAST(substr(csv_line, 1, strpos(csv_line, ${sqlString(f.delim!)}) - 1) AS BIGINT) + 1`;
}

/**
 * One read of several CSV files with the same header (a table in many parts), for the checks (`checkSource`) or the
 * merge: read_csv over the list of copies, each row with the index of its file as `_fw_fi`. DuckDB runs one scan
 * instead of one per file (256 small files: 0.25 s against 2 s for a UNION ALL of single reads, measured). The
 * files' malformedTable becomes the group's.
 */
export function csvGroupSource(group: StagedFile[], which: 'source' | 'checkSource'): string {
  const table = `_fw_csverr_g${group[0].index}${which === 'source' ? '_again' : ''}`;
  if (which === 'checkSource') for (const f of group) f.malformedTable = table;
  const read = readCsvSql(group.map((f) => f.copyPath!), group[0].header!, table);
  return `(SELECT [${group.map((f) => f.index).join(', ')}][file_index::BIGINT + 1] AS _fw_fi, * EXCLUDE (file_index) FROM (SELECT file_index, * FROM ${read}))`;
}

/**
 * DuckDB's rejects of CSV files: per rejects table (one per read, of a file or of a group), its rows with the
 * file's index `_fi` and name `_file` (found through the scan table by the copy's path), the 1-based row `_row` (the
 * record number the copy put in front of the line) and the line without that number, `_line`.
 */
export function csvRejectsSql(files: StagedFile[]): string[] {
  const byTable = new Map<string, StagedFile[]>();
  for (const f of files) if (f.malformedTable) byTable.set(f.malformedTable, [...(byTable.get(f.malformedTable) ?? []), f]);
  return [...byTable].map(([t, fs]) => `SELECT e.*, m._fi, m._file, ${rejectedRowSql(fs[0])} AS _row,
      substr(csv_line, strpos(csv_line, ${sqlString(fs[0].delim!)}) + 1) AS _line
    FROM ${t} e
    JOIN ${t}_scan sc ON sc.scan_id = e.scan_id AND sc.file_id = e.file_id
    JOIN (VALUES ${fs.map((f) => `(${sqlString(f.copyPath!)}, ${f.index}, ${sqlString(f.name)})`).join(', ')}) m(path, _fi, _file) ON m.path = sc.file_path`);
}

/**
 * After the checks have read a table's CSV files (their first read): the rows DuckDB could not split, counted by
 * record (DuckDB may report several errors for one row). DuckDB creates a rejects table only for a read with some.
 */
export async function countMalformedRows(store: Store, files: StagedFile[]): Promise<void> {
  const csv = files.filter((f) => f.malformedTable);
  for (const f of csv) f.malformedRows = 0;
  if (csv.length === 0) return;
  const existing = new Set((await store.all<{ name: string }>(
    `SELECT table_name AS name FROM duckdb_tables() WHERE temporary AND table_name LIKE '\\_fw\\_csverr\\_%' ESCAPE '\\'`,
  )).map((r) => r.name));
  const reads = csvRejectsSql(csv.filter((f) => existing.has(f.malformedTable!)));
  if (reads.length === 0) return;
  const counts = await store.all<{ i: number; n: number }>(`SELECT _fi AS i, count(DISTINCT _row)::INTEGER AS n
    FROM (${reads.map((r) => `SELECT _fi, _row FROM (${r})`).join('\nUNION ALL\n')}) GROUP BY 1`);
  for (const r of counts) files.find((f) => f.index === Number(r.i))!.malformedRows = Number(r.n);
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

/** SQL for the 1-based data row number of a row of `source` (alias `s`): CSV rows carry it in their copy. */
export function rowNumberSql(f: StagedFile): string {
  return `s.${f.rowIdColumn} + 1`;
}
