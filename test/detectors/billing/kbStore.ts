import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importKnowledgeBase } from '../../../pipeline/kb/import.ts';
import { referenceKnowledgePointDir } from '../../../pipeline/kb/read.ts';
import { SCHEMA_DIR } from '../../../pipeline/store/migrate.ts';
import { Store } from '../../../pipeline/store/store.ts';
import { tempDir } from '../../helpers.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const KP_DIR = referenceKnowledgePointDir(); // the shipped copy (byte-identical to ../shared: test/kb/read.test.ts)

/**
 * A fresh store holding the real NHSA knowledge base (all 14 files, effective 2000-01-01 so it is in force).
 * Importing takes a few seconds, so the imported database is built once per schema + spreadsheets + reader
 * version into a template file under the OS temp dir and copied for each test file.
 */
export async function storeWithRealKb(): Promise<{ store: Store; cleanup: () => void }> {
  const template = join(tmpdir(), `fw-kb-template-${templateKey()}.duckdb`);
  if (!existsSync(template)) {
    const building = `${template}.${process.pid}.${Date.now()}.tmp`;
    const s = await Store.open(building);
    try {
      const r = await importKnowledgeBase(s, [KP_DIR], { effectiveDate: '2000-01-01' });
      if (r.status !== 'imported') throw new Error(`knowledge base template import: ${r.status}`);
      await s.run('CHECKPOINT');
    } finally {
      s.close();
    }
    renameSync(building, template);
  }
  const t = tempDir('fw-billing-');
  const path = join(t.dir, 'test.duckdb');
  copyFileSync(template, path);
  const store = await Store.open(path);
  return {
    store,
    cleanup: () => {
      try {
        store.close();
      } catch {
        /* closed */
      }
      t.cleanup();
    },
  };
}

function templateKey(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(SCHEMA_DIR).sort()) h.update(f).update(readFileSync(join(SCHEMA_DIR, f)));
  for (const f of readdirSync(KP_DIR).sort()) h.update(f).update(readFileSync(join(KP_DIR, f)));
  const kbDir = join(repoRoot, 'pipeline', 'kb');
  for (const f of readdirSync(kbDir).sort()) h.update(f).update(readFileSync(join(kbDir, f)));
  return h.digest('hex').slice(0, 16);
}
