import type { Command } from 'commander';
import { FAMILIES } from '../../../detectors/types.ts';
import { cliContext, printJsonLine, printLine, UsageError, withCliStore } from '../context.ts';
import { listAlerts } from '../../../pipeline/detect/alerts.ts';
import { isDate } from '../../../pipeline/detect/engine.ts';

const STATUSES = ['open', 'withdrawn', 'suppressed', 'shadow'];

/**
 * `fundwatch alerts [--family F] [--detector D] [--since DATE] [--status S] [--json]` (JSON Lines). Alerts of detectors
 * in shadow mode are listed only with `--status shadow`.
 */
export function register(program: Command): void {
  program
    .command('alerts')
    .description('列出预警 (list alerts; --json: one interfaces.md alert object per line)')
    .option('--family <family>', `类别 family: ${FAMILIES.join(' | ')}`)
    .option('--detector <id>', '检测规则 detector id')
    .option('--since <date>', '此日期（含）以来产生的预警 created on or after YYYY-MM-DD')
    .option('--status <status>', '状态 open | withdrawn | suppressed | shadow（影子运行的预警只在指定 shadow 时列出 shadow-mode alerts only when asked for）')
    .option('--run <run_id>', '某次运行产生或再次发现的预警 raised or seen by this run')
    .action(async (opts: { family?: string; detector?: string; since?: string; status?: string; run?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      if (opts.family && !FAMILIES.includes(opts.family as never)) throw new UsageError(`--family 应为 ${FAMILIES.join(' | ')} (got "${opts.family}")`);
      if (opts.since && !isDate(opts.since)) throw new UsageError(`--since 必须是 YYYY-MM-DD 格式的日期 (got "${opts.since}")`);
      if (opts.status && !STATUSES.includes(opts.status)) throw new UsageError(`--status 应为 ${STATUSES.join(' | ')} (got "${opts.status}")`);
      const alerts = await withCliStore(ctx, (store) =>
        listAlerts(store, { family: opts.family, detector: opts.detector, since: opts.since, status: opts.status, runId: opts.run }),
      );
      if (ctx.json) {
        for (const a of alerts) printJsonLine(ctx, a);
        return;
      }
      for (const a of alerts) {
        const subject = [a.psn_no && `参保人 ${a.psn_no}`, a.fixmedins_code && `机构 ${a.fixmedins_code}`, a.bilg_dr_codg && `医师 ${a.bilg_dr_codg}`,
          a.mdtrt_id && `就诊 ${a.mdtrt_id}`, a.setl_id && `结算 ${a.setl_id}`].filter(Boolean).join(' ');
        const status = a.status === 'open' ? '' : ` [${a.status}]`;
        printLine(ctx, `${a.alert_id.slice(0, 12)}  ${a.detector_id}  ${subject}  ¥${a.amount_at_risk.toFixed(2)}${status}  ${a.title_zh}`);
        printLine(ctx, `    ${a.explanation_zh}`);
      }
      const total = alerts.reduce((n, a) => n + a.amount_at_risk, 0);
      printLine(ctx, `共 ${alerts.length} 条预警 (alerts)，涉及金额 ¥${total.toFixed(2)}`);
    });
}
