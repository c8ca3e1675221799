import type { Command } from 'commander';
import { cliContext, logLine, printJsonLine, printLine, requireSameActor, UsageError, withCliStore, type CliContext } from '../context.ts';
import { caseAlertIds, getCase, rulePrecision } from '../../../pipeline/cases/list.ts';
import { caseEvents } from '../../../pipeline/cases/events.ts';
import { appealCase, assignCase, closeCase, commentCase, decideCase, requestExpertReview, startReview, type Actor } from '../../../pipeline/cases/lifecycle.ts';
import { casesConfig } from '../../../pipeline/cases/config.ts';
import { DECISIONS, type Decision } from '../../../pipeline/cases/status.ts';
import { updateCases } from '../../../pipeline/cases/update.ts';
import { completeCaseJob } from '../../../pipeline/queue/inspector.ts';
import { dispatchCases } from '../../../pipeline/queue/dispatch.ts';
import { redisSettings } from '../../../pipeline/queue/redis.ts';
import type { Store } from '../../../pipeline/store/store.ts';

/**
 * `fundwatch case show|assign|review|expert|decide|appeal|close|comment|update|precision`. The transitions act as
 * the signed-in user (FUNDWATCH_TOKEN or `--user`; else the local administrator), with that user's role; `--by`
 * and `--role` remain only as checks that they name that user.
 */
