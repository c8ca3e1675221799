import type { Command } from 'commander';
import { cliContext, printJsonLine, printLine, requireSameActor, UsageError, withCliStore } from '../context.ts';
import { addSuppression, liftSuppression, listSuppressions, type SuppressionInput } from '../../../pipeline/cases/suppress.ts';

/** `fundwatch suppress add|list|lift`: snooze one rule for one subject until a date (audited). */
export function register(program: Command): void {
  const s = program.command('suppress').description('规则屏蔽 snooze a rule for one subject until a date (audited)');

  s.command('add')
    .requiredOption('--detector <id>', '规则 detector id')
    .option('--provider <fixmedins_code>', '机构 provider')
    .option('--physician <fixmedins_code/bilg_dr_codg>', '医师 physician as 机构编码/医师编码')
    .option('--person <psn_no>', '参保人 person')
    .requiredOption('--until <date>', '截止日期（含）until YYYY-MM-DD, inclusive')
    .requiredOption('--reason <text>', '原因 reason')
    .option('--by <id>', '操作人：须为登录用户 must be the signed-in user')
    .action(async (o: { detector: string; provider?: string; physician?: string; person?: string; until: string; reason: string; by?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const given = [o.provider, o.physician, o.person].filter(Boolean).length;
      if (given !== 1) throw new UsageError('须且只能指定一个主体 give exactly one of --provider, --physician, --person');
      if (!/^\d{4}-\d{2}-\d{2}$/.test(o.until)) throw new UsageError(`--until 必须是 YYYY-MM-DD (got "${o.until}")`);
      let input: SuppressionInput;
      const base = { detector_id: o.detector, until: o.until, reason: o.reason, actor: '' };
      if (o.provider) input = { ...base, subject_type: 'provider', fixmedins_code: o.provider };
      else if (o.person) input = { ...base, subject_type: 'person', psn_no: o.person };
      else {
        const [h, d] = o.physician!.split('/');
        if (!h || !d) throw new UsageError('--physician 格式为 机构编码/医师编码 (fixmedins_code/bilg_dr_codg)');
        input = { ...base, subject_type: 'physician', fixmedins_code: h, bilg_dr_codg: d };
      }
      const id = await withCliStore(ctx, (store, who) => {
        requireSameActor(ctx, o);
        input.actor = who.user_id;
        return addSuppression(store, input);
      });
      if (ctx.json) printJsonLine(ctx, { suppression_id: id, ...input });
      else printLine(ctx, `已屏蔽 suppressed ${o.detector} 至 ${o.until}（下次归案时生效 applied at the next case update）: ${id}`);
    });

  s.command('list').action(async (_o: unknown, cmd: Command) => {
    const ctx = cliContext(cmd);
    const rows = await withCliStore(ctx, (store) => listSuppressions(store));
    if (ctx.json) {
      for (const r of rows) printJsonLine(ctx, r);
      return;
    }
    if (rows.length === 0) return printLine(ctx, '没有屏蔽 no suppressions');
    for (const r of rows) {
      const subject = r.subject_type === 'person' ? r.psn_no : r.subject_type === 'physician' ? `${r.fixmedins_code}/${r.bilg_dr_codg}` : r.fixmedins_code;
      printLine(ctx, `${r.suppression_id}  ${r.detector_id}  ${r.subject_type} ${subject}  至 until ${r.until}  ${r.active ? '有效 active' : '已失效 inactive'}  ${r.reason}`);
    }
  });

  s.command('lift')
    .argument('<suppression_id>')
    .requiredOption('--reason <text>')
    .option('--by <id>', '操作人：须为登录用户 must be the signed-in user')
    .action(async (id: string, o: { reason: string; by?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      await withCliStore(ctx, (store, who) => {
        requireSameActor(ctx, o);
        return liftSuppression(store, id, who.user_id, o.reason);
      });
      if (ctx.json) printJsonLine(ctx, { suppression_id: id, lifted: true });
      else printLine(ctx, `已解除屏蔽 lifted: ${id}`);
    });
}
