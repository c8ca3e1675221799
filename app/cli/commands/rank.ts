import type { Command } from 'commander';
import { cliContext, printJsonLine, printLine, UsageError, withCliStore } from '../context.ts';
import { rankSubjects, type RankSubject } from '../../../pipeline/rank/rank.ts';

const FAMILY_ZH: Record<string, string> = {
  impersonation: '冒名就医',
  upcoding: '高套/串换',
  prescription: '超量/重复开药',
  high_cost: '异常高额费用',
  billing: '知识点规则',
  admission: '分解住院/挂床/低标入院',
  provider_pattern: '机构行为模式',
  data_quality: '数据质量',
};

/** `fundwatch rank --subject provider|physician [--region R] [--limit N] [--json]`: risk ranking, highest first. */
export function register(program: Command): void {
  program
    .command('rank')
    .description('机构/医师风险排名 risk ranking of providers or physicians over all open alerts (formula: pipeline/rank/README.md)')
    .requiredOption('--subject <type>', '主体 subject: provider|physician')
    .option('--region <admdvs>', '统筹区 pooling region (admdvs)')
    .option('--limit <n>', '最多显示 at most n subjects', (v) => Number(v))
    .action(async (opts: { subject: string; region?: string; limit?: number }, cmd: Command) => {
      const ctx = cliContext(cmd);
      if (opts.subject !== 'provider' && opts.subject !== 'physician') throw new UsageError('--subject 无效 (provider|physician)');
      if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) throw new UsageError('--limit 必须是正整数 (positive integer)');
      const rows = await withCliStore(ctx, (store) =>
        rankSubjects(store, opts.subject as RankSubject, { region: opts.region, limit: opts.limit }),
      );
      if (ctx.json) {
        for (const r of rows) printJsonLine(ctx, r);
        return;
      }
      if (rows.length === 0) {
        printLine(ctx, '没有未结预警，无可排名主体 (no open alerts: nothing to rank)');
        return;
      }
      printLine(ctx, `名次  ${opts.subject === 'provider' ? '机构 provider' : '医师 physician'}              统筹区   风险分 score  预警数 alerts  涉及金额 amount_at_risk  类别 families`);
      rows.forEach((r, i) => {
        const who = r.bilg_dr_codg ? `${r.fixmedins_code}/${r.bilg_dr_codg}` : r.fixmedins_code;
        const fams = r.families.map((f) => `${FAMILY_ZH[f] ?? f}(${f})`).join('、');
        printLine(
          ctx,
          `${String(i + 1).padStart(4)}  ${who.padEnd(24)} ${String(r.admdvs ?? '').padEnd(8)} ${r.risk_score.toFixed(2).padStart(8)}  ${String(r.alerts).padStart(6)}  ${r.amount_at_risk.toFixed(2).padStart(14)}  ${fams}`,
        );
      });
      printLine(ctx, `共 ${rows.length} 个${opts.subject === 'provider' ? '机构' : '医师'} (${rows.length} ${opts.subject}s)`);
    });
}
