import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { generateCity } from '../../../data/generator/index.ts';
import { generatorFingerprint } from '../../../data/generator/fingerprint.ts';
import { runDetection } from '../../../pipeline/detect/engine.ts';
import type { DetectorsEvalResult } from '../../../pipeline/eval/detectors.ts';
import type { FalseAlertsResult } from '../../../pipeline/eval/false-alerts.ts';
import { detectorsSection, falseAlertsSection, runEval, type EvalSection } from '../../../pipeline/eval/sections.ts';
import { readTruth, resolveTruthFile } from '../../../pipeline/eval/truth.ts';
import { ingestBatch } from '../../../pipeline/ingest/ingest.ts';
import { importKnowledgeBase } from '../../../pipeline/kb/import.ts';
import { referenceKnowledgePointDir } from '../../../pipeline/kb/read.ts';
import { Store } from '../../../pipeline/store/store.ts';
import { BENCH_MEMORY_LIMIT } from '../child.ts';
import type { BenchOptions, BenchRow } from '../types.ts';

export const name = 'eval';

/** The three measured cities (issue 13): seeds 1, 2, 3 at 20,000 persons × 120 days, the generator's default background. */
export const SEEDS = [1, 2, 3];
const PERSONS = 20000;
const DAYS = 120;

interface SeedResult {
  seed: number;
  detectors: DetectorsEvalResult;
  false_alerts: FalseAlertsResult;
  detect_s: number;
  /** Detectors whose run failed (their recall and false alerts are then 0). */
  failed: string[];
}

/**
 * Recall and false alerts per 10,000 persons of the current detectors on the generator's legitimate background,
 * for seeds 1, 2 and 3: `npm run bench -- --only eval`. Each city is generated once under
 * `<data-dir>/eval-seed<S>-20000x120-g<generator hash>/` and ingested once, with the NHSA knowledge base, into
 * `ingested.duckdb` beside it; every run copies that database, runs all detectors over the whole span and scores
 * them (`fundwatch eval` sections detectors and false_alerts). The eval text of each seed goes to stderr, then a
 * table per detector over the seeds; the figures are the bench rows.
 */
