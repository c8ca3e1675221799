import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { cliContext, cliInvocation, logLine, printJsonLine, printLine, withCliStore, type CliContext } from '../context.ts';
import { StoreOpenError } from '../../../pipeline/store/store.ts';
import { listDetectors } from '../../../pipeline/detect/registry.ts';
import { describeDetector, FAMILY_ZH, type DetectorJson } from '../../../pipeline/detect/describe.ts';
import { NO_SHADOW, shadowPrecision, type ShadowPrecision } from '../../../pipeline/detect/shadow.ts';

/**
 * `fundwatch detectors [--json]`: every registered detector with its effective parameters and, when the database
 * exists, the shadow precision of its shadow alerts (detectors in shadow mode: config shadow / shadow_until).
 */
export function register(program: Command): void {
  program
    .command('detectors')
    .description('列出检测规则及参数、影子运行准确率 (list detectors with their effective parameters and shadow precision)')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = cliContext(cmd);
      const config = ctx.config();
      const stats = await readShadowStats(ctx);
      const all = (await listDetectors()).map((d) => describeDetector(d, config, stats ? (stats[d.id] ?? NO_SHADOW) : null));
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
        const shadow = d.shadow ? `影子运行 shadow${d.shadow_until ? ` 至 until ${d.shadow_until}` : ''}` : null;
        const flags = [d.result_type === 'violation' ? '违规' : '可疑', d.gz_code, d.enabled ? null : '已停用 disabled', shadow].filter(Boolean).join(' · ');
        printLine(ctx, `  ${d.detector_id} v${d.version}  ${d.title_zh}  (${flags})`);
        for (const [name, p] of Object.entries(d.params)) {
          const changed = p.value !== p.default ? `（默认 default ${p.default}）` : '';
          const regions = p.regions ? `  地区 regions: ${Object.entries(p.regions).map(([r, v]) => `${r}=${v}`).join(', ')}` : '';
          printLine(ctx, `      ${name} = ${p.value} ${p.unit}${changed}${regions}`);
        }
        if (d.shadow_precision && (d.shadow || d.shadow_precision.alerts > 0)) printLine(ctx, `      ${shadowLine(d.shadow_precision)}`);
      }
      printLine(ctx, `\n共 ${all.length} 个检测规则 (detectors)`);
    });
}

/**
 * Null when there is no database to read (listing the detectors must not create one) or it cannot be opened (the
 * listing itself needs only the registry and the config).
 */
async function readShadowStats(ctx: CliContext): Promise<Record<string, ShadowPrecision> | null> {
  if (!cliInvocation.getStore()?.store && !existsSync(ctx.dbPath)) return null;
  try {
    return await withCliStore(ctx, (store) => shadowPrecision(store));
  } catch (err) {
    if (!(err instanceof StoreOpenError)) throw err;
    logLine(ctx, `警告 warning: 无法读取影子运行统计 (shadow precision not shown): ${err.message}`);
    return null;
  }
}

function shadowLine(s: NonNullable<DetectorJson['shadow_precision']>): string {
  const precision = s.precision === null ? '—' : `${(s.precision * 100).toFixed(1)}%`;
  return `影子预警 shadow alerts ${s.alerts} 条（¥${s.amount_at_risk.toFixed(2)}），与已决定案件相符 coinciding with decided cases：` +
    `确认 confirmed ${s.confirmed}，误报 false_alarm ${s.false_alarm}；影子准确率 shadow precision ${precision}`;
}
