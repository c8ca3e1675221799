import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { cliContext, logLine, printJsonLine, printLine, UsageError, withCliStore, type CliContext } from '../context.ts';
import { ingestBatch, type IngestProgress } from '../../../pipeline/ingest/ingest.ts';
import { formatIngestSummary } from '../../../pipeline/ingest/format.ts';

/** `fundwatch ingest <batch-dir> [--mapping profile.json] [--json]`. */
export function register(program: Command): void {
  program
    .command('ingest')
    .description('导入一个批次目录 ingest a batch directory (CSV UTF-8/GBK, Parquet, Arrow IPC) with validation')
    .argument('<batch-dir>', '批次目录 batch directory: one file per table, e.g. fee_list_d.csv, setl_d.parquet')
    .option('--mapping <profile.json>', '列映射配置 column-mapping profile (source headers/values → contract)')
    .action(async (dir: string, opts: { mapping?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`批次目录不存在 batch directory not found: ${dir}`);
      if (opts.mapping !== undefined && !existsSync(opts.mapping)) throw new UsageError(`映射配置文件不存在 mapping profile not found: ${opts.mapping}`);
      const progress = progressReporter(ctx);
      try {
        const summary = await withCliStore(ctx, (store) => ingestBatch(store, dir, { mapping: opts.mapping, config: ctx.config(), onProgress: progress.on }));
        progress.stop();
        if (ctx.json) printJsonLine(ctx, summary);
        else for (const line of formatIngestSummary(summary)) printLine(ctx, line);
      } catch (err) {
        progress.stop();
        if (ctx.json) printJsonLine(ctx, { batch_id: null, status: 'failed', tables: {}, top_reasons: [], error: (err as Error).message });
        throw err;
      }
    });
}

/** Progress on stderr: a bar on a terminal, plain lines otherwise. */
function progressReporter(ctx: CliContext): { on: (p: IngestProgress) => void; stop: () => void } {
  const tty = (ctx.stderr as NodeJS.WriteStream).isTTY === true;
  let bar: cliProgress.SingleBar | null = null;
  return {
    on(p) {
      if (p.phase === 'hash') {
        if (tty) {
          bar = new cliProgress.SingleBar({ stream: ctx.stderr as NodeJS.WriteStream, format: '导入 ingest [{bar}] {value}/{total} {step}', hideCursor: true }, cliProgress.Presets.shades_classic);
          bar.start(p.files, 0, { step: '计算批次指纹 hashing' });
        } else logLine(ctx, `计算批次指纹 hashing ${p.files} 个文件 files`);
      } else if (p.phase === 'read') {
        if (bar) bar.update(p.index, { step: `读取 reading ${p.file}` });
        else logLine(ctx, `读取 reading ${p.file} (${p.index + 1}/${p.files})`);
      } else if (p.phase === 'check' || p.phase === 'merge') {
        const step = p.phase === 'check' ? `校验 checking ${p.table}` : `合并 merging ${p.table}`;
        if (bar) bar.update(bar.getTotal(), { step });
        else logLine(ctx, step);
      }
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
