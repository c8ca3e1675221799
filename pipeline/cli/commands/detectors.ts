import type { Command } from 'commander';
import { cliContext, printJsonLine, printLine } from '../context.ts';
import { listDetectors } from '../../detect/registry.ts';
import { describeDetector, FAMILY_ZH } from '../../detect/describe.ts';

/** `fundwatch detectors [--json]`: every registered detector with its effective parameters. */
export function register(program: Command): void {
  program
    .command('detectors')
    .description('列出检测规则及参数 (list detectors with their effective parameters)')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = cliContext(cmd);
      const config = ctx.config();
      const all = (await listDetectors()).map((d) => describeDetector(d, config));
      if (ctx.json) {
        for (const d of all) printJsonLine(ctx, d);
        return;
      }
      let family = '';
      for (const d of all) {
        if (d.family !== family) {
          family = d.family;
          printLine(ctx, `\n[${FAMILY_ZH[family] ?? family}] ${family}`);
        }
        const flags = [d.result_type === 'violation' ? '违规' : '可疑', d.gz_code, d.enabled ? null : '已停用 disabled'].filter(Boolean).join(' · ');
        printLine(ctx, `  ${d.detector_id} v${d.version}  ${d.title_zh}  (${flags})`);
        for (const [name, p] of Object.entries(d.params)) {
          const changed = p.value !== p.default ? `（默认 default ${p.default}）` : '';
          const regions = p.regions ? `  地区 regions: ${Object.entries(p.regions).map(([r, v]) => `${r}=${v}`).join(', ')}` : '';
          printLine(ctx, `      ${name} = ${p.value} ${p.unit}${changed}${regions}`);
        }
      }
      printLine(ctx, `\n共 ${all.length} 个检测规则 (detectors)`);
    });
}
