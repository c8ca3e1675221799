import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../pipeline/store/store.ts';

/** A fixed-seed random generator (mulberry32) in [0, 1), so every run sees the same data. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
