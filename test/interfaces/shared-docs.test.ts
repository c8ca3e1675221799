import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repoDocs = fileURLToPath(new URL('../../docs/', import.meta.url));
const sharedDocs = fileURLToPath(new URL('../../../shared/docs/', import.meta.url));

// The contract and the interfaces live in the repo (a newcomer's clone has no ../shared); where ../shared is
// there, the repo's copies must be equal to it.
describe('docs/ carries the shared contract and interfaces', () => {
  for (const f of ['data-contract.md', 'interfaces.md']) {
    it(`docs/${f} exists and equals ../shared/docs/${f} when that is present`, () => {
      expect(existsSync(repoDocs + f)).toBe(true);
      if (!existsSync(sharedDocs + f)) return;
      expect(readFileSync(repoDocs + f, 'utf8')).toBe(readFileSync(sharedDocs + f, 'utf8'));
    });
  }
});
