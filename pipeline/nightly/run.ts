import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.ts';
import type { FundwatchConfig } from '../config.ts';
import { redisSettings, type RedisSettings } from '../queue/redis.ts';
import { acquireRunLock, releaseRunLock } from '../detect/lock.ts';
import { shanghaiIso } from '../detect/engine.ts';
import { nightlyConfig, type NightlyConfig } from './config.ts';
import { NIGHTLY_STAGES, type NightlyStage } from './stages.ts';
import { announceRun } from './announce.ts';

export interface StageRecord {
  stage: string;
  status: 'succeeded' | 'partial_failure' | 'failed' | 'skipped';
  started_at: string | null;
  finished_at: string | null;
  ms: number;
  error: string | null;
  resumed?: boolean;
}

export interface NightlyResult {
  run_id: string;
  status: 'succeeded' | 'partial_failure' | 'failed';
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
  /** Override for tests; default NIGHTLY_STAGES. */
  stages?: NightlyStage[];
  /** Called once the run id is known (the API answers before the run ends). */
  onStart?: (runId: string) => void;
}

/**
 * One nightly run: takes the pipeline run lock, then runs the stages in order with a checkpoint per stage
 * (nightly_checkpoints). A run that was killed (its lock's pid is gone, its runs row still `running`) is
 * resumed under the same run id: finished stages are skipped, an unfinished stage is run again — every stage
 * is idempotent (deterministic alert, case and referral ids; batches recognised by content hash).
 */
export async function runNightly(store: Store, opts: NightlyOptions = {}): Promise<NightlyResult> {
  const config = opts.config ?? {};
  const nightly = opts.nightly ?? nightlyConfig(config);
  const redis = opts.redis ?? redisSettings(config);
  const log = opts.log ?? (() => undefined);
  const stages = opts.stages ?? NIGHTLY_STAGES;

  const orphan = await store.one<{ run_id: string }>(
    `SELECT run_id FROM runs WHERE kind = 'nightly' AND status IN ('pending', 'running') ORDER BY started_at DESC LIMIT 1`,
  );
  const runId = orphan?.run_id ?? newNightlyRunId();
  const lockNote = await acquireRunLock(store, runId); // throws RunLockedError when a live run holds it
  const resumed = Boolean(orphan);
  opts.onStart?.(runId);
  const records: StageRecord[] = [];
  const warnings: string[] = lockNote ? [lockNote] : [];
  let status: NightlyResult['status'] = 'succeeded';
  let error: string | null = null;
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
    log(`${resumed ? '续跑' : '开始'}夜间运行 ${resumed ? 'resuming' : 'starting'} nightly run ${runId}`);

    for (const stage of stages) {
      const done = await store.one<{ status: string; ms: number; started_at: string; finished_at: string; error: string | null }>(
        `SELECT status, ms, strftime(started_at, '%Y-%m-%dT%H:%M:%S+08:00') AS started_at, strftime(finished_at, '%Y-%m-%dT%H:%M:%S+08:00') AS finished_at, error
         FROM nightly_checkpoints WHERE run_id = $1 AND stage = $2`, [runId, stage.name]);
      if (done && (done.status === 'done' || done.status === 'partial')) {
        records.push({ stage: stage.name, status: done.status === 'done' ? 'succeeded' : 'partial_failure', started_at: done.started_at, finished_at: done.finished_at, ms: done.ms, error: done.error, resumed: true });
        if (done.status === 'partial') status = 'partial_failure';
        continue;
      }
      if (status === 'failed') {
        records.push({ stage: stage.name, status: 'skipped', started_at: null, finished_at: null, ms: 0, error: null });
        continue;
      }
      const rec = await runStage(store, runId, stage, { store, runId, config, nightly, redis, log });
      records.push(rec);
      await saveProgress(store, runId, records, warnings);
      if (rec.status === 'failed') {
        error = `${stage.name}: ${rec.error}`;
        status = stage.critical ? 'failed' : 'partial_failure';
      } else if (rec.status === 'partial_failure' && status === 'succeeded') {
        status = 'partial_failure';
        error ??= `${stage.name}: ${rec.error}`;
      }
    }
  } catch (err) {
    status = 'failed';
    error = (err as Error).message;
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

async function runStage(store: Store, runId: string, stage: NightlyStage, ctx: Parameters<NightlyStage['run']>[0]): Promise<StageRecord> {
  const startedAt = shanghaiIso(new Date());
  const t0 = Date.now();
  await store.exclusive(() => store.run(
    `INSERT OR REPLACE INTO nightly_checkpoints (run_id, stage, status, started_at) VALUES ($1, $2, 'running', now())`, [runId, stage.name],
  ));
  ctx.log(`阶段 stage ${stage.name}（${stage.title_zh}）`);
  let status: StageRecord['status'];
  let error: string | null = null;
  let result: unknown = null;
  try {
    const out = await stage.run(ctx);
    result = out.result;
    status = out.partial ? 'partial_failure' : 'succeeded';
    error = out.partial ?? null;
  } catch (err) {
    status = 'failed';
    error = (err as Error).message;
  }
  const ms = Date.now() - t0;
  await store.exclusive(() => store.run(
    `UPDATE nightly_checkpoints SET status = $3, finished_at = now(), ms = $4, result = $5::JSON, error = $6 WHERE run_id = $1 AND stage = $2`,
    [runId, stage.name, status === 'succeeded' ? 'done' : status === 'partial_failure' ? 'partial' : 'failed', ms, JSON.stringify(result ?? null), error],
  ));
  return { stage: stage.name, status, started_at: startedAt, finished_at: shanghaiIso(new Date()), ms, error };
}

async function saveProgress(store: Store, runId: string, records: StageRecord[], warnings: string[]): Promise<void> {
  await store.exclusive(() => store.run('UPDATE runs SET stages = $2::JSON, warnings = $3::JSON WHERE run_id = $1', [runId, JSON.stringify(records), JSON.stringify(warnings)]));
}

/** Counts for the runs row: batches taken and ingested, and each stage's result. */
async function runCounts(store: Store, runId: string): Promise<Record<string, unknown>> {
  const inbox = await store.one<{ taken: number; ingested: number; failed: number }>(
    `SELECT count(*)::INTEGER AS taken, count(*) FILTER (WHERE status = 'ingested')::INTEGER AS ingested,
       count(*) FILTER (WHERE status = 'failed')::INTEGER AS failed FROM nightly_inbox WHERE run_id = $1`, [runId]);
  const results = await store.all<{ stage: string; result: string | null }>('SELECT stage, result::VARCHAR AS result FROM nightly_checkpoints WHERE run_id = $1', [runId]);
  return { batches: inbox, stages: Object.fromEntries(results.map((r) => [r.stage, r.result ? JSON.parse(r.result) : null])) };
}

/** N20260105T020000-1a2b3c (no ':' — it appears in file names and URLs). */
export function newNightlyRunId(): string {
  return `N${shanghaiIso(new Date()).slice(0, 19).replace(/[-:]/g, '')}-${randomBytes(3).toString('hex')}`;
}
