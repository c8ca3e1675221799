import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildCalendar, dateOf } from './calendar.ts';
import { buildCatalog, medCatalogRows } from './catalog.ts';
import type { GenContext } from './context.ts';
import { codeNames } from './diagnoses.ts';
import { writeBackground } from './background.ts';
import { writeLegitimateBackground } from './legit/index.ts';
import { BackgroundTags } from './legit/tags.ts';
import { plantAdmission } from './fraud/admission.ts';
import { plantBilling } from './fraud/billing.ts';
import { plantHighCost } from './fraud/highcost.ts';
import { plantImpersonation } from './fraud/impersonation.ts';
import { plantPrescription } from './fraud/prescription.ts';
import { benfordProfiles, plantProviderPatterns } from './fraud/provider.ts';
import { plantUpcoding, upcodingProfiles } from './fraud/upcoding.ts';
import { plantEarlyWarning } from './fraud/warning.ts';
import { yuan } from './money.ts';
import { buildPopulation } from './population.ts';
import { buildProviders } from './providers.ts';
import { Rng } from './rng.ts';
import { ClaimSink } from './sink.ts';
import { Truth } from './truth.ts';
import { COLUMNS, TableWriter, type TableName } from './writer.ts';
import { toParquet } from './parquet.ts';

/** Shortest window in which every planted scenario and its look-alike fit (the demo city is 90 days). */
export const MIN_DAYS = 60;
export const MAX_DAYS = 3660;

export interface GenerateOptions {
  out: string;
  persons: number;
  days: number;
  seed: number | string;
  format?: 'csv' | 'parquet';
  /** CSV in GB18030 (GBK superset) instead of UTF-8, as older provincial exports are; CSV only. */
  gbk?: boolean;
  /** YYYY-MM-DD, default 2026-01-01. */
  start?: string;
  /**
   * `realistic` (default): ordinary care with the complexity of real practice, every pattern tagged in
   * `_truth/background.jsonl` (legit/). `plain`: the earlier background that breaks no rule detector.
   */
  background?: 'realistic' | 'plain';
  /** Progress lines (stderr); default none. */
  onProgress?: (message: string) => void;
}

export interface GenerateSummary {
  out: string;
  seed: number | string;
  start: string;
  days: number;
  format: 'csv' | 'parquet';
  encoding: 'utf8' | 'gb18030';
  rows: Record<TableName, number>;
  background: 'realistic' | 'plain';
  /** Instances and truth rows per legitimate pattern (`_truth/background.jsonl`); empty for the plain background. */
  background_patterns: Record<string, { instances: number; rows: number }>;
  planted: Record<string, { alert: number; no_alert: number }>;
  /** Detectors whose positive case does not fit this window, with the reason (also `_truth/not_planted.json`). */
  not_planted: Record<string, string>;
  seconds: number;
}

