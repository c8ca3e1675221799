import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.ts';
import type { FundwatchConfig } from '../config.ts';
import { redisSettings, type RedisSettings } from '../queue/redis.ts';
import { acquireRunLock, releaseRunLock } from '../detect/lock.ts';
import { shanghaiIso } from '../detect/engine.ts';
import { runPipeline, runStageOnce, type PipelineStatus, type StageRecord, type StageRun } from '../pipeline.ts';
import { nightlyConfig, type NightlyConfig } from './config.ts';
import { COLLECT_STAGE, INGEST_STAGE, newBatchWindow, reportStage, type NightlyContext, type NightlyStage } from './stages.ts';
import { announceRun } from './announce.ts';

export type { StageRecord } from '../pipeline.ts';

export interface NightlyResult {
  run_id: string;
  status: PipelineStatus;
  resumed: boolean;
  stages: StageRecord[];
  counts: Record<string, unknown>;
  error: string | null;
}

export interface NightlyOptions {
  config?: FundwatchConfig;
  nightly?: NightlyConfig;
  redis?: RedisSettings;
  log?: (msg: string) => void;
  /** The collect stage; default: scan the inbox (the demo names its one directory). */
  collect?: NightlyStage;
  /** Called once the run id is known (the API answers before the run ends). */
  onStart?: (runId: string) => void;
}

/**
 * One nightly run: takes the pipeline run lock, collects and ingests the inbox batches, runs the pipeline
 * (detection over the new batches' window → cases → early warning → dispatch) with a checkpoint per stage
 * (nightly_checkpoints), decides the status, then writes the report showing it. A run that was killed (its
 * lock's pid is gone, its runs row still `running`) is resumed under the same run id: finished stages are
 * skipped, an unfinished stage is run again — every stage is idempotent (deterministic alert, case and
 * referral ids; batches recognised by content hash).
 */
export async function runNightly(store: Store, opts: NightlyOptions = {}): Promise<NightlyResult> {
  const config = opts.config ?? {};
  const nightly = opts.nightly ?? nightlyConfig(config);
  const redis = opts.redis ?? redisSettings(config);
  const log = opts.log ?? (() => undefined);

  const orphan = await store.one<{ run_id: string }>(
    `SELECT run_id FROM runs WHERE kind = 'nightly' AND status IN ('pending', 'running') ORDER BY started_at DESC LIMIT 1`,
  );
  const runId = orphan?.run_id ?? newNightlyRunId();
  const lockNote = await acquireRunLock(store, runId); // throws RunLockedError when a live run holds it
  const resumed = Boolean(orphan);
  opts.onStart?.(runId);
  let records: StageRecord[] = [];
  const warnings: string[] = lockNote ? [lockNote] : [];
  let status: PipelineStatus = 'succeeded';
  let error: string | null = null;
  const ctx: NightlyContext = { store, runId, config, nightly, redis, log, actor: 'nightly', detectPlan: newBatchWindow, results: {} };
  const progress: StageRecord[] = [];
  const checkpointed = async (stage: NightlyStage, c: NightlyContext): Promise<StageRun> => {
    const r = await runCheckpointed(stage, c);
    progress.push(r.record);
    await saveProgress(store, runId, progress, warnings);
    return r;
  };
  let started = false;
  try {
    await store.exclusive(async () => {
      if (resumed) {
        await store.run(`UPDATE runs SET status = 'running' WHERE run_id = $1`, [runId]);
        warnings.push(`续跑被中断的运行 resumed interrupted run ${runId}`);
      } else {
        await store.run(`INSERT INTO runs (run_id, kind, status, started_at, detectors) VALUES ($1, 'nightly', 'running', now(), '[]'::JSON)`, [runId]);
      }
      // We hold the run lock, so any other run still marked running was killed (older nightly runs, or the
      // detection run of an interrupted detect stage): close them as failed. Their inbox dirs are retaken by collect.
      await store.run(`UPDATE runs SET status = 'failed', finished_at = now(), error = '运行被中断 interrupted' WHERE status IN ('pending', 'running') AND run_id <> $1`, [runId]);
    });
    started = true;
    log(`${resumed ? '续跑' : '开始'}夜间运行 ${resumed ? 'resuming' : 'starting'} nightly run ${runId}`);
    const r = await runPipeline(ctx, { before: [opts.collect ?? COLLECT_STAGE, INGEST_STAGE], runStage: checkpointed });
    ({ status, error } = r);
    records = r.stages;
  } catch (err) {
    status = 'failed';
    error = (err as Error).message;
  }
  if (started) {
    // The status is decided; the report is written with it (the runs row still says running until below).
    const report = await checkpointed(reportStage(() => ({ status, error })), ctx);
    records.push(report.record);
    if (report.record.status === 'failed') {
      if (status === 'succeeded') status = 'partial_failure';
      error ??= `report: ${report.record.error}`;
    }
  }
  const counts = await runCounts(store, runId);
  await store.exclusive(() => store.run(
    `UPDATE runs SET status = $2, finished_at = now(), stages = $3::JSON, counts = $4::JSON, warnings = $5::JSON, error = $6 WHERE run_id = $1`,
    [runId, status, JSON.stringify(records), JSON.stringify(counts), JSON.stringify(warnings), error],
  ));
  await releaseRunLock(store, runId);
  const result: NightlyResult = { run_id: runId, status, resumed, stages: records, counts, error };
  log(`夜间运行结束 nightly run ${runId}: ${status}${error ? ` — ${error}` : ''}`);
  if (status !== 'succeeded') await announceRun(result, nightly, log);
  return result;
}

