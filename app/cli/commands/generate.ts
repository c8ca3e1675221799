import type { Command } from 'commander';
import { generateCity, MAX_DAYS, MIN_DAYS } from '../../../data/generator/index.ts';
import { cliContext, logLine, printJsonLine, printLine, UsageError } from '../context.ts';

/** `fundwatch generate`: a deterministic sample city with planted fraud cases and their ground truth. */
export function register(program: Command): void {
  program
    .command('generate')
    .description('生成样例城市数据（含植入的违规案例与真值） generate a sample city with planted cases and ground truth')
    .requiredOption('--out <dir>', '输出目录 output directory')
    .option('--persons <n>', '参保人数 insured persons', '20000')
    .option('--days <n>', '天数 days from the start date', '365')
    .option('--seed <s>', '随机种子 seed (same seed → identical files)', '1')
    .option('--format <f>', 'csv | parquet', 'csv')
    .option('--gbk', 'CSV 使用 GB18030/GBK 编码 write CSV in GB18030 (GBK) instead of UTF-8', false)
    .option('--start <date>', '起始日期 start date YYYY-MM-DD', '2026-01-01')
    .option('--background <kind>', '背景就医 realistic（含合规的复杂诊疗，默认）| plain（不触发任何规则的简单背景）', 'realistic')
    .action(async (opts: { out: string; persons: string; days: string; seed: string; format: string; start: string; gbk: boolean; background: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const persons = Number(opts.persons);
      const days = Number(opts.days);
      if (!Number.isInteger(persons) || persons < 500) throw new UsageError(`--persons 必须是不小于500的整数 must be an integer ≥ 500: ${opts.persons}`);
      if (!Number.isInteger(days) || days < MIN_DAYS || days > MAX_DAYS) throw new UsageError(`--days 必须是${MIN_DAYS}到${MAX_DAYS}之间的整数（植入场景至少需要${MIN_DAYS}天） must be an integer between ${MIN_DAYS} and ${MAX_DAYS}: ${opts.days}`);
      if (opts.format !== 'csv' && opts.format !== 'parquet') throw new UsageError(`--format 只能是 csv 或 parquet: ${opts.format}`);
      if (opts.gbk && opts.format !== 'csv') throw new UsageError('--gbk 只适用于 CSV 输出 applies to CSV output only (not with --format parquet)');
      if (opts.background !== 'realistic' && opts.background !== 'plain') throw new UsageError(`--background 只能是 realistic 或 plain: ${opts.background}`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.start)) throw new UsageError(`--start 日期格式应为 YYYY-MM-DD: ${opts.start}`);
      const seed = /^\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed;
      const summary = await generateCity({
        out: opts.out, persons, days, seed, format: opts.format, gbk: opts.gbk, start: opts.start, background: opts.background,
        onProgress: (m) => logLine(ctx, m),
      });
      if (ctx.json) {
        printJsonLine(ctx, summary);
        return;
      }
      printLine(ctx, `样例城市已生成 sample city written: ${summary.out} (${summary.seconds.toFixed(1)} s)`);
      for (const [t, n] of Object.entries(summary.rows)) printLine(ctx, `  ${t.padEnd(14)} ${n} 行 rows`);
      printLine(ctx, '植入案例 planted cases (alert / look-alike no_alert):');
      for (const [d, c] of Object.entries(summary.planted).sort()) printLine(ctx, `  ${d.padEnd(30)} ${c.alert} / ${c.no_alert}`);
      for (const [d, why] of Object.entries(summary.not_planted)) printLine(ctx, `未植入 not planted: ${d}: ${why}`);
    });
}
