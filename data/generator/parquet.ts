import { DuckDBInstance } from '@duckdb/node-api';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

/** Converts each `<table>.csv` in `dir` to `<table>.parquet` (all columns as text, exactly as written) and removes the CSV. */
export async function toParquet(dir: string, tables: string[]): Promise<void> {
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const con = await db.connect();
  try {
    for (const t of tables) {
      const csv = join(dir, `${t}.csv`).replaceAll("'", "''");
      const pq = join(dir, `${t}.parquet`).replaceAll("'", "''");
      await con.run(`COPY (SELECT * FROM read_csv('${csv}', header = true, all_varchar = true, quote = '"', escape = '"')) TO '${pq}' (FORMAT parquet)`);
      rmSync(join(dir, `${t}.csv`));
    }
  } finally {
    con.closeSync();
    db.closeSync();
  }
}
