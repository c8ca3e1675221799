import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Store } from '../pipeline/store/store.ts';
import type { FundwatchConfig } from '../pipeline/config.ts';
import { generateCity } from '../data/generator/index.ts';
import { generatorFingerprint } from '../data/generator/fingerprint.ts';
import { importKnowledgeBase, referenceKnowledgePointDir } from '../pipeline/kb/index.ts';
import { runNightly } from '../pipeline/nightly/run.ts';
import { INGEST_STAGE, REPORT_TITLE_ZH, takeDir, type NightlyStage } from '../pipeline/nightly/stages.ts';
import { PIPELINE_STAGES } from '../pipeline/pipeline.ts';
import { nightlyConfig } from '../pipeline/nightly/config.ts';
import { redisSettings, type RedisSettings } from '../pipeline/queue/redis.ts';
import { rankSubjects } from '../pipeline/rank/rank.ts';
import { countCaseOutbox, type DispatchSummary } from '../pipeline/queue/dispatch.ts';
import type { IngestSummary } from '../pipeline/ingest/ingest.ts';
import type { UpdateCasesSummary } from '../pipeline/cases/update.ts';
import type { EarlyWarningSummary } from '../pipeline/warning/run.ts';

export interface DemoOptions {
  persons?: number;
  days?: number;
  seed?: number | string;
  /** The city directory; default ./demo-data/city-seed<seed>-<persons>x<days>-g<generator fingerprint>. */
  out?: string;
  config?: FundwatchConfig;
  /** Default: from config (section `redis`, env FUNDWATCH_REDIS_URL). */
  redis?: RedisSettings;
}

export const DEMO_DEFAULTS = { persons: 20_000, days: 90, seed: 1 } as const;

export interface DemoTiming {
  stage: string;
  title_zh: string;
  status: string;
  ms: number;
}

export interface DemoSummary {
  status: 'succeeded' | 'partial_failure' | 'failed';
  error: string | null;
  city: { dir: string; reused: boolean; persons: number; days: number; seed: number | string; planted_cases: number | null };
  knowledge_base: { status: string; version_id: string | null; points: number; problems: number };
  ingest: {
    batch_id: string | null;
    /** loaded: this run loaded it; duplicate: the same batch was loaded before (a reported no-op). */
    status: 'loaded' | 'duplicate' | 'failed';
    rows_read: number;
    rows_loaded: number;
    rows_rejected: number;
    rows_warnings: number;
    tables: IngestSummary['tables'];
  };
  nightly_run_id: string;
  detection: { run_id: string | null; window_from: string | null; window_to: string | null; alerts_new: number; skipped: string | null };
  /** Every alert in the database that is not withdrawn, by family. */
  alerts: { total: number; amount_at_risk: number; by_family: Record<string, { alerts: number; amount_at_risk: number }> };
  top_providers: { fixmedins_code: string; fixmedins_name: string | null; admdvs: string | null; risk_score: number; alerts: number; amount_at_risk: number; families: string[] }[];
  cases: { new: number; reopened: number; open: number; total: number };
  referrals: { new: number; total: number; deliveries_new: number };
  queue: { redis_available: boolean; dispatched: number; outbox: number; message: string };
  report_file: string | null;
  timings: DemoTiming[];
  total_ms: number;
}

export function defaultDemoDir(o: { persons: number; days: number; seed: number | string }): string {
  return resolve('demo-data', `city-seed${o.seed}-${o.persons}x${o.days}-g${generatorFingerprint()}`);
}

/**
 * The README's main job: a sample city (generated once, reused while its `_SUCCESS` is there), the NHSA
 * knowledge base, then the nightly stages over that one batch — ingest, detect over its window, cases, early
 * warning, dispatch (Redis down → the cases wait in the DuckDB outbox), report — under a nightly run record.
 * Running it again on the same database is a reported no-op: the batch is a duplicate, nothing new is raised.
 */
