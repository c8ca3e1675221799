import { CONTRACT, type ContractTableName } from '../contract.ts';
import type { Store } from '../store/store.ts';
import { IngestError, ident, sqlString } from './errors.ts';
import { typedView } from './checks.ts';

/**
 * Set-level checks and the merge of one table, all in SQL. Input: `_fw_chk_<table>` (checks.ts) or none
 * when the batch has no file for the table but earlier orphans are pending. Findings go to `_fw_rej_<table>`
 * (file index, staging rowid, row, field, reason, severity, message, status); rejects.ts writes them out.
 */

export interface MergeCounts {
  loaded: number;
  updated: number;
  unchanged: number;
  /** Pending orphans of earlier batches whose parent has now arrived (loaded now). */
  resolved: number;
  /** Pending orphans of earlier batches replaced by a row of this batch with the same key. */
  superseded: number;
}

const keyEq = (keys: string[], a: string, b: string) => keys.map((k) => `${a}.${ident(k)} = ${b}.${ident(k)}`).join(' AND ');

export async function createRejectTable(store: Store, table: ContractTableName): Promise<string> {
  const rej = `_fw_rej_${table}`;
  await store.run(`CREATE OR REPLACE TEMP TABLE ${rej} (_fi INTEGER, _rid BIGINT, _row BIGINT, field VARCHAR, reason_code VARCHAR,
    severity VARCHAR, message VARCHAR, status VARCHAR)`);
  return rej;
}

/** Row-level findings, duplicates within the batch (first occurrence kept) and orphans (pending). */
export async function setLevelChecks(store: Store, table: ContractTableName, chk: string, rej: string): Promise<void> {
  const def = CONTRACT[table];
  const keys = def.key.map(ident).join(', ');
  await store.run(`INSERT INTO ${rej} SELECT _fi, _rid, _row, u.field, u.reason_code, u.severity, u.message, 'final'
    FROM (SELECT _fi, _rid, _row, unnest(issues) AS u FROM ${chk} WHERE issues IS NOT NULL)`);

  const keyText = def.key.map((k) => `COALESCE(c.${ident(k)}::VARCHAR, '')`).join(` || '/' || `);
  await store.run(`INSERT INTO ${rej}
    SELECT _fi, _rid, _row, ${sqlString(def.key.join('+'))}, 'duplicate_in_batch', 'error',
      '批次内主键重复 duplicate key in batch: ' || key_text || ' (首次出现 first at ' || f.name || ' 第 ' || first_row || ' 行 row)', 'final'
    FROM (SELECT c._fi, c._rid, c._row, ${keyText} AS key_text,
            row_number() OVER w AS rn, first_value(c._fi) OVER w AS first_fi, first_value(c._row) OVER w AS first_row
          FROM ${chk} c SEMI JOIN (SELECT ${keys} FROM ${chk} WHERE NOT _err GROUP BY ${keys} HAVING count(*) > 1) d ON ${keyEq(def.key, 'c', 'd')}
          WHERE NOT c._err
          WINDOW w AS (PARTITION BY ${def.key.map((k) => `c.${ident(k)}`).join(', ')} ORDER BY c._fi, c._row)) x
    JOIN _fw_files f ON f.fi = x.first_fi
    WHERE rn > 1`);

  for (const p of def.parents) {
    const field = p.fields.join('+');
    const on = p.fields.map((f, i) => `pt.${ident(p.parentKey[i])} = c.${ident(f)}`).join(' AND ');
    await store.run(`INSERT INTO ${rej}
      SELECT c._fi, c._rid, c._row, ${sqlString(field)}, 'orphan', 'error',
        '找不到上级记录 orphan: no ${p.table} row with ${p.parentKey.join('+')} = ' || ${p.fields.map((f) => `COALESCE(c.${ident(f)}::VARCHAR, '')`).join(` || '/' || `)} || ' (数据库与本批次均无 in neither the database nor the batch; 待上级到达后自动导入 pending)', 'pending'
      FROM ${chk} c ANTI JOIN ${p.table} pt ON ${on}
      WHERE NOT c._err AND ${p.fields.map((f) => `c.${ident(f)} IS NOT NULL`).join(' AND ')}
        AND c._seq NOT IN (SELECT (_fi::BIGINT << 40) + _rid FROM ${rej} WHERE reason_code = 'duplicate_in_batch')`);
  }
  // Rows with any error (row-level, duplicate, orphan) are not loaded: a small list anti-joined in the merge.
  await store.run(`CREATE OR REPLACE TEMP TABLE _fw_drop AS SELECT DISTINCT (_fi::BIGINT << 40) + _rid AS _seq FROM ${rej} WHERE severity = 'error'`);
}

