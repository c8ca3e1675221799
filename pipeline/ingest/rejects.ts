import type { ContractTableName } from '../contract.ts';
import type { Store } from '../store/store.ts';
import { sqlString } from './errors.ts';
import { csvRejectsSql, rawJsonSql, type StagedFile } from './stage.ts';

/**
 * Writes a table's findings to `rejects`, one row per finding, with `raw` = the row as read (all source
 * columns under their source names, JSON): kept by the checks for rows with a row-level finding (`chk._raw`),
 * read from the file again only for rows with set-level findings alone (duplicates, orphans).
 */
export async function writeRejects(store: Store, table: ContractTableName, rej: string, chk: string, files: StagedFile[], batchId: string): Promise<void> {
  if (Number(await store.scalar(`SELECT count(*) FROM (SELECT 1 FROM ${rej} LIMIT 1)`)) === 0) return;
  await store.run(`CREATE OR REPLACE TEMP TABLE _fw_rej_raw AS
    SELECT r.*, c._raw AS raw FROM ${rej} r LEFT JOIN (SELECT _seq, _raw FROM ${chk} WHERE _raw IS NOT NULL) c ON c._seq = (r._fi::BIGINT << 40) + r._rid`);
  for (const f of files) {
    const missing = `SELECT DISTINCT _rid FROM _fw_rej_raw WHERE _fi = ${f.index} AND raw IS NULL`;
    if (Number(await store.scalar(`SELECT count(*) FROM (${missing})`)) === 0) continue;
    await store.run(`UPDATE _fw_rej_raw SET raw = x.raw
      FROM (SELECT s.${f.rowIdColumn} AS _rid, ${rawJsonSql(f)} AS raw FROM ${f.source} s SEMI JOIN (${missing}) m ON m._rid = s.${f.rowIdColumn}) x
      WHERE _fw_rej_raw._fi = ${f.index} AND _fw_rej_raw._rid = x._rid`);
  }
  await store.run(`INSERT INTO rejects (batch_id, table_name, file, row_number, field, reason_code, severity, message, raw, status)
    SELECT ${sqlString(batchId)}, ${sqlString(table)}, f.name, r._row, r.field, r.reason_code, r.severity, r.message, r.raw, r.status
    FROM _fw_rej_raw r JOIN _fw_files f ON f.fi = r._fi
    ORDER BY r._fi, r._row`);
  await store.run('DROP TABLE _fw_rej_raw');
}

// DuckDB counts the copy's record-number column in its message; the user's file has one column less.
const COLUMN_COUNTS_WITHOUT_NUMBER = `CASE WHEN regexp_matches(error_message, 'Expected Number of Columns: [0-9]+ Found: [0-9]+')
  THEN regexp_replace(error_message, 'Expected Number of Columns: [0-9]+ Found: [0-9]+', 'Expected Number of Columns: '
    || (regexp_extract(error_message, 'Expected Number of Columns: ([0-9]+)', 1)::BIGINT - 1)::VARCHAR || ' Found: '
    || (regexp_extract(error_message, 'Expected Number of Columns: [0-9]+ Found: ([0-9]+)', 1)::BIGINT - 1)::VARCHAR)
  ELSE error_message END`;

/**
 * The malformed records of a table's CSV files, as `bad_row` / `bad_encoding` errors: those the numbered copies
 * left out (their sidecars, raw = the line as read), then the rows DuckDB could not split into the header's
 * columns (raw = the line without the record number the copy put in front, row = that number). One statement each
 * for all files of the table (a table may come in hundreds of parts).
 */
export async function writeMalformedRows(store: Store, table: ContractTableName, files: StagedFile[], batchId: string): Promise<void> {
  const head = `INSERT INTO rejects (batch_id, table_name, file, row_number, field, reason_code, severity, message, raw, status)
    SELECT ${sqlString(batchId)}, ${sqlString(table)}`;
  const sidecars = files.filter((f) => f.sidecar && f.sidecarRows > 0);
  if (sidecars.length > 0) {
    const names = sidecars.map((f) => `(${sqlString(f.sidecar!)}, ${sqlString(f.name)})`).join(', ');
    await store.run(`${head}, n.name, j."row", j.field, j.reason, 'error', j.message, json_object('csv_line', j.line), 'final'
      FROM read_json([${sidecars.map((f) => sqlString(f.sidecar!)).join(', ')}], format = 'newline_delimited', filename = true,
        columns = {"row": 'BIGINT', field: 'VARCHAR', reason: 'VARCHAR', message: 'VARCHAR', line: 'VARCHAR'}) j
      JOIN (VALUES ${names}) n(path, name) ON n.path = j.filename
      ORDER BY n.name, j."row"`);
  }
  const reads = csvRejectsSql(files.filter((f) => f.malformedTable && f.malformedRows > 0));
  if (reads.length === 0) return;
  await store.run(`${head}, _file, _row, column_name, 'bad_row', 'error', 'CSV 行格式错误 malformed CSV row: ' || ${COLUMN_COUNTS_WITHOUT_NUMBER},
      json_object('csv_line', _line), 'final'
    FROM (SELECT *, row_number() OVER (PARTITION BY _fi, _row ORDER BY column_idx) AS k FROM (${reads.join('\nUNION ALL\n')}))
    WHERE k = 1 ORDER BY _file, _row`);
}

export interface RejectCounts {
  rejected: number;
  warnings: number;
}

/** Rows with at least one error (not loaded), and rows loaded with at least one warning, for one table. */
export async function rejectCounts(store: Store, table: ContractTableName, batchId: string): Promise<RejectCounts> {
  const r = await store.one<{ rejected: number; warnings: number }>(
    `SELECT count(*) FILTER (WHERE errors > 0)::BIGINT AS rejected, count(*) FILTER (WHERE errors = 0)::BIGINT AS warnings
     FROM (SELECT file, row_number, count(*) FILTER (WHERE severity = 'error') AS errors FROM rejects
           WHERE batch_id = $1 AND table_name = $2 AND row_number > 0 GROUP BY ALL)`,
    [batchId, table],
  );
  return { rejected: r?.rejected ?? 0, warnings: r?.warnings ?? 0 };
}

export interface RejectSample {
  file: string;
  row_number: number;
  field: string | null;
  reason_code: string;
  severity: string;
  message: string;
}

/** The first few findings of each file (for the human summary: which file, row and field failed). */
export async function rejectSamples(store: Store, batchId: string, perFile = 5): Promise<RejectSample[]> {
  return store.all<RejectSample & Record<string, unknown>>(
    `SELECT file, row_number, field, reason_code, severity, message FROM (
       SELECT *, row_number() OVER (PARTITION BY file ORDER BY row_number, field) AS k FROM rejects WHERE batch_id = $1)
     WHERE k <= $2 ORDER BY file, row_number, field`,
    [batchId, perFile],
  );
}

export async function topReasons(store: Store, batchId: string): Promise<{ reason_code: string; count: number }[]> {
  return store.all<{ reason_code: string; count: number }>(
    `SELECT reason_code, count(*)::BIGINT AS count FROM rejects WHERE batch_id = $1 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`,
    [batchId],
  );
}
