import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Store } from '../../pipeline/store/store.ts';
import { listMigrations, migrate } from '../../pipeline/store/migrate.ts';
import { tempDir } from '../helpers.ts';

describe('store migrations', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  it('creates every data-contract table plus batches and rejects on open, once', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'a.duckdb');
    const store = await Store.open(path);
    for (const table of ['psn_info', 'fixmedins', 'mdtrt_d', 'setl_d', 'fee_list_d', 'death_records', 'aid_roster', 'med_catalog', 'batches', 'rejects', 'alerts', 'runs']) {
      expect(await store.tableExists(table), table).toBe(true);
    }
    const versions = await store.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual(listMigrations().map((m) => m.version));
    expect(await migrate(store)).toEqual([]);
    store.close();
    // Re-opening an existing file applies nothing new and keeps data.
    const again = await Store.open(path);
    expect(await again.scalar('SELECT count(*) FROM schema_migrations')).toBe(listMigrations().length);
    again.close();
  });

  it('rolls a failed transaction back completely', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const store = await Store.open(join(t.dir, 'b.duckdb'));
    await expect(
      store.transaction(async () => {
        await store.run("INSERT INTO death_records VALUES ('110101199003074514', DATE '2025-01-01', '公安销户', 'b1', 1)");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.scalar('SELECT count(*) FROM death_records')).toBe(0);
    store.close();
  });

  it('says clearly when another process holds the database', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'c.duckdb');
    const { execFileSync } = await import('node:child_process');
    // A second process cannot open a file this process holds.
    const store = await Store.open(path);
    let message = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', '-e', `import('${join(process.cwd(), 'pipeline/store/store.ts')}').then(m => m.Store.open('${path}')).catch(e => { console.error(e.message); process.exit(3); })`], { stdio: 'pipe' });
    } catch (err) {
      message = String((err as { stderr: Buffer }).stderr);
    }
    expect(message).toContain('正被另一个进程占用');
    store.close();
  });
});
