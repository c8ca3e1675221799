import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listValue } from '@duckdb/node-api';
import type { Store } from '../store/store.ts';
import type { FundwatchConfig } from '../config.ts';
import type { RedisSettings } from '../queue/redis.ts';
import type { NightlyConfig } from './config.ts';
import { runDetection } from '../detect/engine.ts';
import { updateCases } from '../cases/update.ts';
import { refreshCaseEvidence } from './case-evidence.ts';
import { runEarlyWarning } from '../warning/run.ts';
import { dispatchCases } from '../queue/dispatch.ts';
import { deliverReferrals } from '../referrals/deliver.ts';
import { writeRunReport } from './report.ts';

export interface StageContext {
  store: Store;
  runId: string;
  config: FundwatchConfig;
  nightly: NightlyConfig;
  redis: RedisSettings;
  log: (msg: string) => void;
}

/** A stage returns its result (kept in the checkpoint) and whether it only partly succeeded. */
export interface StageOutcome {
  result: unknown;
  partial?: string;
}

export interface NightlyStage {
  name: string;
  title_zh: string;
  /** A failing critical stage fails the run and stops it; a non-critical one makes it partial. */
  critical: boolean;
  run(ctx: StageContext): Promise<StageOutcome>;
}

type IngestFn = (store: Store, dir: string, opts?: Record<string, unknown>) => Promise<{ batch_id: string; status: string }>;

/** The ingest module (pipeline/ingest/ingest.ts), loaded when the stage runs. */
async function loadIngest(): Promise<IngestFn> {
  const path = new URL('../ingest/ingest.ts', import.meta.url);
  if (!existsSync(path)) throw new Error('导入模块不存在 ingest module pipeline/ingest/ingest.ts is not available');
  const mod = (await import(path.href)) as { ingestBatch?: IngestFn };
  if (!mod.ingestBatch) throw new Error('pipeline/ingest/ingest.ts does not export ingestBatch');
  return mod.ingestBatch;
}

