import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.ts';
import { Store } from '../../pipeline/store/store.ts';
import { backupStore } from '../../pipeline/owner/backup.ts';

const mode = (p: string) => statSync(p).mode & 0o777;

// Issue 12, defect 4: the DuckDB file, its WAL and backups were created 0644 (readable by every account).
describe('the store, its WAL and backups are readable by the owning account only', () => {
  it('a new database, its WAL and a backup: 0600 files in 0700 directories', async () => {
    const t = tempDir('fw-modes-');
    const db = join(t.dir, 'fw.duckdb');
    const store = await Store.open(db);
    try {
      await store.run('CREATE TABLE t AS SELECT range AS i FROM range(10)');
      await store.run('INSERT INTO t VALUES (11)');
      expect(mode(db)).toBe(0o600);
      expect(existsSync(`${db}.wal`)).toBe(true);
      expect(mode(`${db}.wal`)).toBe(0o600);
      const dir = join(t.dir, 'backup');
      await backupStore(store, dir, 'test');
      expect(mode(dir)).toBe(0o700);
      const files = readdirSync(dir);
      expect(files.length).toBeGreaterThan(3);
      for (const f of files) expect([f, mode(join(dir, f))]).toEqual([f, 0o600]);
      // Somebody else's file written now (a report, a referral file) gets the same mask.
      writeFileSync(join(t.dir, 'report.html'), 'x');
      expect(mode(join(t.dir, 'report.html'))).toBe(0o600);
    } finally {
      store.close();
      t.cleanup();
    }
  });

  it('an existing database left 0644 by an older version is tightened when opened', async () => {
    const t = tempDir('fw-modes-');
    const db = join(t.dir, 'old.duckdb');
    (await Store.open(db)).close();
    chmodSync(db, 0o644);
    const store = await Store.open(db);
    store.close();
    expect(mode(db)).toBe(0o600);
    t.cleanup();
  });
});