export function register(program: Command): void {
  const c = program.command('case').description('案件处理 case handling: lifecycle transitions, details, rule precision');
  const withActor = (cmd: Command) => cmd.option('--by <id>', '操作人：须为登录用户 acting person: must be the signed-in user').option('--role <role>', '角色：须为登录用户的角色 must be the signed-in user\'s role');

  c.command('show')
    .description('案件详情 case details with alerts and event log')
    .argument('<case_id>')
    .action(async (caseId: string, _o: unknown, cmd: Command) => {
      const ctx = cliContext(cmd);
      const out = await withCliStore(ctx, async (store): Promise<Record<string, unknown> & { alert_ids: string[]; events: Record<string, unknown>[] }> => {
        const row = await getCase(store, caseId);
        if (!row) throw new Error(`案件不存在 case not found: ${caseId}`);
        return { ...row, alert_ids: await caseAlertIds(store, caseId), events: await caseEvents(store, caseId) };
      });
      if (ctx.json) return printJsonLine(ctx, out);
      printLine(ctx, `案件 ${out.case_id}  状态 ${out.status}  风险分 ${out.risk_score}  统筹区 ${out.admdvs}  预警 ${out.alert_count}  金额 ${Number(out.amount_at_risk).toFixed(2)}`);
      printLine(ctx, `预警 alerts: ${out.alert_ids.join(', ')}`);
      for (const e of out.events) printLine(ctx, `  ${e.at}  ${e.actor}  ${e.action}  ${e.from_status ?? '-'} → ${e.to_status ?? '-'}  ${e.reason ?? ''}`);
    });

  withActor(c.command('assign').description('分派 assign to an inspector').argument('<case_id>').requiredOption('--to <inspector>', '检查员 inspector id').option('--reason <text>'))
    .action(transition(async (store, id, o, by) => assignCase(store, id, String(o.to), by, (o.reason as string) ?? null)));
  withActor(c.command('review').description('开始审核 start review (→ in_review)').argument('<case_id>').option('--reason <text>'))
    .action(transition(async (store, id, o, by) => startReview(store, id, by, (o.reason as string) ?? null)));
  withActor(c.command('expert').description('提交专家评审 send to expert review').argument('<case_id>').option('--reason <text>'))
    .action(transition(async (store, id, o, by) => requestExpertReview(store, id, by, (o.reason as string) ?? null)));
  withActor(
    c.command('decide')
      .description('作出决定 decide: confirmed (确认违规) | false_alarm (误报) | onsite_inspection (转现场检查)')
      .argument('<case_id>')
      .requiredOption('--decision <d>', DECISIONS.join('|'))
      .option('--confirmed-amount <yuan>', '确认违规金额 confirmed amount', money)
      .option('--recovered <yuan>', '追回金额 recovered', money)
      .option('--deducted <yuan>', '扣款金额 deducted', money)
      .option('--fined <yuan>', '罚款金额 fined', money)
      .option('--reason <text>'),
  ).action(
    transition(async (store, id, o, by, ctx) => {
      if (!DECISIONS.includes(o.decision as Decision)) throw new UsageError(`--decision 无效 (one of ${DECISIONS.join(', ')})`);
      await decideCase(store, id, {
        decision: o.decision as Decision,
        confirmed_amount: o.confirmedAmount as number | undefined,
        recovered_amount: o.recovered as number | undefined,
        deducted_amount: o.deducted as number | undefined,
        fined_amount: o.fined as number | undefined,
        reason: (o.reason as string) ?? null,
      }, by);
      const done = await completeCaseJob(store, redisSettings(ctx.config()), id);
      if (!done.done) logLine(ctx, done.message);
    }),
  );
  withActor(c.command('appeal').description('机构申诉 institution appeal (within the appeal period)').argument('<case_id>').requiredOption('--reason <text>'))
    .action(
      transition(async (store, id, o, by, ctx) => {
        await appealCase(store, id, by, String(o.reason), casesConfig(ctx.config()));
        const d = await dispatchCases(store, redisSettings(ctx.config()));
        if (!d.redis_available) logLine(ctx, d.message);
      }),
    );
  withActor(c.command('close').description('结案 close (four eyes above the configured amount)').argument('<case_id>').option('--reason <text>'))
    .action(transition(async (store, id, o, by, ctx) => closeCase(store, id, by, (o.reason as string) ?? null, casesConfig(ctx.config()))));
  withActor(c.command('comment').description('备注 add a comment to the event log').argument('<case_id>').requiredOption('--text <text>'))
    .action(transition(async (store, id, o, by) => commentCase(store, id, by, String(o.text))));

  c.command('update')
    .description('将未归案预警归入案件并派发 group open alerts into cases, then dispatch to the queues')
    .option('--run-id <id>')
    .action(async (o: { runId?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const out = await withCliStore(ctx, async (store) => {
        const summary = await updateCases(store, { runId: o.runId ?? null, actor: ctx.actor });
        const dispatch = await dispatchCases(store, redisSettings(ctx.config()));
        return { ...summary, dispatch };
      });
      if (!out.dispatch.redis_available) logLine(ctx, out.dispatch.message);
      if (ctx.json) return printJsonLine(ctx, out);
      printLine(ctx, `新案件 new ${out.cases_new}，重新打开 reopened ${out.cases_reopened}，新增预警 alerts linked ${out.alerts_linked}，屏蔽 suppressed ${out.alerts_suppressed}，未结案件 open ${out.open_cases}`);
      printLine(ctx, out.dispatch.message);
    });

  c.command('precision')
    .description('各规则准确率 per-rule precision from decisions (confirmed / decided)')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = cliContext(cmd);
      const rows = await withCliStore(ctx, (store) => rulePrecision(store));
      if (ctx.json) {
        for (const r of rows) printJsonLine(ctx, r);
        return;
      }
      if (rows.length === 0) return printLine(ctx, '尚无已决定的案件 no decided cases yet');
      printLine(ctx, '规则 detector                         已决定 decided  确认 confirmed  误报 false_alarm  转现场 onsite  准确率 precision');
      for (const r of rows) {
        printLine(ctx, `${r.detector_id.padEnd(36)} ${String(r.decided).padStart(8)} ${String(r.confirmed).padStart(10)} ${String(r.false_alarm).padStart(12)} ${String(r.onsite_inspection).padStart(10)}  ${r.precision === null ? '-' : (r.precision * 100).toFixed(1) + '%'}`);
      }
    });
}

function money(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`金额无效 invalid amount: ${v}`);
  return n;
}

function transition(fn: (store: Store, caseId: string, o: Record<string, unknown>, by: Actor, ctx: CliContext) => Promise<void>) {
  return async (caseId: string, o: Record<string, unknown>, cmd: Command) => {
    const ctx = cliContext(cmd);
    const row = await withCliStore(ctx, async (store, who) => {
      requireSameActor(ctx, o);
      await fn(store, caseId, o, { actor: who.user_id, role: who.role, region: who.region }, ctx);
      return getCase(store, caseId);
    });
    if (ctx.json) printJsonLine(ctx, row);
    else printLine(ctx, `案件 ${caseId} 当前状态 status: ${row?.status}`);
  };
}
