import ExcelJS from 'exceljs';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One-off extractor (run by hand, output committed): picks the codes the generator needs from the NHSA
 * knowledge-point spreadsheets into data/reference/nhsa-kp-codes.json, so generation needs no xlsx parsing.
 * A small code picker, not the full knowledge-base reader (that is pipeline/kb/read.ts).
 *   node app/cli/run-ts.js app/generator/kb-extract.ts /work/shared/reference/nhsa-knowledge-points
 */
type Row = (string | number | null)[];

async function sheets(file: string): Promise<Row[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const out: Row[][] = [];
  wb.eachSheet((ws) => {
    const rows: Row[] = [];
    ws.eachRow((r, n) => {
      if (n === 1) return;
      const v = (r.values as unknown[]).slice(1).map((c) => (c == null ? null : typeof c === 'object' ? String((c as { text?: string }).text ?? (c as { result?: unknown }).result ?? '') : (c as string | number)));
      rows.push(v);
    });
    out.push(rows);
  });
  return out;
}

const MAX_CODES = 4;
/** Drug batch: sheet 1 points (name, note, type, limit), sheet 2 codes (name, seq, code). */
async function drugPoints(file: string) {
  const [points, codes] = await sheets(file);
  const byName = new Map<string, string[]>();
  for (const r of codes) {
    const name = String(r[0]).trim();
    const list = byName.get(name) ?? [];
    if (list.length < MAX_CODES) list.push(String(r[2]).trim());
    byName.set(name, list);
  }
  return points.map((r) => ({ name: String(r[0]).trim(), note: String(r[1] ?? ''), limit: String(r[3] ?? '').trim(), codes: byName.get(String(r[0]).trim()) ?? [] })).filter((p) => p.codes.length > 0);
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? join(process.cwd(), '..', 'shared', 'reference', 'nhsa-knowledge-points');
  const files = readdirSync(dir);
  const f = (part: string) => join(dir, files.find((x) => x.includes(part))!);
  const out: Record<string, unknown> = {};
  out.sex_drugs = (await drugPoints(f('药品规则库(限定性别对象)'))).map((p) => ({ name: p.name, sex: p.limit === '男' ? '1' : '2', codes: p.codes }));
  out.child_drugs = (await drugPoints(f('药品规则库(限定年龄对象)'))).map((p) => ({ name: p.name, codes: p.codes }));
  out.insurance_drugs = (await drugPoints(f('限定保险类型'))).map((p) => ({ name: p.name, insurance: p.limit, codes: p.codes }));
  out.care_setting_drugs = (await drugPoints(f('限定就医方式'))).map((p) => ({ name: p.name, setting: p.limit, codes: p.codes }));
  out.level_drugs = (await drugPoints(f('限定机构等级'))).map((p) => ({ name: p.name, level: p.limit, note: p.note, codes: p.codes }));
  out.course_drugs = (await drugPoints(f('限定支付疗程'))).map((p) => ({ name: p.name, limit: p.limit, codes: p.codes }));
  const [sexSvc] = await sheets(f('项目规则库(限定性别对象)'));
  out.sex_services = sexSvc.map((r) => ({ name: String(r[0]), code: String(r[2]), sex: r[4] === '男' ? '1' : '2' }));
  const [childSvc] = await sheets(f('项目规则库(限定年龄对象)'));
  out.child_services = childSvc.map((r) => ({ name: String(r[0]), code: String(r[1]) }));
  const [surg] = await sheets(f('限定主次操作'));
  out.surgery_groups = surg.map((r) => ({ name: String(r[0]), code: String(r[2]), group: String(r[4]) }));
  const [dup] = await sheets(f('重复收费'));
  out.duplicate_pairs = dup.map((r) => ({ window: String(r[1]), main_name: String(r[2]), main: String(r[3]), sub_name: String(r[4]), sub: String(r[5]) }));
  const [freq] = await sheets(f('限定频次'));
  out.daily_frequency = freq.map((r) => ({ name: String(r[1]), max: Number(r[2]), unit: String(r[3]), code: String(r[4]) }));
  const [course] = await sheets(f('限定疗程'));
  out.course_services = course.map((r) => ({ name: String(r[1]), note: String(r[2]), code: String(r[3]) }));
  const [period] = await sheets(f('限定周期'));
  out.period_services = period.map((r) => ({ name: String(r[1]), max: Number(r[2]), period_days: Number(r[3]), code: String(r[5]) }));
  const target = join(process.cwd(), 'data', 'reference', 'nhsa-kp-codes.json');
  writeFileSync(target, JSON.stringify(out) + '\n');
  for (const [k, v] of Object.entries(out)) process.stderr.write(`${k}: ${(v as unknown[]).length}\n`);
}

await main();
