import type { Command } from 'commander';
import { Queue } from 'bullmq';
import { cliContext, logLine, printJsonLine, printLine, requireSameActor, withCliStore, type CliContext } from '../context.ts';
import { scopeRegion } from '../../../pipeline/access/policy.ts';
import { casesConfig } from '../../../pipeline/cases/config.ts';
import { dispatchCases } from '../../../pipeline/queue/dispatch.ts';
import { reconcileQueues } from '../../../pipeline/queue/reconcile.ts';
import { releaseCase, renewCaseLock, takeNextCase } from '../../../pipeline/queue/inspector.ts';
import { inspectionQueueName } from '../../../pipeline/queue/names.ts';
import { checkRedis, openRedis, redisSettings, redisUnavailableMessage } from '../../../pipeline/queue/redis.ts';

/** `fundwatch queue next|renew|release|dispatch|reconcile|status`: the BullMQ inspection queues. */
export function register(program: Command): void {
  const q = program.command('queue').description('检查队列 inspection queues (BullMQ, one per pooling region)');
  // The inspector is the signed-in user; `--inspector` remains only as a check that it names that user.
  const inspectorOf = (ctx: CliContext, o: { inspector?: string }) => {
    requireSameActor(ctx, o);
    return ctx.actor;
  };

  q.command('next')
    .description('领取下一个案件 take the highest-priority case (locked for one review period)')
    .option('--inspector <id>', '检查员：须为登录用户 inspector: must be the signed-in user')
    .option('--region <admdvs>', '统筹区 pooling region')
    .action(async (o: { inspector?: string; region?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const r = await withCliStore(ctx, (store, who) =>
        takeNextCase(store, redisSettings(ctx.config()), { inspector: inspectorOf(ctx, o), region: scopeRegion(who, o.region), config: casesConfig(ctx.config()) }),
      );
      if (ctx.json) printJsonLine(ctx, r);
      else printLine(ctx, r.message);
      if (!r.redis_available) {
        if (ctx.json) logLine(ctx, r.message);
        throw new Error('Redis 不可用，无法领取案件 (Redis unreachable; cannot take a case)');
      }
    });

  q.command('renew')
    .description('续期审核锁 extend the review lock of a case you hold')
    .requiredOption('--case <case_id>')
    .option('--inspector <id>')
    .action(async (o: { case: string; inspector?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const ok = await withCliStore(ctx, (store) => renewCaseLock(store, redisSettings(ctx.config()), o.case, inspectorOf(ctx, o), casesConfig(ctx.config())));
      if (ctx.json) printJsonLine(ctx, { case_id: o.case, renewed: ok });
      else printLine(ctx, ok ? `已续期 lock extended: ${o.case}` : `续期失败：锁已失效或不属于你 (lock lost or not yours): ${o.case}`);
      if (!ok) throw new Error('续期失败 lock not renewed');
    });

  q.command('release')
    .description('放回队列 give a case back to the queue')
    .requiredOption('--case <case_id>')
    .option('--inspector <id>')
    .option('--reason <text>')
    .action(async (o: { case: string; inspector?: string; reason?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const ok = await withCliStore(ctx, (store) => releaseCase(store, redisSettings(ctx.config()), o.case, inspectorOf(ctx, o), o.reason ?? null));
      if (ctx.json) printJsonLine(ctx, { case_id: o.case, released: ok });
      else printLine(ctx, ok ? `已放回队列 released: ${o.case}` : `未持有该案件的锁 you do not hold this case: ${o.case}`);
    });

  q.command('dispatch')
    .description('派发待派发案件 dispatch the outbox to Redis')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = cliContext(cmd);
      const r = await withCliStore(ctx, (store) => dispatchCases(store, redisSettings(ctx.config())));
      if (ctx.json) printJsonLine(ctx, r);
      else printLine(ctx, r.message);
      if (!r.redis_available && ctx.json) logLine(ctx, r.message);
    });

  q.command('reconcile')
    .description('核对队列 make Redis match the database (re-enqueue open cases, remove decided ones)')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = cliContext(cmd);
      const r = await withCliStore(ctx, (store) => reconcileQueues(store, redisSettings(ctx.config())));
      if (ctx.json) printJsonLine(ctx, r);
      else printLine(ctx, r.message);
      if (!r.redis_available) throw new Error('Redis 不可用 (Redis unreachable)');
    });

  q.command('status')
    .description('队列状态 job counts per region')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = cliContext(cmd);
      const settings = redisSettings(ctx.config());
      const regions = await withCliStore(ctx, (store) => store.all<{ admdvs: string }>('SELECT DISTINCT admdvs FROM cases ORDER BY admdvs'));
      const ping = await checkRedis(settings);
      if (!ping.ok) throw new Error(redisUnavailableMessage(settings, ping.error, '案件 cases'));
      if (regions.length === 0 && !ctx.json) printLine(ctx, '还没有案件，也就没有检查队列 no cases yet, so no inspection queues');
      const conn = openRedis(settings);
      try {
        for (const { admdvs } of regions) {
          const queue = new Queue(inspectionQueueName(admdvs), { connection: conn, prefix: settings.prefix });
          const counts = await queue.getJobCounts('prioritized', 'waiting', 'active', 'failed');
          await queue.close();
          if (ctx.json) printJsonLine(ctx, { admdvs, queue: inspectionQueueName(admdvs), ...counts });
          else printLine(ctx, `${admdvs}: 待审 waiting ${counts.prioritized + counts.waiting}  审核中 active ${counts.active}  失败 failed ${counts.failed}`);
        }
      } finally {
        await conn.quit().catch(() => conn.disconnect());
      }
    });
}