export async function runDemo(store: Store, options: DemoOptions = {}, onProgress: (message: string) => void = () => undefined): Promise<DemoSummary> {
  const t0 = Date.now();
  const persons = options.persons ?? DEMO_DEFAULTS.persons;
  const days = options.days ?? DEMO_DEFAULTS.days;
  const seed = options.seed ?? DEMO_DEFAULTS.seed;
  const config = options.config ?? {};
  const redis = options.redis ?? redisSettings(config);
  const dir = resolve(options.out ?? defaultDemoDir({ persons, days, seed }));
  const timings: DemoTiming[] = [];

  let t = Date.now();
  const reused = existsSync(join(dir, '_SUCCESS'));
  let planted: number | null = null;
  if (reused) {
    onProgress(`使用已生成的样例城市 reusing the sample city in ${dir}`);
  } else {
    onProgress(`生成样例城市 generating a sample city: ${persons} 人 persons, ${days} 天 days, seed ${seed} → ${dir}`);
    const g = await generateCity({ out: dir, persons, days, seed, onProgress: (m) => onProgress(`  ${m}`) });
    planted = Object.values(g.planted).reduce((n, c) => n + c.alert, 0);
  }
  timings.push({ stage: 'generate', title_zh: reused ? '样例城市（复用）' : '生成样例城市', status: 'succeeded', ms: Date.now() - t });

  t = Date.now();
  onProgress('导入知识库 importing the NHSA knowledge base');
  const kb = await importKnowledgeBase(store, [referenceKnowledgePointDir()], { importedBy: 'demo' });
  if (kb.status === 'failed') onProgress(`警告 warning: 知识库未能导入，知识点规则将无内容可查 (no knowledge points read from ${referenceKnowledgePointDir()})`);
  timings.push({ stage: 'knowledge_base', title_zh: '导入知识库', status: kb.status === 'failed' ? 'failed' : 'succeeded', ms: Date.now() - t });

  const nightly = nightlyConfig(config);
  const collect = demoCollectStage(dir);
  const run = await runNightly(store, { config, nightly, redis, collect, log: onProgress });
  const titles = new Map([collect, INGEST_STAGE, ...PIPELINE_STAGES].map((s) => [s.name, s.title_zh]));
  titles.set('report', REPORT_TITLE_ZH);
  for (const r of run.stages) timings.push({ stage: r.stage, title_zh: titles.get(r.stage) ?? r.stage, status: r.status, ms: r.ms });

  const results = ((run.counts.stages ?? {}) as Record<string, unknown>);
  const detect = results.detect as { detect_run_id?: string; window_from?: string; window_to?: string; alerts_new?: number; skipped?: string } | null;
  const cases = results.cases as UpdateCasesSummary | null;
  const warning = results.early_warning as EarlyWarningSummary | null;
  const dispatch = results.dispatch as DispatchSummary | null;
  const report = results.report as { file?: string } | null;

  const ingest = await ingestOf(store, dir, run.run_id);
  const summary: DemoSummary = {
    // The nightly run goes on past a failed batch (partial); a demo whose one batch did not load has failed.
    status: ingest.status === 'failed' ? 'failed' : run.status,
    error: run.error,
    city: { dir, reused, persons, days, seed, planted_cases: planted },
    knowledge_base: { status: kb.status, version_id: kb.version_id, points: kb.points, problems: kb.problems.length },
    ingest,
    nightly_run_id: run.run_id,
    detection: {
      run_id: detect?.detect_run_id ?? null,
      window_from: detect?.window_from ?? null,
      window_to: detect?.window_to ?? null,
      alerts_new: detect?.alerts_new ?? 0,
      skipped: detect ? detect.skipped ?? null : '未运行 not run',
    },
    alerts: await alertsByFamily(store),
    top_providers: await topProviders(store),
    cases: {
      new: cases?.cases_new ?? 0,
      reopened: cases?.cases_reopened ?? 0,
      open: cases?.open_cases ?? 0,
      total: await store.scalar<number>('SELECT count(*)::INTEGER FROM cases'),
    },
    referrals: {
      new: warning?.referrals_new ?? 0,
      total: await store.scalar<number>('SELECT count(*)::INTEGER FROM referrals'),
      deliveries_new: warning?.deliveries_new ?? 0,
    },
    queue: {
      redis_available: dispatch?.redis_available ?? false,
      dispatched: dispatch?.dispatched ?? 0,
      outbox: await countCaseOutbox(store),
      message: dispatch?.message ?? '未派发 dispatch did not run',
    },
    report_file: report?.file ?? null,
    timings,
    total_ms: 0,
  };
  summary.total_ms = Date.now() - t0;
  return summary;
}

