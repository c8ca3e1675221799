import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { cycles, importGraph } from './imports.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const graph = importGraph(repo, ['app', 'api', 'pipeline', 'detectors', 'data']);
const top = (f: string) => f.split('/')[0]!;

// The entry points (CLI, server start, bench, demo, the generator's scripts) live in app/, the one layer above api/
// and pipeline/; nothing imports upward, and no module imports itself round a cycle.
describe('layout', () => {
  it('app/ is the only layer that imports api/; nothing imports app/', () => {
    const upward: string[] = [];
    for (const [from, tos] of graph) {
      for (const to of tos) {
        if (top(to) === 'app' && top(from) !== 'app') upward.push(`${from} → ${to}`);
        if (top(to) === 'api' && !['app', 'api'].includes(top(from))) upward.push(`${from} → ${to}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import cycles', () => {
    expect(graph.size).toBeGreaterThan(200);
    expect(cycles(graph)).toEqual([]);
  });
});
