import type { Command } from 'commander';
import { cliContext, logLine, printJsonLine, printLine, UsageError, withCliStore, type CliContext } from '../context.ts';
import { isDate, KB_EMPTY_WARNING, type RunSummary } from '../../../pipeline/detect/engine.ts';
import { getDetector } from '../../../pipeline/detect/registry.ts';
import { FAMILY_ZH } from '../../../pipeline/detect/describe.ts';
import { parseStageList, PIPELINE_STAGE_NAMES, runPipelineLocked, type PipelineResult, type StageRecord } from '../../../pipeline/pipeline.ts';
import { redisSettings } from '../../../pipeline/queue/redis.ts';
import type { UpdateCasesSummary } from '../../../pipeline/cases/update.ts';
import type { EarlyWarningSummary } from '../../../pipeline/warning/run.ts';

/**
 * `fundwatch run [--from D] [--to D] [--detectors a,b] [--stages detect,cases,...] [--json]`: the pipeline once —
 * detection over a window (default: the span of the loaded data) → cases → high-expense early warning →
 * dispatch (Redis down: the cases wait in the DuckDB outbox). `--json` prints the detection run summary as
 * before, extended with the later stages. Exit 1 when a detector (or a stage) failed; the summary is printed first.
 */
export function register(program: Command): void {
  program
    .command('run')
    .description('运行流水线 run the pipeline: detection over a window (default: the span of the data) → cases → early warning → dispatch')
    .option('--from <date>', '窗口开始 window start YYYY-MM-DD (default: first day of the data)')
    .option('--to <date>', '窗口结束 window end YYYY-MM-DD (default: last day of the data)')
    .option('--detectors <ids>', '只运行这些检测规则 comma-separated detector ids')
    .option('--stages <names>', `只运行这些阶段 comma-separated stages (${PIPELINE_STAGE_NAMES.join(',')}; default all)`)
    .action(async (opts: { from?: string; to?: string; detectors?: string; stages?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      for (const [name, v] of [['from', opts.from], ['to', opts.to]] as const) {
        if (v !== undefined && !isDate(v)) throw new UsageError(`--${name} 必须是 YYYY-MM-DD 格式的日期 (got "${v}")`);
      }
      if (opts.from && opts.to && opts.from > opts.to) throw new UsageError(`--from ${opts.from} 晚于 --to ${opts.to}`);
      const ids = opts.detectors?.split(',').map((s) => s.trim()).filter(Boolean);
      if (opts.detectors !== undefined && !ids?.length) throw new UsageError('--detectors 不能为空 (give detector ids, comma-separated)');
      for (const id of ids ?? []) await getDetector(id).catch((err: Error) => Promise.reject(new UsageError(err.message)));
      let stages: string[] | undefined;
      try {
        stages = opts.stages === undefined ? undefined : parseStageList(opts.stages);
      } catch (err) {
        throw new UsageError(`--stages: ${(err as Error).message}`);
      }
      if (stages && !stages.includes('detect') && (opts.from || opts.to || ids)) {
        throw new UsageError('--from/--to/--detectors 只用于检测阶段 (only apply to the detect stage, which --stages leaves out)');
      }
      const config = ctx.config();
      const r = await withCliStore(ctx, (store) =>
        runPipelineLocked(store, { from: opts.from, to: opts.to, detectors: ids, stages, config, redis: redisSettings(config), log: (m) => logLine(ctx, m) }));
      const detect = r.details.detect as RunSummary | undefined;
      for (const w of [...r.warnings, ...(detect?.warnings ?? [])]) logLine(ctx, `${w === KB_EMPTY_WARNING ? '!!! ' : ''}警告 warning: ${w}`);
      if (ctx.json) printJsonLine(ctx, runJson(r, detect));
      else printSummary(ctx, r, detect);
      if (r.status !== 'succeeded' && !onlyRedisDown(r)) {
        throw new Error(`运行${r.status === 'failed' ? '失败' : '部分失败'} run ${r.status}: ${r.error ?? ''}（见上方 see above）`);
      }
    });
}

/**
 * The detection run summary (the shape `fundwatch run --json` always had; without the detect stage only
 * `run_id: null` and `status`), extended with the pipeline's status, stages and the later stages' results.
 */
function runJson(r: PipelineResult, detect: RunSummary | undefined): Record<string, unknown> {
  return {
    ...(detect ?? { run_id: null, status: r.status }),
    pipeline_status: r.status,
    pipeline_stages: r.stages,
    cases: r.results.cases ?? null,
    early_warning: r.results.early_warning ?? null,
    dispatch: r.results.dispatch ?? null,
  };
}

/** Redis down is no failure of the run: the cases and deliveries wait in the outbox (the dispatch stage says so). */
function onlyRedisDown(r: PipelineResult): boolean {
  return r.stages.every((s) => s.status === 'succeeded' || s.status === 'skipped' || (s.stage === 'dispatch' && s.status === 'partial_failure'));
}

const STATUS_ZH: Record<string, string> = { succeeded: '成功', partial_failure: '部分失败', failed: '失败', skipped: '跳过' };

function money(x: number): string {
  return x.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function printSummary(ctx: CliContext, r: PipelineResult, s: RunSummary | undefined): void {
  if (s) printDetection(ctx, s);
  const cases = r.results.cases as UpdateCasesSummary | null | undefined;
  const warning = r.results.early_warning as EarlyWarningSummary | null | undefined;
  const dispatch = r.results.dispatch as { message: string; referrals: { message: string } } | null | undefined;
  if (cases) printLine(ctx, `案件 cases: 新建 new ${cases.cases_new}，重新打开 reopened ${cases.cases_reopened}，新增预警的案件 with new alerts ${cases.cases_with_new_alerts}，待处理 open ${cases.open_cases}`);
  if (warning) printLine(ctx, `高额费用预警 early warning: 新转介 new referrals ${warning.referrals_new}（推送记录 deliveries ${warning.deliveries_new}）`);
  if (dispatch) printLine(ctx, `派发 dispatch: ${dispatch.message}；转介 referrals: ${dispatch.referrals.message}`);
  printLine(ctx, '');
  printLine(ctx, `流水线 pipeline: ${STATUS_ZH[r.status]} (${r.status})`);
  for (const st of r.stages) printStage(ctx, st);
}

function printStage(ctx: CliContext, s: StageRecord): void {
  printLine(ctx, `  ${s.stage.padEnd(14)} ${(STATUS_ZH[s.status] ?? s.status).padEnd(4, '　')} ${String(s.ms).padStart(7)} ms  ${s.error ?? ''}`);
}

function printDetection(ctx: CliContext, s: RunSummary): void {
  const c = s.counts;
  printLine(ctx, `检测运行 run ${s.run_id}: ${STATUS_ZH[s.status]} (${s.status})`);
  printLine(ctx, `窗口 window: ${s.window_from} 至 ${s.window_to}，检测规则 ${s.detectors.length} 个`);
  printLine(ctx, `预警 alerts: ${c.alerts} 条（新增 new ${c.alerts_new}，已有 existing ${c.alerts_existing}，撤回 withdrawn ${c.alerts_withdrawn}），涉及金额 money at risk ¥${money(c.amount_at_risk)}`);
  printLine(ctx, '');
  printLine(ctx, '按类别 by family:');
  for (const [family, f] of Object.entries(s.by_family)) {
    printLine(ctx, `  ${family.padEnd(17)} ${String(f.alerts).padStart(6)} 条  ¥${money(f.amount_at_risk).padStart(14)}  ${FAMILY_ZH[family] ?? ''}`);
  }
  printLine(ctx, '');
  printLine(ctx, '按规则 by detector:');
  for (const d of Object.values(c.per_detector)) {
    const state = d.status === 'succeeded' ? '' : d.status === 'skipped' ? '  已停用 skipped' : `  失败 FAILED: ${d.error}`;
    printLine(ctx, `  ${d.detector_id.padEnd(30)} ${String(d.alerts).padStart(6)} 条  新增 ${String(d.alerts_new).padStart(5)}  ¥${money(d.amount_at_risk).padStart(14)}  ${String(d.ms).padStart(6)} ms${state}`);
  }
  printLine(ctx, '');
}