/**
 * The nightly collect stage for one named directory (the real one scans the inbox). An ingested dir is not
 * retaken; being outside the inbox, it is never quarantined.
 */
function demoCollectStage(dir: string): NightlyStage {
  return {
    name: 'collect',
    title_zh: '收取演示批次',
    critical: false,
    async run({ store, runId }) {
      const taken = await store.transaction(() => takeDir(store, dir, runId));
      return { result: { dir, taken: taken ? 1 : 0 } };
    },
  };
}

/** The batch of `dir`: loaded by this run, or loaded before (a duplicate, nothing written). Rows from its summary. */
async function ingestOf(store: Store, dir: string, runId: string): Promise<DemoSummary['ingest']> {
  const inbox = await store.one<{ run_id: string; status: string; batch_id: string | null; ingest_status: string | null }>(
    'SELECT run_id, status, batch_id, ingest_status FROM nightly_inbox WHERE dir = $1', [dir]);
  const loadedNow = inbox?.run_id === runId && inbox.ingest_status === 'loaded';
  const batch = await store.one<{ batch_id: string; summary: string | null }>(
    `SELECT batch_id, summary::VARCHAR AS summary FROM batches
     WHERE status = 'loaded' AND (batch_id = $1 OR source_dir = $2) ORDER BY finished_at DESC LIMIT 1`,
    [inbox?.batch_id ?? '', dir],
  );
  const tables = batch?.summary ? (JSON.parse(batch.summary) as IngestSummary).tables : {};
  const sum = (k: 'read' | 'loaded' | 'rejected' | 'warnings') => Object.values(tables).reduce((n, tb) => n + (tb[k] ?? 0), 0);
  return {
    batch_id: batch?.batch_id ?? inbox?.batch_id ?? null,
    status: loadedNow ? 'loaded' : batch ? 'duplicate' : 'failed',
    rows_read: sum('read'),
    rows_loaded: sum('loaded'),
    rows_rejected: sum('rejected'),
    rows_warnings: sum('warnings'),
    tables,
  };
}

async function alertsByFamily(store: Store): Promise<DemoSummary['alerts']> {
  const rows = await store.all<{ family: string; alerts: number; amount: number }>(
    `SELECT family, count(*)::INTEGER AS alerts, round(coalesce(sum(amount_at_risk), 0), 2)::DOUBLE AS amount
     FROM alerts WHERE status NOT IN ('withdrawn', 'shadow') GROUP BY family ORDER BY alerts DESC, family`,
  );
  const by_family = Object.fromEntries(rows.map((r) => [r.family, { alerts: r.alerts, amount_at_risk: r.amount }]));
  const total = rows.reduce((n, r) => n + r.alerts, 0);
  const amount = Math.round(rows.reduce((n, r) => n + r.amount, 0) * 100) / 100;
  return { total, amount_at_risk: amount, by_family };
}

async function topProviders(store: Store): Promise<DemoSummary['top_providers']> {
  const ranked = await rankSubjects(store, 'provider', { limit: 5 });
  const out: DemoSummary['top_providers'] = [];
  for (const r of ranked) {
    const name = await store.scalar<string | null>('SELECT any_value(fixmedins_name) FROM fixmedins WHERE fixmedins_code = $1', [r.fixmedins_code]);
    out.push({ fixmedins_code: r.fixmedins_code, fixmedins_name: name ?? null, admdvs: r.admdvs, risk_score: r.risk_score, alerts: r.alerts, amount_at_risk: r.amount_at_risk, families: r.families });
  }
  return out;
}
