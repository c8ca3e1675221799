import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What migrating needs of the store (store.ts opens the database and calls `migrate`, so this file does not import it). */
export interface MigrationTarget {
  run(sql: string, params?: (string | number)[]): Promise<void>;
  all<T extends Record<string, unknown>>(sql: string): Promise<T[]>;
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

export const SCHEMA_DIR = fileURLToPath(new URL('../../sql/schema/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Migrations are `sql/schema/NNN_name.sql`, applied once each in version order. */
export function listMigrations(dir = SCHEMA_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 3)),
      name: f.replace(/\.sql$/, ''),
      sql: readFileSync(join(dir, f), 'utf8'),
    }));
}

export async function migrate(store: MigrationTarget, dir = SCHEMA_DIR): Promise<string[]> {
  await store.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
  const done = new Set(
    (await store.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version),
  );
  const applied: string[] = [];
  for (const m of listMigrations(dir)) {
    if (done.has(m.version)) continue;
    await store.transaction(async () => {
      await store.run(m.sql);
      await store.run('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    });
    applied.push(m.name);
  }
  return applied;
}
