import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOTS = ['data/generator', 'data/reference/generator'];

/**
 * A short hash of the generator's sources and reference lists: the same seed gives the same city only with the
 * same generator, so a cached city (the demo's, the bench's) is named after this and regenerated when it changes.
 */
export function generatorFingerprint(): string {
  const repo = fileURLToPath(new URL('../../', import.meta.url));
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (!e.name.endsWith('.md')) hash.update(relative(repo, path)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  for (const root of ROOTS) walk(join(repo, root));
  return hash.digest('hex').slice(0, 8);
}
