import type { Command } from 'commander';
import { cliContext, requireSameActor, logLine, printJsonLine, printLine, UsageError, withCliStore } from '../context.ts';
import { AccessDenied, mayUnmask, scopeRegion } from '../../../pipeline/access/policy.ts';
import { listReferrals, OUTCOMES, recordOutcome } from '../../../pipeline/referrals/list.ts';
import { referralsXlsx, writeReferralFiles } from '../../../pipeline/referrals/files.ts';
import { deliverReferrals } from '../../../pipeline/referrals/deliver.ts';
import { redisSettings } from '../../../pipeline/queue/redis.ts';
import { AID_CATEGORY_ZH } from '../../../pipeline/warning/config.ts';

const DELIVERY_ZH: Record<string, string> = {
  no_department: '未配置接收部门', pending: '待推送', queued: '推送中', pending_file: '待文件投递', delivered: '已送达', dead_letter: '推送失败',
};

/**
 * `fundwatch referrals --month YYYY-MM [--json|--xlsx FILE] [--unmasked]` lists (read-only; unmasking is
 * audited). Subcommands: `outcome REFERRAL DEPARTMENT OUTCOME [--note]` (a department reports back), `deliver` (queue webhook deliveries),
 * `files --month` (write the monthly file drop now).
 */
export function register(program: Command): void {
  const r = program
    .command('referrals')
    .description('高额费用预警转介 high-expense referrals to civil affairs / agriculture-rural departments')
    .option('--month <YYYY-MM>', '月份 month')
    .option('--department <id>', '接收部门 receiving department id')
    .option('--region <admdvs>', '参保地 insured region')
    .option('--xlsx <file>', '导出 Excel write the list to an .xlsx file')
    .option('--unmasked', '显示完整姓名和证件号（记入审计日志）full names and ID numbers (audited)')
    .action(async (o: { month?: string; department?: string; region?: string; xlsx?: string; unmasked?: boolean }, cmd: Command) => {
      const ctx = cliContext(cmd);
      if (!o.month || !/^\d{4}-(0[1-9]|1[0-2])$/.test(o.month)) throw new UsageError('--month YYYY-MM 必填 (required)');
      const lines = await withCliStore(ctx, (store, who) => {
        if (o.unmasked && !mayUnmask(who, 'referrals')) throw new AccessDenied('无权查看完整身份信息 (not allowed to see unmasked identities)');
        return listReferrals(store, { month: o.month!, departmentId: o.department, region: scopeRegion(who, o.region), unmasked: o.unmasked, actor: who.user_id });
      });
      if (o.xlsx) {
        await referralsXlsx(lines, o.xlsx);
        logLine(ctx, `已写出 ${lines.length} 行 wrote ${lines.length} rows to ${o.xlsx}`);
      }
      if (ctx.json) {
        for (const l of lines) printJsonLine(ctx, l);
        return;
      }
      if (o.xlsx) return;
      if (lines.length === 0) return printLine(ctx, `${o.month} 没有转介 no referrals`);
      for (const l of lines) {
        const name = l.psn_name ?? l.psn_name_masked;
        const id = l.certno ?? l.certno_masked;
        printLine(
          ctx,
          `${l.month}  ${name} ${id}  ${l.insu_admdvs}  ${AID_CATEGORY_ZH[l.aid_category] ?? l.aid_category}  ${l.trigger === 'ytd' ? `年度累计第${l.level}档` : '单次住院'}  ` +
            `总费用 ${l.ytd_total_cost.toFixed(2)}  基金 ${l.ytd_fund_paid.toFixed(2)}  大病 ${l.ytd_critical_illness_paid.toFixed(2)}  救助 ${l.ytd_assistance_paid.toFixed(2)}  ` +
            `自付 ${l.ytd_out_of_pocket.toFixed(2)} (阈值 ${l.threshold.toFixed(2)})  住院 ${l.stays} 次  ${l.main_diagnoses.join('; ')}  → ${l.department ?? '-'} ${DELIVERY_ZH[l.delivery_status] ?? ''}(${l.delivery_status})${l.outcome ? ` / ${l.outcome}` : ''}`,
        );
      }
      printLine(ctx, `共 ${lines.length} 行 (${lines.length} lines)`);
    });

  r.command('outcome')
    .description('接收部门反馈 record what the department reported back')
    .argument('<referral_id>')
    .argument('<department_id>')
    .argument('<outcome>', OUTCOMES.join('|'))
    .option('--note <text>')
    .option('--by <id>')
    .action(async (referral: string, department: string, outcome: string, opts: { note?: string; by?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const o = { referral, department, outcome, ...opts };
      if (!OUTCOMES.includes(o.outcome as never)) throw new UsageError(`反馈结果无效 invalid outcome (one of ${OUTCOMES.join(', ')})`);
      await withCliStore(ctx, (store, who) => {
        requireSameActor(ctx, o);
        return recordOutcome(store, { referralId: o.referral, departmentId: o.department, outcome: o.outcome, note: o.note, actor: who.user_id });
      });
      if (ctx.json) printJsonLine(ctx, { referral_id: o.referral, department_id: o.department, outcome: o.outcome });
      else printLine(ctx, `已记录反馈 recorded: ${o.referral} ${o.department} ${o.outcome}`);
    });

  r.command('deliver')
    .description('推送待推送转介 queue pending webhook deliveries (sent by the workers of `fundwatch serve`)')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = cliContext(cmd);
      const res = await withCliStore(ctx, (store) => deliverReferrals(store, redisSettings(ctx.config()), { config: ctx.config() }));
      if (ctx.json) printJsonLine(ctx, res);
      else printLine(ctx, res.message);
      if (!res.redis_available && ctx.json) logLine(ctx, res.message);
    });

  r.command('files')
    .description('生成月度转介文件 write the monthly CSV/XLSX file drop now')
    .option('--month <YYYY-MM>', '月份 month (required)')
    .action(async (o: { month?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      // `referrals` has a --month too, and commander hands it to the parent wherever it stands on the line.
      const month = o.month ?? (cmd.parent?.opts() as { month?: string } | undefined)?.month;
      if (!month || !/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new UsageError('--month YYYY-MM 必填 (required)');
      const res = await withCliStore(ctx, (store, who) => writeReferralFiles(store, { config: ctx.config(), month, actor: who.user_id }));
      if (ctx.json) {
        for (const x of res) printJsonLine(ctx, x);
        return;
      }
      if (res.length === 0) printLine(ctx, '没有配置文件投递的部门 no department has file_drop configured');
      for (const x of res) printLine(ctx, `${x.department_id} ${x.month}: ${x.rows} 行 rows → ${x.files.map((f) => f.file).join(', ')}`);
    });
}
