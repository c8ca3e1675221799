import type { Store } from './store/store.ts';
import type { FundwatchConfig } from './config.ts';
import type { RedisSettings } from './queue/redis.ts';
import { acquireRunLock, releaseRunLock } from './detect/lock.ts';
import { runDetection, shanghaiIso, type RunSummary } from './detect/engine.ts';
import { updateCases } from './cases/update.ts';
import { refreshCaseEvidence } from './nightly/case-evidence.ts';
import { runEarlyWarning } from './warning/run.ts';
import { dispatchCases } from './queue/dispatch.ts';
import { deliverReferrals } from './referrals/deliver.ts';

/**
 * The one pipeline every path runs (docs/interfaces.md, "Every path runs the same stages"):
 * detection → cases → high-expense early warning → dispatch. `fundwatch run` runs it as it is (`--stages`
 * limits it), the nightly run (also `POST /api/v1/runs` and the demo) puts collect and ingest before it, with
 * a checkpoint per stage, and writes its report after.
 */

export type StageStatus = 'succeeded' | 'partial_failure' | 'failed' | 'skipped';
export type PipelineStatus = 'succeeded' | 'partial_failure' | 'failed';

export interface StageRecord {
  stage: string;
  status: StageStatus;
  started_at: string | null;
  finished_at: string | null;
  ms: number;
  error: string | null;
  resumed?: boolean;
}

/** What the detect stage runs: a window and detectors, or nothing (and why). */
export type DetectPlan = { from?: string; to?: string; detectors?: string[]; kind: string } | { skipped: string };

export interface StageContext {
  store: Store;
  /** The run the stages belong to (the nightly run); null for `fundwatch run`, whose cases and referrals carry the detection run's id. */
  runId: string | null;
  config: FundwatchConfig;
  redis: RedisSettings;
  log: (msg: string) => void;
  /** Written to the case events. */
  actor: string;
  detectPlan: (ctx: StageContext) => Promise<DetectPlan>;
  /** Results of the stages run so far (a resumed stage's from its checkpoint), by stage name. */
  results: Record<string, unknown>;
}

/** A stage's result (kept in the nightly checkpoint), whether it failed or only partly succeeded, and (not kept) its full detail. */
export interface StageOutcome {
  result: unknown;
  partial?: string;
  failed?: string;
  detail?: unknown;
}

export interface PipelineStage<C extends StageContext = StageContext> {
  name: string;
  title_zh: string;
  /** A failing critical stage fails the run and the later stages are skipped; a non-critical one makes it partial. */
  critical: boolean;
  run(ctx: C): Promise<StageOutcome>;
}

/** The compact detection result kept for the run (the nightly checkpoint, the demo summary). */
export interface DetectResult {
  detect_run_id: string;
  status: RunSummary['status'];
  window_from: string;
  window_to: string;
  alerts: number;
  alerts_new: number;
  alerts_withdrawn: number;
  amount_at_risk: number;
}

export const PIPELINE_STAGES: PipelineStage[] = [
  {
    name: 'detect',
    title_zh: '运行检测规则',
    critical: true,
    async run(ctx) {
      const plan = await ctx.detectPlan(ctx);
      if ('skipped' in plan) {
        ctx.log(`检测 detection: ${plan.skipped}`);
        return { result: { skipped: plan.skipped } };
      }
      const s = await runDetection(ctx.store, { ...plan, config: ctx.config, lockHeld: true });
      if (ctx.runId) {
        await ctx.store.exclusive(() => ctx.store.run('UPDATE runs SET window_from = $2::DATE, window_to = $3::DATE WHERE run_id = $1', [ctx.runId, s.window_from, s.window_to]));
      }
      const c = s.counts;
      const result: DetectResult = {
        detect_run_id: s.run_id, status: s.status, window_from: s.window_from, window_to: s.window_to,
        alerts: c.alerts, alerts_new: c.alerts_new, alerts_withdrawn: c.alerts_withdrawn, amount_at_risk: c.amount_at_risk,
      };
      return {
        result,
        detail: s,
        failed: s.status === 'failed' ? '全部检测规则失败 every detector failed' : undefined,
        partial: s.status === 'partial_failure' ? '部分检测规则失败 some detectors failed' : undefined,
      };
    },
  },
  {
    name: 'cases',
    title_zh: '更新案件',
    critical: false,
    // Then each changed case's evidence lines are materialised for the case view (case_evidence).
    async run({ store, runId, results, actor }) {
      const cases = await updateCases(store, { runId: runId ?? detectRunId(results), actor });
      return { result: { ...cases, evidence: await refreshCaseEvidence(store) } };
    },
  },
  {
    name: 'early_warning',
    title_zh: '高额费用预警',
    critical: false,
    async run({ store, runId, results, config }) {
      return { result: await runEarlyWarning(store, { runId: runId ?? detectRunId(results), config }) };
    },
  },
  {
    name: 'dispatch',
    title_zh: '派发案件与转介',
    critical: false,
    // Cases → inspection queues, referral deliveries → department queues (the owner's workers send them).
    // Redis down: both stay in the DuckDB outbox for the next run or the owner; the stage says so (partial).
    async run({ store, redis, config, log }) {
      const cases = await dispatchCases(store, redis);
      const referrals = await deliverReferrals(store, redis, { config });
      const down = [cases, referrals].filter((r) => !r.redis_available).map((r) => r.message);
      for (const m of down) log(m);
      return { result: { ...cases, referrals }, partial: down.length ? down.join('; ') : undefined };
    },
  },
];

export const PIPELINE_STAGE_NAMES = PIPELINE_STAGES.map((s) => s.name);