/** Lists of at most this many rejected rows are written into the merge as constants (see acceptedRowsSql). */
const DROP_LIST_MAX = 256;

/**
 * How the merge leaves out the batch's rows with errors (`_fw_drop`): nothing when there are none, a NOT IN list
 * of constants when there are few, else an anti-join. Measured on 1 M fee lines: an insert fed by an anti-join
 * (or by NOT IN a subquery) runs on about one thread, 2.5 s, against 1.5 s for the plain insert; 100 constants
 * cost nothing, 1,000 about 0.4 s. (preserve_insertion_order off made every one of these inserts slower.)
 */
async function acceptedRowsSql(store: Store): Promise<string> {
  const n = await count(store, 'SELECT count(*) FROM _fw_drop');
  if (n === 0) return '';
  if (n > DROP_LIST_MAX) return 'ANTI JOIN _fw_drop d ON d._seq = c._seq';
  const seqs = await store.all<{ s: string }>('SELECT _seq::VARCHAR AS s FROM _fw_drop ORDER BY _seq');
  return `WHERE c._seq NOT IN (${seqs.map((r) => r.s).join(', ')})`;
}

/**
 * The merge reads a CSV file a second time (its numbered copy; checks.ts read it first): the rows it takes must
 * be exactly the rows the checks accepted, or the batch fails (and rolls back) rather than lose a row silently.
 */
function sameRowsAsChecked(table: ContractTableName, accepted: number, merged: number): void {
  if (accepted !== merged) {
    throw new IngestError(`${table}: 合并读到的行数与检查时不同 the merge read ${merged} accepted rows, the checks ${accepted}; 批次未导入 batch not loaded`);
  }
}

async function count(store: Store, sql: string): Promise<number> {
  return Number(await store.scalar(sql));
}

/**
 * Merges the accepted rows (and pending orphans whose parent is now present) into the table:
 * new key → insert; same key, same row_hash → unchanged; same key, other content → the old row moves to
 * `<table>_history` (replaced_by_batch) and the new row replaces it.
 */
