import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Store } from '../store/store.ts';
import { writeAudit } from '../access/audit.ts';

export interface BackupSummary {
  dir: string;
  tables: number;
  rows: number;
}

async function tableRows(store: Store): Promise<{ tables: number; rows: number }> {
  const tables = await store.all<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema = 'main' ORDER BY 1`,
  );
  let rows = 0;
  for (const t of tables) rows += await store.scalar<number>(`SELECT count(*)::BIGINT FROM "${t.table_name.replace(/"/g, '""')}"`);
  return { tables: tables.length, rows };
}

/**
 * CHECKPOINT, retried briefly: DuckDB refuses it while another connection (the API's readers) is in the
 * middle of a query, which lasts milliseconds.
 */
async function checkpoint(store: Store): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.run('CHECKPOINT');
    } catch (err) {
      if (attempt >= 20 || !/other transactions|checkpoint/i.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * EXPORT DATABASE inside the store's exclusive section: no write of this process interleaves, so the copy
 * is consistent. Run in the owner (CLI forwarding) while the server runs.
 */
export async function backupStore(store: Store, dir: string, actor: string): Promise<BackupSummary> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return store.exclusive(async () => {
    await checkpoint(store);
    await store.run(`EXPORT DATABASE '${dir.replace(/'/g, "''")}' (FORMAT parquet)`);
    const counts = await tableRows(store);
    await writeAudit(store, { actor, action: 'backup', object_type: 'database', object_id: dir, detail: counts });
    return { dir, ...counts };
  });
}

/**
 * Restores into a new file: the current migrations create the schema (tables, views, table macros — which
 * DuckDB's IMPORT DATABASE cannot order), then each table's parquet file listed in the backup's load.sql is
 * inserted by column name, and every sequence behind a column default is advanced past the restored ids.
 */
export async function restoreStore(dir: string, dbPath: string): Promise<BackupSummary> {
  const load = readFileSync(join(dir, 'load.sql'), 'utf8');
  const files = [...load.matchAll(/COPY\s+"?(\w+)"?\s+FROM\s+'([^']+)'/g)].map((m) => ({ table: m[1]!, file: join(dir, basename(m[2]!)) }));
  const store = await Store.open(dbPath);
  try {
    await store.transaction(async () => {
      for (const f of files) {
        if (!(await store.tableExists(f.table))) throw new Error(`备份中的表在当前版本中不存在 table ${f.table} of the backup does not exist in this version`);
        await store.run(`DELETE FROM "${f.table}"`); // reference rows the migrations seeded
        await store.run(`INSERT INTO "${f.table}" BY NAME SELECT * FROM read_parquet('${f.file.replace(/'/g, "''")}')`);
      }
      const seqCols = await store.all<{ table_name: string; column_name: string; seq: string }>(
        `SELECT table_name, column_name, regexp_extract(column_default, 'nextval\\(''([^'']+)''', 1) AS seq
         FROM duckdb_columns() WHERE column_default LIKE 'nextval(%'`);
      for (const c of seqCols) {
        const max = await store.scalar<number | null>(`SELECT max("${c.column_name}")::BIGINT FROM "${c.table_name}"`);
        if (max) await store.run(`SELECT max(nextval('${c.seq}')) FROM range(${Math.floor(max)})`);
      }
    });
    return { dir, ...(await tableRows(store)) };
  } finally {
    store.close();
  }
}