export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const log = (s: string) => process.stderr.write(`[eval] ${s}\n`);
  const fp = generatorFingerprint();
  const results: SeedResult[] = [];
  for (const seed of SEEDS) {
    const root = join(opts.dataDir, `eval-seed${seed}-${PERSONS}x${DAYS}-g${fp}`);
    const city = join(root, 'city');
    const ingested = join(root, 'ingested.duckdb');
    // Cities of an earlier generator (another hash) are not measured again.
    for (const old of existsSync(opts.dataDir) ? readdirSync(opts.dataDir) : []) {
      if (old.startsWith(`eval-seed${seed}-${PERSONS}x${DAYS}-g`) && old !== basename(root)) rmSync(join(opts.dataDir, old), { recursive: true, force: true });
    }
    if (!existsSync(join(city, '_SUCCESS'))) {
      rmSync(root, { recursive: true, force: true });
      mkdirSync(city, { recursive: true });
      log(`生成城市 generating seed ${seed}: ${PERSONS} persons × ${DAYS} days under ${city}`);
      const g = await generateCity({ out: city, persons: PERSONS, days: DAYS, seed });
      log(`generated in ${g.seconds.toFixed(1)} s: ${g.rows.fee_list_d} fee lines`);
    } else log(`复用城市 reusing ${city}`);
    if (!existsSync(ingested)) {
      log(`导入 ingesting seed ${seed} and the knowledge base (once)`);
      const building = join(root, 'building.duckdb');
      rmSync(building, { force: true });
      const store = await Store.open(building, { memoryLimit: BENCH_MEMORY_LIMIT });
      try {
        const kb = await importKnowledgeBase(store, [referenceKnowledgePointDir()], { effectiveDate: '2000-01-01', importedBy: 'bench' });
        if (kb.status !== 'imported') throw new Error(`knowledge base import: ${kb.status}`);
        const s = await ingestBatch(store, city);
        if (s.status !== 'loaded') throw new Error(`ingest status ${s.status}`);
        const rejected = Object.values(s.tables).reduce((n, t) => n + t.rejected, 0);
        if (rejected) log(`注意 note: ${rejected} rows rejected`);
        await store.run('CHECKPOINT');
      } finally {
        store.close();
      }
      renameSync(building, ingested);
    }
    const work = mkdtempSync(join(root, 'run-'));
    try {
      const scratch = join(work, 'eval.duckdb');
      copyFileSync(ingested, scratch);
      const store = await Store.open(scratch, { memoryLimit: BENCH_MEMORY_LIMIT });
      try {
        log(`检测 detecting seed ${seed}`);
        const t0 = performance.now();
        const d = await runDetection(store, { kind: 'bench' });
        const detect_s = (performance.now() - t0) / 1000;
        const failed = Object.values(d.counts.per_detector).filter((x) => x.status === 'failed');
        if (failed.length) log(`失败的检测规则 failed detectors: ${failed.map((x) => `${x.detector_id}: ${x.error}`).join('; ')}`);
        const file = resolveTruthFile(city);
        const { report, text } = await runEval(store, file, readTruth(file), [detectorsSection as EvalSection, falseAlertsSection as EvalSection]);
        process.stderr.write(`\n==== seed ${seed} ====\n${text.join('\n')}\n\n`);
        results.push({ seed, detectors: report.detectors as DetectorsEvalResult, false_alerts: report.false_alerts as FalseAlertsResult, detect_s, failed: failed.map((x) => x.detector_id) });
      } finally {
        store.close();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  process.stderr.write(`${seedTable(results).join('\n')}\n`);
  return benchRows(results);
}

/** Per detector over the seeds: recall (found/planted) and false alerts per 10,000 persons per 120 days. */
export function seedTable(results: SeedResult[]): string[] {
  const head = `${'detector'.padEnd(30)} ${results.map((r) => `${`seed ${r.seed} recall`.padStart(16)} ${'false/10k'.padStart(10)}`).join(' ')}`;
  const lines = ['== 三个种子的召回率与每万人误报 recall and false alerts per 10,000 persons per 120 days, seeds ' + results.map((r) => r.seed).join(', ') + ' ==', head];
  const ids = results[0]?.false_alerts.detectors.map((d) => d.detector_id) ?? [];
  const cell = (r: SeedResult, id: string) => {
    const d = r.detectors.detectors.find((x) => x.detector_id === id);
    const f = r.false_alerts.detectors.find((x) => x.detector_id === id);
    return `${(d && d.planted ? `${d.found}/${d.planted}` : '-').padStart(16)} ${(f?.false_per_10k ?? 0).toFixed(1).padStart(10)}`;
  };
  for (const id of ids) lines.push(`${id.padEnd(30)} ${results.map((r) => cell(r, id)).join(' ')}`);
  lines.push(`${'合计 total'.padEnd(30)} ${results.map((r) => `${`${r.detectors.totals.found}/${r.detectors.totals.planted}`.padStart(16)} ${(r.false_alerts.false_per_10k ?? 0).toFixed(1).padStart(10)}`).join(' ')}`);
  return lines;
}

function benchRows(results: SeedResult[]): BenchRow[] {
  const rows: BenchRow[] = [];
  const row = (metric: string, value: number, unit: string, note?: string) => rows.push({ section: name, metric, value: Math.round(value * 100) / 100, unit, note });
  for (const r of results) {
    const f = r.false_alerts;
    row(`seed${r.seed}_recall`, (r.detectors.totals.recall ?? 0) * 100, '%', `${r.detectors.totals.found}/${r.detectors.totals.planted} planted; look-alikes flagged ${r.detectors.totals.lookalikes_flagged}/${r.detectors.totals.lookalikes}`);
    row(`seed${r.seed}_false_per_10k`, f.false_per_10k ?? 0, 'per 10k', `${f.false_alerts} false of ${f.alerts} alerts, ${f.persons} persons × ${f.days} days; target ≤ ${f.target_per_10k}`);
    row(`seed${r.seed}_detect_s`, r.detect_s, 's');
    if (r.failed.length) row(`seed${r.seed}_failed_detectors`, r.failed.length, 'detectors', `运行失败 failed: ${r.failed.join(', ')}`);
    for (const d of f.detectors) {
      if (d.false_alerts) row(`seed${r.seed}_false_per_10k_${d.detector_id}`, d.false_per_10k ?? 0, 'per 10k', `${d.false_alerts} false; ${d.causes.slice(0, 3).map((c) => `${c.cause} ${c.alerts}`).join(', ')}`);
    }
  }
  return rows;
}
