import type { Command } from 'commander';
import { cliContext, logLine, printJsonLine, printLine, UsageError, withCliStore, type CliContext } from '../context.ts';
import { isDate, KB_EMPTY_WARNING, runDetection, type RunSummary } from '../../detect/engine.ts';
import { getDetector } from '../../detect/registry.ts';
import { FAMILY_ZH } from '../../detect/describe.ts';

/**
 * `fundwatch run [--from D] [--to D] [--detectors a,b] [--json]`: one detection run. Without --from/--to the
 * window is the span of the loaded data. Exit 1 when any detector failed (the summary is printed first).
 */
export function register(program: Command): void {
  program
    .command('run')
    .description('运行检测规则 (run the detectors over a window; default window: the span of the data)')
    .option('--from <date>', '窗口开始 window start YYYY-MM-DD (default: first day of the data)')
    .option('--to <date>', '窗口结束 window end YYYY-MM-DD (default: last day of the data)')
    .option('--detectors <ids>', '只运行这些检测规则 comma-separated detector ids')
    .action(async (opts: { from?: string; to?: string; detectors?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      for (const [name, v] of [['from', opts.from], ['to', opts.to]] as const) {
        if (v !== undefined && !isDate(v)) throw new UsageError(`--${name} 必须是 YYYY-MM-DD 格式的日期 (got "${v}")`);
      }
      if (opts.from && opts.to && opts.from > opts.to) throw new UsageError(`--from ${opts.from} 晚于 --to ${opts.to}`);
      const ids = opts.detectors?.split(',').map((s) => s.trim()).filter(Boolean);
      if (opts.detectors !== undefined && !ids?.length) throw new UsageError('--detectors 不能为空 (give detector ids, comma-separated)');
      for (const id of ids ?? []) await getDetector(id).catch((err: Error) => Promise.reject(new UsageError(err.message)));
      const config = ctx.config();
      const summary = await withCliStore(ctx, (store) => runDetection(store, { from: opts.from, to: opts.to, detectors: ids, config }));
      for (const w of summary.warnings) logLine(ctx, `${w === KB_EMPTY_WARNING ? '!!! ' : ''}警告 warning: ${w}`);
      if (ctx.json) printJsonLine(ctx, summary);
      else printSummary(ctx, summary);
      if (summary.status !== 'succeeded') {
        throw new Error(`检测运行${summary.status === 'failed' ? '失败' : '部分失败'} run ${summary.status}: 见上方各规则错误 (see the detector errors above)`);
      }
    });
}

const STATUS_ZH = { succeeded: '成功', partial_failure: '部分失败', failed: '失败' } as const;

function money(x: number): string {
  return x.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function printSummary(ctx: CliContext, s: RunSummary): void {
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
}