/** Complete batch directories in the inbox: with `_SUCCESS`, name not starting with `_` or `.`. */
export function completeInboxDirs(inbox: string): string[] {
  if (!existsSync(inbox)) return [];
  return readdirSync(inbox)
    .filter((n) => !n.startsWith('_') && !n.startsWith('.'))
    .map((n) => resolve(inbox, n))
    .filter((d) => statSync(d).isDirectory() && existsSync(join(d, '_SUCCESS')))
    .sort();
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

/** The nightly stages, in order. Each is safe to run again after an interruption. */
export const NIGHTLY_STAGES: NightlyStage[] = [
  {
    name: 'collect',
    title_zh: '收取批次',
    critical: true,
    // Takes every complete inbox directory not yet ingested (including ones a failed run left behind).
    async run({ store, runId, nightly }) {
      const dirs = completeInboxDirs(nightly.inbox);
      let taken = 0;
      await store.transaction(async () => {
        for (const dir of dirs) {
          const row = await store.one<{ status: string }>('SELECT status FROM nightly_inbox WHERE dir = $1', [dir]);
          if (row?.status === 'ingested') continue;
          if (row) await store.run(`UPDATE nightly_inbox SET run_id = $2, status = 'taken', error = NULL, taken_at = now() WHERE dir = $1`, [dir, runId]);
          else await store.run(`INSERT INTO nightly_inbox (dir, run_id, status, taken_at) VALUES ($1, $2, 'taken', now())`, [dir, runId]);
          taken++;
        }
      });
      return { result: { inbox: nightly.inbox, complete_dirs: dirs.length, taken } };
    },
  },
  {
    name: 'ingest',
    title_zh: '导入数据',
    critical: true,
    async run({ store, runId, config, log }) {
      const dirs = await pendingDirs(store, runId);
      if (dirs.length === 0) return { result: { batches: 0 } };
      const ingestBatch = await loadIngest();
      const failed: string[] = [];
      for (const dir of dirs) {
        log(`导入 ingest ${dir}`);
        try {
          const r = await ingestBatch(store, dir, { config });
          const ok = r.status === 'loaded' || r.status === 'duplicate';
          await store.exclusive(() => store.run(
            `UPDATE nightly_inbox SET status = $2, batch_id = $3, ingest_status = $4, finished_at = now() WHERE dir = $1`,
            [dir, ok ? 'ingested' : 'failed', r.batch_id ?? null, r.status],
          ));
          if (!ok) failed.push(dir);
        } catch (err) {
          failed.push(dir);
          await store.exclusive(() => store.run(
            `UPDATE nightly_inbox SET status = 'failed', error = $2, finished_at = now() WHERE dir = $1`, [dir, (err as Error).message],
          ));
        }
      }
      const result = { batches: dirs.length, failed: failed.length, batch_ids: await runBatchIds(store, runId) };
      if (failed.length === dirs.length) throw new Error(`所有批次导入失败 every batch failed to ingest: ${failed.join(', ')}`);
      return { result, partial: failed.length ? `${failed.length} 个批次导入失败 batches failed: ${failed.join(', ')}` : undefined };
    },
  },
  {
    name: 'detect',
    title_zh: '运行检测规则',
    critical: true,
    // The new window: the days of the fee lines the new batches wrote (each detector adds its own lookback).
    async run({ store, runId, config }) {
      const batchIds = await runBatchIds(store, runId);
      if (batchIds.length === 0) return { result: { skipped: '没有新数据 no new data' } };
      const span = await store.one<{ from: string | null; to: string | null }>(
        `SELECT min(fee_ocur_time)::DATE::VARCHAR AS "from", max(fee_ocur_time)::DATE::VARCHAR AS "to" FROM fee_list_d WHERE list_contains($1::VARCHAR[], batch_id)`,
        [listValue(batchIds)],
      );
      if (!span?.from || !span.to) return { result: { skipped: '新批次没有费用明细 no fee lines in the new batches' } };
      const s = await runDetection(store, { from: span.from, to: span.to, config, kind: 'nightly_detect', lockHeld: true });
      await store.exclusive(() => store.run('UPDATE runs SET window_from = $2::DATE, window_to = $3::DATE WHERE run_id = $1', [runId, s.window_from, s.window_to]));
      const result = { detect_run_id: s.run_id, status: s.status, window_from: s.window_from, window_to: s.window_to, alerts: s.counts.alerts, alerts_new: s.counts.alerts_new, alerts_withdrawn: s.counts.alerts_withdrawn, amount_at_risk: s.counts.amount_at_risk };
      if (s.status === 'failed') throw new Error('全部检测规则失败 every detector failed');
      return { result, partial: s.status === 'partial_failure' ? '部分检测规则失败 some detectors failed' : undefined };
    },
  },
  {
    name: 'cases',
    title_zh: '更新案件',
    critical: false,
    // Then each changed case's evidence lines are materialised for the case view (case_evidence).
    async run({ store, runId }) {
      const cases = await updateCases(store, { runId, actor: 'nightly' });
      return { result: { ...cases, evidence: await refreshCaseEvidence(store) } };
    },
  },
  {
    name: 'early_warning',
    title_zh: '高额费用预警',
    critical: false,
    async run({ store, runId, config }) {
      return { result: await runEarlyWarning(store, { runId, config }) };
    },
  },
  {
    name: 'dispatch',
    title_zh: '派发案件与转介',
    critical: false,
    // Cases → inspection queues, referral deliveries → department queues (the owner's workers send them).
    // Redis down: both stay in the DuckDB outbox for the next run or the owner; the run says so (partial).
    async run({ store, redis, config, log }) {
      const cases = await dispatchCases(store, redis);
      const referrals = await deliverReferrals(store, redis, { config });
      const down = [cases, referrals].filter((r) => !r.redis_available).map((r) => r.message);
      for (const m of down) log(m);
      return { result: { ...cases, referrals }, partial: down.length ? down.join('; ') : undefined };
    },
  },
  {
    name: 'report',
    title_zh: '运行报告',
    critical: false,
    async run({ store, runId, nightly }) {
      return { result: { file: await writeRunReport(store, runId, nightly) } };
    },
  },
];