/** The detection run of this pipeline run, if detection ran. */
export function detectRunId(results: Record<string, unknown>): string | null {
  return (results.detect as Partial<DetectResult> | null | undefined)?.detect_run_id ?? null;
}

/** `detect,cases` → the names, checked; throws naming the valid stages. */
export function parseStageList(text: string): string[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new Error(`阶段不能为空 no stage given (stages: ${PIPELINE_STAGE_NAMES.join(', ')})`);
  const unknown = names.filter((n) => !PIPELINE_STAGE_NAMES.includes(n));
  if (unknown.length) throw new Error(`未知的阶段 unknown stage ${unknown.map((n) => `"${n}"`).join(', ')} (stages: ${PIPELINE_STAGE_NAMES.join(', ')})`);
  return names;
}

export interface StageRun {
  record: StageRecord;
  result: unknown;
  detail?: unknown;
}

export type StageRunner<C extends StageContext> = (stage: PipelineStage<C>, ctx: C) => Promise<StageRun>;

/** Runs one stage: timed, logged; an exception is the stage's failure, never the caller's. */
export async function runStageOnce<C extends StageContext>(stage: PipelineStage<C>, ctx: C): Promise<StageRun> {
  const started_at = shanghaiIso(new Date());
  const t0 = Date.now();
  ctx.log(`阶段 stage ${stage.name}（${stage.title_zh}）`);
  let status: StageStatus;
  let error: string | null;
  let out: StageOutcome = { result: null };
  try {
    out = await stage.run(ctx);
    status = out.failed ? 'failed' : out.partial ? 'partial_failure' : 'succeeded';
    error = out.failed ?? out.partial ?? null;
  } catch (err) {
    status = 'failed';
    error = (err as Error).message;
  }
  const record: StageRecord = { stage: stage.name, status, started_at, finished_at: shanghaiIso(new Date()), ms: Date.now() - t0, error };
  return { record, result: out.result ?? null, detail: out.detail };
}

export interface PipelineResult {
  status: PipelineStatus;
  error: string | null;
  stages: StageRecord[];
  /** Each stage's result, by name (null: it failed or was skipped). */
  results: Record<string, unknown>;
  /** Full results not kept in checkpoints (the detection run summary), by stage name. */
  details: Record<string, unknown>;
}

export interface PipelineOptions<C extends StageContext> {
  /** Stages before the pipeline's own (the nightly's collect and ingest). */
  before?: PipelineStage<C>[];
  /** Only these pipeline stages (names from PIPELINE_STAGE_NAMES), in pipeline order; default all. */
  only?: string[];
  /** Default runStageOnce; the nightly run adds its checkpoints (and skips the stages a killed run finished). */
  runStage?: StageRunner<C>;
}

/**
 * Runs `before`, then detection → cases → early warning → dispatch, in order. A failed critical stage fails
 * the run and skips the rest; a failed or partial other stage makes it partial_failure. Takes no lock:
 * callers hold the pipeline run lock (runPipelineLocked, runNightly).
 */
export async function runPipeline<C extends StageContext>(ctx: C, opts: PipelineOptions<C> = {}): Promise<PipelineResult> {
  const only = opts.only;
  const stages = [...(opts.before ?? []), ...PIPELINE_STAGES.filter((s) => !only || only.includes(s.name))];
  const runStage = opts.runStage ?? runStageOnce;
  const records: StageRecord[] = [];
  const details: Record<string, unknown> = {};
  let status: PipelineStatus = 'succeeded';
  let error: string | null = null;
  for (const stage of stages) {
    if (status === 'failed') {
      records.push({ stage: stage.name, status: 'skipped', started_at: null, finished_at: null, ms: 0, error: null });
      ctx.results[stage.name] = null;
      continue;
    }
    const r = await runStage(stage, ctx);
    records.push(r.record);
    ctx.results[stage.name] = r.result;
    if (r.detail !== undefined) details[stage.name] = r.detail;
    if (r.record.status === 'failed') {
      error = `${stage.name}: ${r.record.error}`;
      status = stage.critical ? 'failed' : 'partial_failure';
    } else if (r.record.status === 'partial_failure') {
      if (status === 'succeeded') status = 'partial_failure';
      error ??= `${stage.name}: ${r.record.error}`;
    }
  }
  return { status, error, stages: records, results: ctx.results, details };
}

export interface RunPipelineOptions {
  from?: string;
  to?: string;
  detectors?: string[];
  /** Pipeline stage names; default all. */
  stages?: string[];
  config?: FundwatchConfig;
  redis: RedisSettings;
  log?: (msg: string) => void;
}

/**
 * `fundwatch run`: the pipeline once under the run lock (RunLockedError when a live run holds it), detection
 * over the window given or the span of the data. The lock id is a pipeline id (P…); the detection run
 * records itself as a `detect` run.
 */
export async function runPipelineLocked(store: Store, opts: RunPipelineOptions): Promise<PipelineResult & { warnings: string[] }> {
  const lockId = `P${shanghaiIso(new Date()).slice(0, 19).replace(/[-:]/g, '')}-${process.pid}`;
  const note = await acquireRunLock(store, lockId);
  try {
    const plan: DetectPlan = { from: opts.from, to: opts.to, detectors: opts.detectors, kind: 'detect' };
    const ctx: StageContext = {
      store, runId: null, config: opts.config ?? {}, redis: opts.redis, log: opts.log ?? (() => undefined), actor: 'pipeline',
      detectPlan: async () => plan, results: {},
    };
    const r = await runPipeline(ctx, { only: opts.stages });
    return { ...r, warnings: note ? [note] : [] };
  } finally {
    await releaseRunLock(store, lockId);
  }
}
