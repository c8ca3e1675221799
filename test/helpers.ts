import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../pipeline/store/store.ts';

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'fw-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh on-disk store in its own temporary directory. */
export async function tempStore(): Promise<{ store: Store; dir: string; cleanup: () => void }> {
  const t = tempDir('fw-store-');
  const store = await Store.open(join(t.dir, 'test.duckdb'));
  return {
    store,
    dir: t.dir,
    cleanup: () => {
      try {
        store.close();
      } catch {
        /* already closed */
      }
      t.cleanup();
    },
  };
}