/** Generates a sample city into `out`: one file per table, `_truth/truth.jsonl`, `_SUCCESS`. */
export async function generateCity(options: GenerateOptions): Promise<GenerateSummary> {
  const t0 = Date.now();
  const { persons, days } = options;
  const start = options.start ?? '2026-01-01';
  const format = options.format ?? 'csv';
  const background = options.background ?? 'realistic';
  if (background !== 'realistic' && background !== 'plain') throw new Error(`background must be realistic or plain (got ${String(background)})`);
  const encoding = options.gbk ? 'gb18030' : 'utf8';
  if (options.gbk && format !== 'csv') throw new Error('--gbk applies to CSV output only (not with --format parquet)');
  if (!Number.isInteger(persons) || persons < 500) throw new Error(`--persons must be an integer ≥ 500 (got ${persons})`);
  if (!Number.isInteger(days) || days < MIN_DAYS || days > MAX_DAYS) throw new Error(`--days must be an integer between ${MIN_DAYS} and ${MAX_DAYS} (got ${days})`);
  const log = options.onProgress ?? (() => {});
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  for (const f of ['_SUCCESS', '_truth']) if (existsSync(join(out, f))) rmSync(join(out, f), { recursive: true, force: true });

  const rng = new Rng(options.seed);
  const cal = buildCalendar(start, days);
  codeNames();
  const cat = buildCatalog();
  const providers = buildProviders(rng.fork('providers'), persons);
  const people = buildPopulation(rng.fork('people'), persons, start);
  const writers = Object.fromEntries(
    (Object.keys(COLUMNS) as TableName[]).map((t) => [t, new TableWriter(join(out, `${t}.csv`), COLUMNS[t], encoding)]),
  ) as Record<TableName, TableWriter>;
  const truth = new Truth();
  const ctx: GenContext = {
    rng: rng.fork('claims'),
    cal,
    cat,
    people,
    providers,
    profiles: new Map(),
    sink: new ClaimSink(cal, writers),
    truth,
    casesPerDetector: Math.max(3, Math.round((persons * 3) / 20000)),
    volume: new Map(providers.map((p) => [p.code, new Uint32Array(days)])),
    deaths: [],
  };
  // Background deaths (~0.6 % a year): care simply stops.
  const deathRng = rng.fork('deaths');
  for (const p of people) {
    if (deathRng.chance((0.006 * days) / 365 * (p.age >= 70 ? 4 : 1))) {
      p.deathDay = deathRng.int(1, days - 1);
      ctx.deaths.push({ certno: p.certno, day: p.deathDay, source: deathRng.chance(0.6) ? '公安销户' : '民政火化' });
    }
  }
  const upcoding = upcodingProfiles(ctx);
  const benford = benfordProfiles(ctx);
  log(`生成背景就医数据 background care (${background}): ${persons} persons, ${days} days`);
  const progress = (done: number) => log(`  persons ${done}/${persons}, fee lines ${ctx.sink.feeLines}`);
  // The legitimate background draws from its own stream (forked last), so population and providers match the plain one.
  const tags = background === 'realistic' ? new BackgroundTags(out) : undefined;
  if (tags) await writeLegitimateBackground(ctx, rng.fork('legit'), tags, persons, progress);
  else await writeBackground(ctx, progress);
  // Persons 1..backgroundPersons (psn_no suffix) are the background's; planted persons are reserved after them.
  const backgroundPersons = ctx.people.length;
  log('植入欺诈场景 planting cases');
  await plantImpersonation(ctx);
  await plantPrescription(ctx);
  await plantAdmission(ctx);
  await plantBilling(ctx);
  await plantHighCost(ctx);
  await plantUpcoding(ctx, upcoding);
  await plantProviderPatterns(ctx, benford);
  await plantEarlyWarning(ctx);
  const rosterOnly = new Set(ctx.people.filter((p) => p.roster && !p.aid_category).map((p) => p.psn_no));
  for (const c of ctx.sink.crossings) {
    const scenario = rosterOnly.has(c.psn_no) ? '救助名单认定对象高额自付' : c.threshold === 1_000_000 ? '救助对象高额自付' : '一般人员高额自付';
    const why = rosterOnly.has(c.psn_no) ? '（参保信息为一般人员，救助名单认定为低保对象，按10,000元阈值）' : '';
    truth.add('early_warning', 'early_warning', 'person', 'alert', scenario, { psn_no: c.psn_no, month: c.month }, `年度累计个人自付首次超过${yuan(c.threshold)}元${why}`);
  }

  for (const p of ctx.people) writers.psn_info.row([p.psn_no, p.certno, p.psn_name, p.gend, p.brdy, p.insutype, p.psn_type, p.insu_admdvs, p.aid_category]);
  for (const p of providers) writers.fixmedins.row([p.code, p.name, p.kind, p.hosp_lv, p.admdvs, p.lat, p.lon]);
  for (const d of ctx.deaths) writers.death_records.row([d.certno, dateOf(cal, d.day), d.source]);
  for (const p of ctx.people) {
    if (p.aid_category) writers.aid_roster.row([p.certno, p.aid_category, `${Number(start.slice(0, 4)) - 1}-01-01`, '']);
    if (p.roster) writers.aid_roster.row([p.certno, p.roster.category, p.roster.from, p.roster.to]);
  }
  for (const i of medCatalogRows(cat)) writers.med_catalog.row([i.code, i.name, i.list_type, i.ceiling !== undefined ? yuan(i.ceiling) : '', i.maxDays ?? '', i.ingredient ?? '']);
  for (const w of Object.values(writers)) await w.close();
  await tags?.close();
  truth.write(out);
  writeFileSync(join(out, '_truth', 'city.json'), JSON.stringify({ persons: writers.psn_info.rows, background_persons: backgroundPersons, days, start, seed: options.seed, background }, null, 2) + '\n');
  const rows = Object.fromEntries(Object.entries(writers).map(([t, w]) => [t, w.rows])) as Record<TableName, number>;
  if (format === 'parquet') {
    log('转换为 Parquet converting to Parquet');
    await toParquet(out, Object.keys(COLUMNS));
  }
  writeFileSync(join(out, '_SUCCESS'), '');
  return {
    out, seed: options.seed, start, days, format, encoding, rows, background, background_patterns: tags?.counts ?? {},
    planted: truth.counts(), not_planted: truth.notPlanted, seconds: (Date.now() - t0) / 1000,
  };
}
