import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { listValue } from '@duckdb/node-api';
import type { Store } from '../store/store.ts';
import type { NightlyConfig } from './config.ts';
import type { DetectPlan, PipelineStage, PipelineStatus, StageContext } from '../pipeline.ts';
import { writeRunReport } from './report.ts';

export interface NightlyContext extends StageContext {
  runId: string;
  nightly: NightlyConfig;
}

/** A nightly stage: the pipeline's stages, and collect, ingest and report around them. */
export type NightlyStage = PipelineStage<NightlyContext>;

type IngestFn = (store: Store, dir: string, opts?: Record<string, unknown>) => Promise<{ batch_id: string; status: string; error?: string }>;

/** The ingest module (pipeline/ingest/ingest.ts), loaded when the stage runs. */
async function loadIngest(): Promise<IngestFn> {
  const path = new URL('../ingest/ingest.ts', import.meta.url);
  if (!existsSync(path)) throw new Error('导入模块不存在 ingest module pipeline/ingest/ingest.ts is not available');
  const mod = (await import(path.href)) as { ingestBatch?: IngestFn };
  if (!mod.ingestBatch) throw new Error('pipeline/ingest/ingest.ts does not export ingestBatch');
  return mod.ingestBatch;
}

/** Where quarantined batches go; its name starts with `_`, so the inbox scan skips it. */
export const QUARANTINE_DIR = '_quarantine';

/** Complete batch directories in the inbox: with `_SUCCESS`, name not starting with `_` or `.`. */
export function completeInboxDirs(inbox: string): string[] {
  if (!existsSync(inbox)) return [];
  return readdirSync(inbox)
    .filter((n) => !n.startsWith('_') && !n.startsWith('.'))
    .map((n) => resolve(inbox, n))
    .filter((d) => statSync(d).isDirectory() && existsSync(join(d, '_SUCCESS')))
    .sort();
}

/**
 * Marks `dir` as taken by `runId` unless it was ingested already (false). A batch that failed before keeps
 * its attempts; a quarantined one whose directory is back (delivered again) starts over.
 */
export async function takeDir(store: Store, dir: string, runId: string): Promise<boolean> {
  const row = await store.one<{ status: string }>('SELECT status FROM nightly_inbox WHERE dir = $1', [dir]);
  if (row?.status === 'ingested') return false;
  if (row?.status === 'quarantined') {
    await store.run(`UPDATE nightly_inbox SET run_id = $2, status = 'taken', attempts = 0, quarantine_dir = NULL, error = NULL, taken_at = now() WHERE dir = $1`, [dir, runId]);
  } else if (row) {
    await store.run(`UPDATE nightly_inbox SET run_id = $2, status = 'taken', taken_at = now() WHERE dir = $1`, [dir, runId]);
  } else {
    await store.run(`INSERT INTO nightly_inbox (dir, run_id, status, attempts, taken_at) VALUES ($1, $2, 'taken', 0, now())`, [dir, runId]);
  }
  return true;
}

/** The directories this run took and has not ingested yet. */
async function pendingDirs(store: Store, runId: string): Promise<string[]> {
  const rows = await store.all<{ dir: string }>(`SELECT dir FROM nightly_inbox WHERE run_id = $1 AND status = 'taken' ORDER BY dir`, [runId]);
  return rows.map((r) => r.dir);
}

async function runBatchIds(store: Store, runId: string): Promise<string[]> {
  const rows = await store.all<{ batch_id: string }>(
    `SELECT DISTINCT batch_id FROM nightly_inbox WHERE run_id = $1 AND status = 'ingested' AND ingest_status = 'loaded' AND batch_id IS NOT NULL ORDER BY 1`,
    [runId],
  );
  return rows.map((r) => r.batch_id);
}

/** The nightly detection window: the days of the fee lines the new batches wrote (each detector adds its own lookback). */
export async function newBatchWindow(ctx: StageContext): Promise<DetectPlan> {
  const batchIds = ctx.runId ? await runBatchIds(ctx.store, ctx.runId) : [];
  if (batchIds.length === 0) return { skipped: '没有新数据 no new data' };
  const span = await ctx.store.one<{ from: string | null; to: string | null }>(
    `SELECT min(fee_ocur_time)::DATE::VARCHAR AS "from", max(fee_ocur_time)::DATE::VARCHAR AS "to" FROM fee_list_d WHERE list_contains($1::VARCHAR[], batch_id)`,
    [listValue(batchIds)],
  );
  if (!span?.from || !span.to) return { skipped: '新批次没有费用明细 no fee lines in the new batches' };
  return { from: span.from, to: span.to, kind: 'nightly_detect' };
}

