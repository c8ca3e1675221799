import type { ContractTableName } from '../contract.ts';
import type { Store } from '../store/store.ts';
import { sqlString } from './errors.ts';
import { rawJsonSql, type StagedFile } from './stage.ts';

/**
 * Writes a table's findings to `rejects`, one row per finding, with `raw` = the row as read (all source
 * columns under their source names, JSON), joined back from the file's staging table by rowid.
 */
export async function writeRejects(store: Store, table: ContractTableName, rej: string, files: StagedFile[], batchId: string): Promise<void> {
  for (const f of files) {
    if (Number(await store.scalar(`SELECT count(*) FROM ${rej} WHERE _fi = ${f.index}`)) === 0) continue;
    await store.run(`INSERT INTO rejects (batch_id, table_name, file, row_number, field, reason_code, severity, message, raw, status)
      SELECT ${sqlString(batchId)}, ${sqlString(table)}, ${sqlString(f.name)}, r._row, r.field, r.reason_code, r.severity, r.message, ${rawJsonSql(f)}, r.status
      FROM ${rej} r JOIN ${f.source} s ON s.${f.rowIdColumn} = r._rid
      WHERE r._fi = ${f.index}
      ORDER BY r._row`);
  }
}

/** CSV rows DuckDB could not split into the header's columns: `bad_row` errors, raw = the line as read. */
export async function writeMalformedRows(store: Store, f: StagedFile, batchId: string): Promise<void> {
  if (!f.malformedTable || f.malformedRows === 0) return;
  await store.run(`INSERT INTO rejects (batch_id, table_name, file, row_number, field, reason_code, severity, message, raw, status)
    SELECT ${sqlString(batchId)}, ${sqlString(f.table)}, ${sqlString(f.name)}, line - 1, column_name, 'bad_row', 'error',
      'CSV 行格式错误 malformed CSV row: ' || error_message, json_object('csv_line', csv_line), 'final'
    FROM (SELECT *, row_number() OVER (PARTITION BY line ORDER BY error_type IN ('INVALID UNICODE', 'INVALID ENCODING'), column_idx) AS k
          FROM ${f.malformedTable}) WHERE k = 1
    ORDER BY line`);
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
