import type { Command } from 'commander';
import { cliContext, printJsonLine, printLine, UsageError, withCliStore } from '../context.ts';
import { listCases } from '../../../pipeline/cases/list.ts';
import { CASE_STATUSES, STATUS_ZH, type CaseStatus } from '../../../pipeline/cases/status.ts';

/** `fundwatch cases [--status S] [--region R] [--subject T] [--json]`: cases by risk score, highest first. */
export function register(program: Command): void {
  program
    .command('cases')
    .description('案件列表 list cases (highest risk first)')
    .option('--status <status>', `状态 status: ${CASE_STATUSES.join('|')}`)
    .option('--region <admdvs>', '统筹区 pooling region (admdvs)')
    .option('--subject <type>', '主体 subject: provider|physician|person')
    .option('--limit <n>', '最多显示 at most n cases', (v) => Number(v))
    .action(async (opts: { status?: string; region?: string; subject?: string; limit?: number }, cmd: Command) => {
      const ctx = cliContext(cmd);
      if (opts.status && !CASE_STATUSES.includes(opts.status as CaseStatus)) throw new UsageError(`--status 无效 (one of ${CASE_STATUSES.join(', ')})`);
      if (opts.subject && !['provider', 'physician', 'person'].includes(opts.subject)) throw new UsageError('--subject 无效 (provider|physician|person)');
      if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) throw new UsageError('--limit 必须是正整数 (positive integer)');
      let rows = await withCliStore(ctx, (store) => listCases(store, { status: opts.status, region: opts.region, subject_type: opts.subject }));
      if (opts.limit) rows = rows.slice(0, opts.limit);
      if (ctx.json) {
        for (const r of rows) printJsonLine(ctx, r);
        return;
      }
      if (rows.length === 0) {
        printLine(ctx, '没有案件 no cases');
        return;
      }
      printLine(ctx, '案件编号 case_id          主体 subject                 统筹区   风险分 score  状态 status   预警数 alerts  涉及金额 amount_at_risk');
      for (const r of rows) {
        const subject = r.subject_type === 'person' ? `参保人 ${r.psn_no}` : r.subject_type === 'physician' ? `医师 ${r.fixmedins_code}/${r.bilg_dr_codg}` : `机构 ${r.fixmedins_code}`;
        printLine(
          ctx,
          `${String(r.case_id).padEnd(24)} ${subject.padEnd(26)} ${String(r.admdvs).padEnd(8)} ${Number(r.risk_score).toFixed(2).padStart(8)}  ${(STATUS_ZH[r.status as CaseStatus] ?? r.status).padEnd(6)} ${String(r.alert_count).padStart(6)}  ${Number(r.amount_at_risk).toFixed(2).padStart(12)}`,
        );
      }
      printLine(ctx, `共 ${rows.length} 个案件 (${rows.length} cases)`);
    });
}
