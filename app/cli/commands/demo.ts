import type { Command } from 'commander';
import { cliContext, cliInvocation, logLine, printJsonLine, printLine, UsageError, withCliStore, type CliContext } from '../context.ts';
import { DEMO_DEFAULTS, runDemo, type DemoSummary } from '../../demo.ts';
import { FAMILY_ZH } from '../../../pipeline/detect/describe.ts';
import { findLiveOwner } from '../../../pipeline/owner/owner.ts';
import { MAX_DAYS, MIN_DAYS } from '../../../data/generator/index.ts';

interface DemoCliOptions {
  persons: string;
  days: string;
  seed: string;
  out?: string;
  serve?: boolean;
  port: string;
  host: string;
  scheduler: boolean;
}

/**
 * `fundwatch demo [--persons N] [--days D] [--seed S] [--out DIR] [--serve [--port 8080]]`: the README's main job.
 * Generates (or reuses) a sample city, imports the knowledge base, runs the nightly stages over it and prints a
 * summary; with --serve it then creates the demo admin, prints its credentials and serves the console.
 */
export function register(program: Command): void {
  program
    .command('demo')
    .description('演示 demo: 生成样例城市 → 导入 → 检测 → 案件 → 预警 → 派发，打印摘要 (--serve 再启动控制台)')
    .option('--persons <n>', '参保人数 insured persons', String(DEMO_DEFAULTS.persons))
    .option('--days <n>', '天数 days', String(DEMO_DEFAULTS.days))
    .option('--seed <s>', '随机种子 seed', String(DEMO_DEFAULTS.seed))
    .option('--out <dir>', '样例城市目录 city directory (default ./demo-data/city-seed<seed>-<persons>x<days>-g<generator hash>; reused when it holds _SUCCESS)')
    .option('--serve', '完成后启动服务并创建演示管理员 then serve the console with a demo admin')
    .option('--port <port>', '端口 port (with --serve)', '8080')
    .option('--host <host>', '监听地址 listen address (with --serve)', '127.0.0.1')
    .option('--no-scheduler', '不启动夜间调度 do not schedule nightly runs (with --serve)')
    .action(async (opts: DemoCliOptions, cmd: Command) => {
      const ctx = cliContext(cmd);
      const persons = Number(opts.persons);
      const days = Number(opts.days);
      if (!Number.isInteger(persons) || persons < 500) throw new UsageError(`--persons 必须是不小于500的整数 must be an integer ≥ 500: ${opts.persons}`);
      if (!Number.isInteger(days) || days < MIN_DAYS || days > MAX_DAYS) throw new UsageError(`--days 必须是${MIN_DAYS}到${MAX_DAYS}之间的整数 must be an integer between ${MIN_DAYS} and ${MAX_DAYS}: ${opts.days}`);
      const seed = /^\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed;
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port 无效 invalid port "${opts.port}"`);
      if (opts.serve) {
        if (cliInvocation.getStore()) throw new UsageError('demo --serve 不能通过服务进程运行：数据库已有服务进程 (the database is already served; run `fundwatch demo` without --serve)');
        const owner = await findLiveOwner(ctx.dbPath);
        if (owner) throw new Error(`数据库已由进程 ${owner.pid} 在端口 ${owner.port} 服务 (already served by pid ${owner.pid} on port ${owner.port})`);
      }
      const config = ctx.config();
      await withCliStore(ctx, async (store) => {
        const summary = await runDemo(store, { persons, days, seed, out: opts.out, config }, (m) => logLine(ctx, m));
        if (!opts.serve) {
          report(ctx, summary, null);
          if (summary.status === 'failed') throw new Error(`演示失败 demo failed: ${summary.error ?? ''}`);
          return;
        }
        const { createDemoAdmin } = await import('../../../pipeline/access/users.ts');
        const { startOwnerServer } = await import('../../serve.ts');
        const admin = await createDemoAdmin(store);
        const server = await startOwnerServer({ store, dbPath: ctx.dbPath, config, port, host: opts.host, scheduler: opts.scheduler, log: (m) => logLine(ctx, m) });
        report(ctx, summary, { url: server.url, user: admin.name, password: admin.password, role: admin.role });
        await new Promise<void>((resolveStop) => {
          const stop = () => {
            logLine(ctx, '正在停止服务 shutting down…');
            void server.close().finally(resolveStop);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      });
    });
}

interface ServeInfo { url: string; user: string; password: string; role: string }

function report(ctx: CliContext, s: DemoSummary, serve: ServeInfo | null): void {
  if (ctx.json) {
    printJsonLine(ctx, serve ? { ...s, serve } : s);
    return;
  }
  for (const line of summaryText(s)) printLine(ctx, line);
  if (serve) for (const line of serveText(serve)) printLine(ctx, line);
}

const STATUS_ZH: Record<string, string> = { succeeded: '成功', partial_failure: '部分失败', failed: '失败', skipped: '跳过' };

function money(x: number): string {
  return x.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

export function summaryText(s: DemoSummary): string[] {
  const out: string[] = [];
  const i = s.ingest;
  out.push(`FundWatch 演示完成 demo ${STATUS_ZH[s.status] ?? s.status} (${s.status})，用时 ${(s.total_ms / 1000).toFixed(1)} 秒${s.error ? ` — ${s.error}` : ''}`);
  out.push(`样例城市 city: ${s.city.dir}（${s.city.reused ? '复用已生成的数据 reused' : `新生成 generated，植入违规案例 ${s.city.planted_cases} 个`}；${s.city.persons} 人 × ${s.city.days} 天，seed ${s.city.seed}）`);
  out.push(`知识库 knowledge base: ${s.knowledge_base.status === 'imported' ? '已导入' : s.knowledge_base.status === 'unchanged' ? '已是最新（未重复导入）' : '导入失败'} ${s.knowledge_base.version_id ?? ''}，知识点 ${s.knowledge_base.points} 条`);
  out.push('');
  const ingestState = i.status === 'loaded' ? '本次导入 loaded' : i.status === 'duplicate' ? '该批次已导入过，本次未重复写入 (duplicate batch: no-op)' : '导入失败 failed';
  out.push(`数据导入 ingest: ${ingestState}  批次 ${i.batch_id ?? '—'}`);
  out.push(`  读取 read ${i.rows_read} 行，入库 loaded ${i.rows_loaded} 行，拒收 rejected ${i.rows_rejected} 行，警告 warnings ${i.rows_warnings} 行`);
  out.push('');
  const d = s.detection;
  out.push(d.run_id
    ? `检测 detection: 窗口 ${d.window_from} 至 ${d.window_to}，本次新增预警 new alerts ${d.alerts_new} 条`
    : `检测 detection: 本次未运行 (${d.skipped ?? '—'})，以下为库中已有结果 (results already in the database)`);
  out.push(`预警合计 alerts: ${s.alerts.total} 条，涉及金额 money at risk ¥${money(s.alerts.amount_at_risk)}`);
  for (const [family, f] of Object.entries(s.alerts.by_family)) {
    out.push(`  ${family.padEnd(17)} ${String(f.alerts).padStart(6)} 条  ¥${money(f.amount_at_risk).padStart(15)}  ${FAMILY_ZH[family] ?? ''}`);
  }
  out.push('');
  out.push('风险最高的 5 家机构 top providers by risk (fundwatch rank --subject provider):');
  if (s.top_providers.length === 0) out.push('  （无 none）');
  s.top_providers.forEach((p, n) => {
    const fams = p.families.map((f) => FAMILY_ZH[f] ?? f).join('、');
    out.push(`  ${n + 1}. ${p.fixmedins_code} ${p.fixmedins_name ?? ''}  风险分 ${p.risk_score.toFixed(2)}  预警 ${p.alerts} 条  ¥${money(p.amount_at_risk)}  ${fams}`);
  });
  out.push('');
  out.push(`案件 cases: 新建 new ${s.cases.new}，重新打开 reopened ${s.cases.reopened}，待处理 open ${s.cases.open}，合计 total ${s.cases.total}`);
  out.push(`高额费用预警转介 referrals: 新建 new ${s.referrals.new}（推送记录 deliveries ${s.referrals.deliveries_new}），合计 total ${s.referrals.total}`);
  if (s.queue.redis_available) {
    out.push(`派发队列 queue (BullMQ): ${s.queue.message}${s.queue.outbox ? `；待派发 outbox ${s.queue.outbox}` : ''}`);
  } else {
    out.push(`派发队列 queue: Redis 不可用 — ${s.queue.outbox} 个案件保存在 DuckDB 待派发表 (outbox) 中，Redis 恢复后由 \`fundwatch queue dispatch\`、下一次运行或服务启动时派发。`);
    out.push(`  ${s.queue.message}`);
  }
  if (s.report_file) out.push(`运行报告 report: ${s.report_file}（运行 run ${s.nightly_run_id}）`);
  out.push('');
  out.push('各阶段用时 timings:');
  for (const t of s.timings) out.push(`  ${t.stage.padEnd(16)} ${String(t.ms).padStart(8)} ms  ${(STATUS_ZH[t.status] ?? t.status).padEnd(4, '　')}  ${t.title_zh}`);
  out.push('');
  out.push('下一步 next steps:');
  out.push('  npx fundwatch demo --serve               # 启动控制台并创建演示管理员 console with a demo admin');
  out.push('  npx fundwatch cases --limit 10           # 风险最高的案件 highest-risk cases');
  out.push('  npx fundwatch alerts --family billing    # 某类预警 alerts of one family (JSON Lines)');
  out.push('  npx fundwatch rank --subject physician --limit 10');
  out.push('  npx fundwatch queue next                 # 领取下一个案件 take the next case');
  out.push(`  npx fundwatch eval --truth ${s.city.dir}   # 对照植入真值评估 recall/precision`);
  return out;
}

function serveText(v: ServeInfo): string[] {
  return [
    '',
    `控制台已启动 console: ${v.url}/   (API 文档 docs: ${v.url}/docs)`,
    `演示管理员 demo admin:  用户名 user ${v.user}   密码 password ${v.password}   (角色 role ${v.role}；每次 demo --serve 重置 reset on every demo --serve)`,
    '按 Ctrl+C 停止 stop with Ctrl+C',
  ];
}
