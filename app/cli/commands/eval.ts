import type { Command } from 'commander';
import { cliContext, printJsonLine, printLine, withCliStore } from '../context.ts';
import { readTruth, resolveTruthFile } from '../../../pipeline/eval/truth.ts';
import { runEval } from '../../../pipeline/eval/sections.ts';

/**
 * `fundwatch eval --truth <dir-or-truth.jsonl> [--json]`: recall/precision of the stored alerts against ground truth,
 * false alerts per 10,000 persons with the legitimate patterns causing them (`_truth/background.jsonl`), the ranking
 * and the early warning (pipeline/eval/sections.ts).
 */
export function register(program: Command): void {
  program
    .command('eval')
    .description('对照生成器真值评估检测效果 (evaluate alerts against the generator ground truth: recall, precision, look-alikes, false alerts per 10,000 persons and their causes)')
    .requiredOption('--truth <path>', '真值文件或生成的数据目录 truth.jsonl, or the generated directory holding _truth/truth.jsonl')
    .action(async (opts: { truth: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const file = resolveTruthFile(opts.truth);
      const truth = readTruth(file);
      const { report, text } = await withCliStore(ctx, (store) => runEval(store, file, truth));
      if (ctx.json) printJsonLine(ctx, report);
      else for (const line of text) printLine(ctx, line);
    });
}