/** `<inbox>/_quarantine/<name>` (`<name>-<run id>` when that name was quarantined before). */
function quarantineTarget(dir: string, inbox: string, runId: string): string {
  const base = join(inbox, QUARANTINE_DIR, basename(dir));
  return existsSync(base) ? `${base}-${runId}` : base;
}

export const COLLECT_STAGE: NightlyStage = {
  name: 'collect',
  title_zh: '收取批次',
  critical: false,
  // Takes every complete inbox directory not yet ingested (including ones a failed run left behind).
  async run({ store, runId, nightly }) {
    const dirs = completeInboxDirs(nightly.inbox);
    let taken = 0;
    await store.transaction(async () => {
      for (const dir of dirs) if (await takeDir(store, dir, runId)) taken++;
    });
    return { result: { inbox: nightly.inbox, complete_dirs: dirs.length, taken } };
  },
};

export const INGEST_STAGE: NightlyStage = {
  name: 'ingest',
  title_zh: '导入数据',
  critical: false,
  // A batch that fails never stops the others or the later stages: the next runs retry it, and after
  // nightly.max_attempts tries an inbox batch is moved to <inbox>/_quarantine/ and no longer retried.
  async run({ store, runId, config, nightly, log }) {
    const dirs = await pendingDirs(store, runId);
    if (dirs.length === 0) return { result: { batches: 0, ingested: 0, failed: 0, quarantined: 0, batch_ids: [] } };
    const ingestBatch = await loadIngest();
    const problems: string[] = [];
    let failed = 0;
    let quarantined = 0;
    for (const dir of dirs) {
      log(`导入 ingest ${dir}`);
      // Counted before the try, so a batch that kills the process is quarantined too.
      const attempts = await store.exclusive(async () => {
        await store.run('UPDATE nightly_inbox SET attempts = coalesce(attempts, 0) + 1 WHERE dir = $1', [dir]);
        return store.scalar<number>('SELECT attempts FROM nightly_inbox WHERE dir = $1', [dir]);
      });
      let r: Awaited<ReturnType<IngestFn>> | null = null;
      let error: string | null = null;
      try {
        r = await ingestBatch(store, dir, { config });
        if (r.status !== 'loaded' && r.status !== 'duplicate') error = r.error ?? `导入结果 ingest status ${r.status}`;
      } catch (err) {
        error = (err as Error).message;
      }
      if (error === null) {
        await store.exclusive(() => store.run(
          `UPDATE nightly_inbox SET status = 'ingested', batch_id = $2, ingest_status = $3, error = NULL, finished_at = now() WHERE dir = $1`,
          [dir, r!.batch_id, r!.status],
        ));
        continue;
      }
      const name = basename(dir);
      let moved: string | null = null;
      if (attempts >= nightly.max_attempts && dirname(dir) === nightly.inbox) {
        const target = quarantineTarget(dir, nightly.inbox, runId);
        try {
          mkdirSync(dirname(target), { recursive: true });
          renameSync(dir, target);
          moved = target;
        } catch (err) {
          error = `${error}; 无法移入隔离区 cannot move to quarantine: ${(err as Error).message}`;
        }
      }
      await store.exclusive(() => store.run(
        `UPDATE nightly_inbox SET status = $2, batch_id = $3, ingest_status = $4, error = $5, quarantine_dir = $6, finished_at = now() WHERE dir = $1`,
        [dir, moved ? 'quarantined' : 'failed', r?.batch_id ?? null, r?.status ?? 'failed', error, moved],
      ));
      if (moved) {
        quarantined++;
        problems.push(`批次 ${name} 已隔离（${attempts} 次导入均失败）→ ${moved} (batch quarantined after ${attempts} failed attempts): ${error}`);
      } else {
        failed++;
        problems.push(`批次 ${name} 导入失败（第 ${attempts}/${nightly.max_attempts} 次，下次运行重试）(batch failed to ingest, attempt ${attempts} of ${nightly.max_attempts}): ${error}`);
      }
      log(problems[problems.length - 1]!);
    }
    const result = { batches: dirs.length, ingested: dirs.length - failed - quarantined, failed, quarantined, batch_ids: await runBatchIds(store, runId) };
    return { result, partial: problems.length ? problems.join('; ') : undefined };
  },
};

export const REPORT_TITLE_ZH = '运行报告';

/** The run report, written once the run's status is decided (`final`), so it shows that status. */
export function reportStage(final: () => { status: PipelineStatus; error: string | null }): NightlyStage {
  return {
    name: 'report',
    title_zh: REPORT_TITLE_ZH,
    critical: false,
    async run({ store, runId, nightly }) {
      return { result: { file: await writeRunReport(store, runId, nightly, final()) } };
    },
  };
}