/**
 * A stage with its checkpoint: a stage the killed run finished (done or partial) is not run again, its
 * record and result come from the checkpoint; otherwise it runs and its outcome is checkpointed.
 */
async function runCheckpointed(stage: NightlyStage, ctx: NightlyContext): Promise<StageRun> {
  const { store, runId } = ctx;
  const done = await store.one<{ status: string; ms: number; started_at: string; finished_at: string; error: string | null; result: string | null }>(
    `SELECT status, ms, strftime(started_at, '%Y-%m-%dT%H:%M:%S+08:00') AS started_at, strftime(finished_at, '%Y-%m-%dT%H:%M:%S+08:00') AS finished_at, error,
       result::VARCHAR AS result
     FROM nightly_checkpoints WHERE run_id = $1 AND stage = $2`, [runId, stage.name]);
  if (done && (done.status === 'done' || done.status === 'partial')) {
    const record: StageRecord = {
      stage: stage.name, status: done.status === 'done' ? 'succeeded' : 'partial_failure', started_at: done.started_at,
      finished_at: done.finished_at, ms: Number(done.ms), error: done.error, resumed: true,
    };
    return { record, result: done.result ? JSON.parse(done.result) : null };
  }
  await store.exclusive(() => store.run(
    `INSERT OR REPLACE INTO nightly_checkpoints (run_id, stage, status, started_at) VALUES ($1, $2, 'running', now())`, [runId, stage.name],
  ));
  const r = await runStageOnce(stage, ctx);
  const st = r.record.status === 'succeeded' ? 'done' : r.record.status === 'partial_failure' ? 'partial' : 'failed';
  await store.exclusive(() => store.run(
    `UPDATE nightly_checkpoints SET status = $3, finished_at = now(), ms = $4, result = $5::JSON, error = $6 WHERE run_id = $1 AND stage = $2`,
    [runId, stage.name, st, r.record.ms, JSON.stringify(r.result ?? null), r.record.error],
  ));
  return r;
}

async function saveProgress(store: Store, runId: string, records: StageRecord[], warnings: string[]): Promise<void> {
  await store.exclusive(() => store.run('UPDATE runs SET stages = $2::JSON, warnings = $3::JSON WHERE run_id = $1', [runId, JSON.stringify(records), JSON.stringify(warnings)]));
}

/** Counts for the runs row: batches taken, ingested, failed and quarantined, and each stage's result. */
async function runCounts(store: Store, runId: string): Promise<Record<string, unknown>> {
  const inbox = await store.one<{ taken: number; ingested: number; failed: number; quarantined: number }>(
    `SELECT count(*)::INTEGER AS taken, count(*) FILTER (WHERE status = 'ingested')::INTEGER AS ingested,
       count(*) FILTER (WHERE status = 'failed')::INTEGER AS failed, count(*) FILTER (WHERE status = 'quarantined')::INTEGER AS quarantined
     FROM nightly_inbox WHERE run_id = $1`, [runId]);
  const results = await store.all<{ stage: string; result: string | null }>('SELECT stage, result::VARCHAR AS result FROM nightly_checkpoints WHERE run_id = $1', [runId]);
  return { batches: inbox, stages: Object.fromEntries(results.map((r) => [r.stage, r.result ? JSON.parse(r.result) : null])) };
}

/** N20260105T020000-1a2b3c (no ':' — it appears in file names and URLs). */
export function newNightlyRunId(): string {
  return `N${shanghaiIso(new Date()).slice(0, 19).replace(/[-:]/g, '')}-${randomBytes(3).toString('hex')}`;
}