export async function mergeTable(store: Store, table: ContractTableName, chk: string | null, batchId: string): Promise<MergeCounts> {
  const def = CONTRACT[table];
  const fields = def.fields.map((f) => ident(f.name));
  const cols = fields.join(', ');
  const b = sqlString(batchId);
  const parts: string[] = [];
  if (chk) {
    parts.push(`SELECT ${cols}, row_hash, 'batch' AS _src FROM ${typedView(table)} c ${await acceptedRowsSql(store)}`);
  }
  let resolved = 0;
  let superseded = 0;
  const hasPending = def.parents.length > 0 && (await count(store, `SELECT count(*) FROM (SELECT 1 FROM ${table}_pending LIMIT 1)`)) > 0;
  if (hasPending) {
    const pending = `${table}_pending`;
    const pendingKey = (alias: string) => `${alias}.batch_id = p.batch_id AND ${alias}.file = p.file AND ${alias}.row_number = p.row_number`;
    const mark = async (status: string, from: string) => {
      await store.run(`UPDATE rejects SET status = ${sqlString(status)}, resolved_batch_id = ${b}
        FROM ${from} p WHERE rejects.status = 'pending' AND rejects.table_name = ${sqlString(table)} AND ${pendingKey('rejects')}`);
      await store.run(`DELETE FROM ${pending} USING ${from} p WHERE ${pendingKey(pending)}`);
    };
    if (chk) {
      await store.run(`CREATE OR REPLACE TEMP TABLE _fw_superseded AS SELECT p.batch_id, p.file, p.row_number FROM ${pending} p
        SEMI JOIN (${parts[0]}) c ON ${keyEq(def.key, 'p', 'c')}`);
      superseded = await count(store, 'SELECT count(*) FROM _fw_superseded');
      if (superseded > 0) await mark('superseded', '_fw_superseded');
    }
    const parentsPresent = def.parents
      .map((pl) => `EXISTS (SELECT 1 FROM ${pl.table} pt WHERE ${pl.fields.map((f, i) => `pt.${ident(pl.parentKey[i])} = p.${ident(f)}`).join(' AND ')})`)
      .join(' AND ');
    await store.run(`CREATE OR REPLACE TEMP TABLE _fw_ready AS SELECT * FROM ${pending} p WHERE ${parentsPresent}`);
    resolved = await count(store, 'SELECT count(*) FROM _fw_ready');
    if (resolved > 0) {
      parts.push(`SELECT ${cols}, row_hash, 'pending' AS _src FROM _fw_ready`);
      await mark('resolved', '_fw_ready');
    }
  }
  const counts: MergeCounts = { loaded: 0, updated: 0, unchanged: 0, resolved, superseded };
  if (parts.length === 0) return counts;
  const candidates = parts.join('\nUNION ALL\n');
  const targetEmpty = (await count(store, `SELECT count(*) FROM (SELECT 1 FROM ${table} LIMIT 1)`)) === 0;
  const accepted = chk ? await count(store, `SELECT count(*) FROM ${chk} c ANTI JOIN _fw_drop d ON d._seq = c._seq WHERE NOT c._err`) : 0;
  if (targetEmpty) {
    // Fast path (first load): every candidate is new; no copy, straight into the table.
    const inserted = await count(store, `INSERT INTO ${table} (${cols}, batch_id, row_hash) SELECT ${cols}, ${b}, row_hash FROM (${candidates})`);
    sameRowsAsChecked(table, accepted, inserted - resolved);
    counts.loaded = accepted;
    return counts;
  }
  const changed = `(SELECT ${def.key.map(ident).join(', ')} FROM _fw_merge WHERE _cls = 2)`;
  await store.run(`CREATE OR REPLACE TEMP TABLE _fw_merge AS
    SELECT c.*, CASE WHEN t.row_hash IS NULL THEN 0 WHEN t.row_hash = c.row_hash THEN 1 ELSE 2 END AS _cls
    FROM (${candidates}) c LEFT JOIN (SELECT ${def.key.map(ident).join(', ')}, row_hash FROM ${table}) t ON ${keyEq(def.key, 't', 'c')}`);
  await store.run(`INSERT INTO ${table}_history SELECT t.*, ${b}, now() FROM ${table} t SEMI JOIN ${changed} m ON ${keyEq(def.key, 't', 'm')}`);
  await store.run(`DELETE FROM ${table} USING ${changed} m WHERE ${keyEq(def.key, table, 'm')}`);
  await store.run(`INSERT INTO ${table} (${cols}, batch_id, row_hash) SELECT ${cols}, ${b}, row_hash FROM _fw_merge WHERE _cls <> 1`);
  const byClass = await store.all<{ _src: string; _cls: number; n: number }>(`SELECT _src, _cls, count(*)::BIGINT AS n FROM _fw_merge GROUP BY ALL`);
  sameRowsAsChecked(table, accepted, byClass.filter((r) => r._src === 'batch').reduce((n, r) => n + Number(r.n), 0));
  for (const r of byClass) {
    if (r._src !== 'batch') continue;
    if (r._cls === 0) counts.loaded = r.n;
    else if (r._cls === 1) counts.unchanged = r.n;
    else counts.updated = r.n;
  }
  await store.run('DROP TABLE _fw_merge');
  return counts;
}

/** Orphan rows of this batch go to `<table>_pending` (typed, with file and row) to be retried by later batches. */
export async function keepPending(store: Store, table: ContractTableName, chk: string, rej: string, batchId: string): Promise<void> {
  if (CONTRACT[table].parents.length === 0) return;
  // Usually there is none: then the typed view (every row of the batch converted again) is not read at all.
  if ((await count(store, `SELECT count(*) FROM (SELECT 1 FROM ${rej} WHERE reason_code = 'orphan' LIMIT 1)`)) === 0) return;
  const cols = CONTRACT[table].fields.map((f) => ident(f.name)).join(', ');
  await store.run(`INSERT INTO ${table}_pending (${cols}, batch_id, row_hash, file, row_number)
    SELECT ${cols}, ${sqlString(batchId)}, row_hash, f.name, c._row FROM ${typedView(table)} c JOIN _fw_files f ON f.fi = c._fi
    WHERE c._seq IN (SELECT (_fi::BIGINT << 40) + _rid FROM ${rej} WHERE reason_code = 'orphan')`);
}
