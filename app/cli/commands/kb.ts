import type { Command } from 'commander';
import { cliContext, logLine, printJsonLine, printLine, UsageError, withCliStore, type CliContext } from '../context.ts';
import { importKnowledgeBase, type KbImportResult } from '../../../pipeline/kb/import.ts';
import { listCurrentPoints, listKbVersions } from '../../../pipeline/kb/status.ts';
import type { KbReadProblem } from '../../../pipeline/kb/types.ts';

/** `fundwatch kb import <file-or-dir...> [--effective YYYY-MM-DD]`, `fundwatch kb list`, `fundwatch kb points`. */
export function register(program: Command): void {
  const kb = program.command('kb').description('知识库 knowledge base: NHSA 知识点 spreadsheets as versions');

  kb.command('import')
    .description('导入知识点表格 (import NHSA knowledge-point .xlsx files or a directory of them) as a new version')
    .argument('<paths...>', '文件或目录 (.xlsx files or directories)')
    .option('--effective <date>', '生效日期 effective date YYYY-MM-DD (default: today)')
    .action(async (paths: string[], opts: { effective?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      if (opts.effective !== undefined && !isDate(opts.effective)) {
        throw new UsageError(`--effective 必须是 YYYY-MM-DD 格式的日期 (got "${opts.effective}")`);
      }
      const result = await withCliStore(ctx, (store) =>
        importKnowledgeBase(store, paths, { effectiveDate: opts.effective, importedBy: ctx.actor }),
      );
      if (ctx.json) printJsonLine(ctx, result);
      else printImport(ctx, result);
      for (const p of result.problems) logLine(ctx, `问题 problem: ${problemText(p)}`);
      if (result.status === 'failed') throw new Error('没有读到任何知识点，未导入 (no knowledge points could be read; nothing imported)');
    });

  kb.command('list')
    .description('列出知识库版本 (list knowledge-base versions, newest first)')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = cliContext(cmd);
      const versions = await withCliStore(ctx, (store) => listKbVersions(store));
      if (ctx.json) {
        for (const v of versions) printJsonLine(ctx, v);
        return;
      }
      if (versions.length === 0) {
        printLine(ctx, '知识库为空 (knowledge base is empty): 知识点规则 (billing family) 无可检查内容。请先运行 `fundwatch kb import <dir>`。');
        return;
      }
      for (const v of versions) {
        const cur = v.current_kinds.length ? `现行 current: ${v.current_kinds.length}/${v.kinds.length} 类` : '非现行 (superseded or not yet effective)';
        printLine(ctx, `${v.version_id}  生效 ${v.effective_date}  导入 ${v.imported_at}  知识点 ${v.points}  代码 ${v.codes}  问题 ${v.problems.length}  ${cur}`);
        printLine(ctx, `    kinds: ${v.kinds.join(', ')}`);
      }
    });

  kb.command('points')
    .description('查看现行知识点 (knowledge points in force, with their parsed limits and codes)')
    .option('--rule-class <class>', '规则类别 rule class, e.g. sex_limit, duplicate_charge')
    .option('--code <code>', '含此医保编码的知识点 points holding this national code')
    .option('--as-of <date>', '按此日期的现行版本 in force on this date (default: today)')
    .option('--limit <n>', '最多条数 at most n points')
    .action(async (opts: { ruleClass?: string; code?: string; asOf?: string; limit?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      if (opts.asOf !== undefined && !isDate(opts.asOf)) throw new UsageError(`--as-of 必须是 YYYY-MM-DD 格式的日期 (got "${opts.asOf}")`);
      const limit = opts.limit === undefined ? undefined : Number(opts.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError(`--limit 必须是正整数 (got "${opts.limit}")`);
      const points = await withCliStore(ctx, (store) =>
        listCurrentPoints(store, { ruleClass: opts.ruleClass, code: opts.code, asOf: opts.asOf, limit }),
      );
      if (ctx.json) {
        for (const p of points) printJsonLine(ctx, p);
        return;
      }
      if (points.length === 0) printLine(ctx, '没有符合条件的现行知识点 (no knowledge point in force matches)');
      for (const p of points) {
        const codes = p.codes.length > 3 ? `${p.codes.slice(0, 3).join(', ')} … (${p.codes.length})` : p.codes.join(', ');
        printLine(ctx, `${p.kp_id}  ${p.item_name}  ${JSON.stringify(p.limits)}  [${codes}]  ${p.source_file} 第${p.row}行`);
      }
    });
}

function isDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function problemText(p: KbReadProblem): string {
  const where = [p.file, p.sheet ? `工作表 sheet "${p.sheet}"` : null, p.row ? `第 ${p.row} 行 row` : null].filter(Boolean).join(' ');
  return `${where}: ${p.message}`;
}

function printImport(ctx: CliContext, r: KbImportResult): void {
  const head =
    r.status === 'imported'
      ? `已导入知识库版本 imported version ${r.version_id} (生效 effective ${r.effective_date})`
      : r.status === 'unchanged'
        ? `内容未变化 no change: 与版本 ${r.version_id} (生效 ${r.effective_date}) 相同，未新建版本`
        : '导入失败 import failed: 没有读到任何知识点';
  printLine(ctx, head);
  for (const f of r.files) {
    const skipped = f.skipped_rows?.length ? `，跳过 ${f.skipped_rows.map((s) => `第${s.row}行 ${s.reason}`).join('、')}` : '';
    printLine(ctx, `  ${f.file}: ${f.rule_class ?? '未识别 unrecognised'}${f.item_kind ? `/${f.item_kind}` : ''} 知识点 ${f.points} 代码 ${f.codes ?? 0}${skipped}`);
  }
  printLine(ctx, `合计 total: 知识点 ${r.points}，代码 ${r.codes}，问题 problems ${r.problems.length}`);
}
