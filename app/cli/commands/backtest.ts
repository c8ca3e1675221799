import type { Command } from 'commander';
import { cliContext, printJsonLine, printLine, UsageError, withCliStore, type CliContext } from '../context.ts';
import { backtest, BacktestParamError, parseSetOptions, type BacktestResult } from '../../../pipeline/detect/backtest.ts';
import { getDetector } from '../../../pipeline/detect/registry.ts';

/**
 * `fundwatch backtest --detector ID [--set name=value ...] [--from D --to D] [--json]` (docs/interfaces.md): one
 * detector over the stored history with trial parameters against the current ones, without writing alerts.
 * Unknown parameter, wrong type, bad date: exit 2 naming it.
 */
export function register(program: Command): void {
  program
    .command('backtest')
    .description('回测检测规则参数 (backtest: run one detector with trial parameters over the stored history; writes no alerts)')
    .requiredOption('--detector <id>', '检测规则 detector id')
    .option('--set <name=value>', '试用参数，可重复 trial parameter (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--from <date>', '窗口开始 window start YYYY-MM-DD (default: first day of the data)')
    .option('--to <date>', '窗口结束 window end YYYY-MM-DD (default: last day of the data)')
    .action(async (opts: { detector: string; set: string[]; from?: string; to?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const d = await getDetector(opts.detector).catch((err: Error) => Promise.reject(new UsageError(err.message)));
      const usage = (err: unknown) => (err instanceof BacktestParamError ? new UsageError(err.message) : err);
      let params: Record<string, unknown>;
      try {
        params = parseSetOptions(d, opts.set);
      } catch (err) {
        throw usage(err);
      }
      const config = ctx.config();
      const r = await withCliStore(ctx, (store) => backtest(store, d, { params, from: opts.from, to: opts.to, config }))
        .catch((err: unknown) => Promise.reject(usage(err)));
      if (ctx.json) printJsonLine(ctx, r);
      else printResult(ctx, r);
    });
}

function pct(x: number | null): string {
  return x === null ? '—' : `${(x * 100).toFixed(1)}%`;
}

function printResult(ctx: CliContext, r: BacktestResult): void {
  const changed = Object.keys(r.params_trial).filter((k) => r.params_trial[k] !== r.params_current[k]);
  printLine(ctx, `回测 backtest ${r.detector_id}，窗口 window ${r.window_from} 至 ${r.window_to}（未写入预警 no alerts written，${r.ms} ms）`);
  printLine(ctx, `参数 params: ${changed.length ? changed.map((k) => `${k} ${r.params_current[k]} → ${r.params_trial[k]}`).join('，') : '与当前相同 same as current'}`);
  printLine(ctx, '');
  printLine(ctx, `                 当前 current    试用 trial`);
  printLine(ctx, `  预警 alerts     ${String(r.alerts_current).padStart(10)}  ${String(r.alerts_trial).padStart(10)}`);
  printLine(ctx, `  金额 amount     ${r.amount_current.toFixed(2).padStart(10)}  ${r.amount_trial.toFixed(2).padStart(10)}`);
  printLine(ctx, `  确认 confirmed  ${String(r.decided_current.confirmed).padStart(10)}  ${String(r.decided_trial.confirmed).padStart(10)}`);
  printLine(ctx, `  误报 false alarm${String(r.decided_current.false_alarm).padStart(10)}  ${String(r.decided_trial.false_alarm).padStart(10)}`);
  printLine(ctx, `  准确率 precision${pct(r.precision_current).padStart(10)}  ${pct(r.precision_trial).padStart(10)}`);
  printLine(ctx, '');
  printLine(ctx, `新增 added ${r.added}，减少 removed ${r.removed}（其中已确认违规 confirmed ${r.removed_confirmed}，误报 false alarm ${r.removed_false_alarm}），不变 unchanged ${r.unchanged}`);
  if (r.removed_confirmed > 0) printLine(ctx, `!!! 试用参数会漏掉 ${r.removed_confirmed} 条已确认违规的预警 (the trial would miss confirmed violations)`);
  for (const a of r.added_examples) printLine(ctx, `  + ${a.alert_id.slice(0, 12)} ¥${a.amount_at_risk.toFixed(2)}  ${a.explanation_zh}`);
  for (const a of r.removed_examples) {
    printLine(ctx, `  - ${a.alert_id.slice(0, 12)} ¥${a.amount_at_risk.toFixed(2)}${a.decision ? ` [${a.decision} ${a.case_id}]` : ''}  ${a.explanation_zh}`);
  }
}
