import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchOptions, BenchRow, BenchSection } from './types.ts';

/**
 * `npm run bench -- [--lines N] [--only <section>] [--json] [--data-dir DIR]`.
 * Discovers `app/bench/sections/*.ts` (each exports `name` and `run(opts) => BenchRow[]`), runs them in
 * name order and prints one table (or JSON Lines with --json, one object per figure).
 */
function parseArgs(argv: string[]): BenchOptions & { only?: string } {
  const opts: BenchOptions & { only?: string } = { lines: 1_000_000, dataDir: resolve('bench-data'), json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--lines') {
      opts.lines = Number(value().replaceAll('_', ''));
      if (!Number.isInteger(opts.lines) || opts.lines < 1000) usage('--lines must be an integer ≥ 1000');
    } else if (a === '--only') opts.only = value();
    else if (a === '--data-dir') opts.dataDir = resolve(value());
    else if (a === '--json') opts.json = true;
    else usage(`unknown option ${a}`);
  }
  return opts;
}

function usage(msg: string): never {
  process.stderr.write(`用法错误 usage: ${msg}\nnpm run bench -- [--lines N] [--only <section>] [--json] [--data-dir DIR]\n`);
  process.exit(2);
}

async function loadSections(): Promise<BenchSection[]> {
  const dir = fileURLToPath(new URL('./sections/', import.meta.url));
  const out: BenchSection[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts')).sort()) {
    const mod = (await import(pathToFileURL(`${dir}${f}`).href)) as Partial<BenchSection>;
    if (typeof mod.name !== 'string' || typeof mod.run !== 'function') {
      process.stderr.write(`跳过 skipping sections/${f}: it must export name and run\n`);
      continue;
    }
    out.push({ name: mod.name, run: mod.run });
  }
  return out;
}

function printTable(rows: BenchRow[]): void {
  const head = ['section', 'metric', 'value', 'unit', 'note'];
  const cells = rows.map((r) => [r.section, r.metric, r.value.toLocaleString('en-US', { maximumFractionDigits: 2 }), r.unit, r.note ?? '']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => (i === 2 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  process.stdout.write(`${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${cells.map(line).join('\n')}\n`);
}

const opts = parseArgs(process.argv.slice(2));
let sections = await loadSections();
if (opts.only) {
  sections = sections.filter((s) => s.name === opts.only);
  if (sections.length === 0) usage(`no section "${opts.only}"`);
}
const all: BenchRow[] = [];
for (const s of sections) {
  process.stderr.write(`== bench ${s.name} (lines ${opts.lines}) ==\n`);
  const rows = await s.run(opts);
  all.push(...rows);
  if (opts.json) for (const r of rows) process.stdout.write(JSON.stringify(r) + '\n');
}
if (!opts.json) printTable(all);
