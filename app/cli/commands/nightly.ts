import type { Command } from 'commander';
import { cliContext, logLine, printJsonLine, printLine, withCliStore } from '../context.ts';
import { runNightly } from '../../../pipeline/nightly/run.ts';
import { nightlyConfig } from '../../../pipeline/nightly/config.ts';

/** `fundwatch nightly [--inbox DIR]`: one nightly run now (for system cron); non-zero exit unless it succeeded. */
export function register(program: Command): void {
  program
    .command('nightly')
    .description('执行一次夜间流程 run the nightly pipeline once: inbox → ingest → detect → cases → early warning → dispatch → report')
    .option('--inbox <dir>', '收件箱目录 inbox directory (default: config nightly.inbox, ./inbox)')
    .action(async (opts: { inbox?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const config = ctx.config();
      const nightly = nightlyConfig(opts.inbox ? { ...config, nightly: { ...(config.nightly as object | undefined), inbox: opts.inbox } } : config);
      const r = await withCliStore(ctx, (store) => runNightly(store, { config, nightly, log: (m) => logLine(ctx, m) }));
      if (ctx.json) printJsonLine(ctx, r);
      else {
        printLine(ctx, `夜间运行 ${r.run_id}${r.resumed ? '（续跑 resumed）' : ''}: ${r.status}`);
        for (const s of r.stages) printLine(ctx, `  ${s.stage.padEnd(14)} ${s.status.padEnd(16)} ${String(s.ms).padStart(7)} ms ${s.error ?? ''}`);
      }
      if (r.status !== 'succeeded') throw new Error(`夜间运行${r.status === 'failed' ? '失败' : '部分失败'} nightly run ${r.status}: ${r.error ?? ''}`);
    });
}
