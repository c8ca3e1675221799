import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import type { KbReadProblem, KbReadResult, KnowledgePoint, KpRuleClass } from './types.ts';
import { hasHeaders, readSheet, type SheetRow, type SheetTable } from './sheet.ts';
import { parseRow, type FileKind, type RowContext } from './rows.ts';

/** The published spreadsheets shipped with the project (copied from ../shared/reference): `data/reference/nhsa-knowledge-points`. */
export function referenceKnowledgePointDir(): string {
  return join(fileURLToPath(new URL('../../', import.meta.url)), 'data', 'reference', 'nhsa-knowledge-points');
}

/**
 * Reads the NHSA knowledge-point spreadsheets as published (../shared/reference/nhsa-knowledge-points):
 * recognises each file's kind by its headers (then by the 限定类型 column or the file name where headers
 * coincide), expands drugs to their national codes from sheet 2, and parses the written limits.
 * Every row that cannot be read is reported with file, sheet and row; nothing is dropped silently.
 * `paths` may name files or directories (their *.xlsx files are read, in name order).
 */
export async function readKnowledgePointFiles(paths: string[]): Promise<KbReadResult> {
  const result: KbReadResult = { points: [], problems: [], files: [] };
  for (const file of expandPaths(paths, result.problems)) {
    await readOneFile(file, result);
  }
  return result;
}

/** sha256 of each file `readKnowledgePointFiles` would read, without parsing them (null if a path is unusable). */
export function knowledgePointFileHashes(paths: string[]): string[] | null {
  const problems: KbReadProblem[] = [];
  const files = expandPaths(paths, problems);
  if (problems.length > 0 || files.length === 0) return null;
  try {
    return files.map((f) => createHash('sha256').update(readFileSync(f)).digest('hex'));
  } catch {
    return null;
  }
}

function expandPaths(paths: string[], problems: KbReadProblem[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      problems.push({ file: p, sheet: null, row: null, message: '文件不存在 (file not found)' });
      continue;
    }
    if (st.isDirectory()) {
      const inDir = readdirSync(p)
        .filter((f) => /\.xlsx$/i.test(f) && !/^[.~_]/.test(f))
        .sort()
        .map((f) => join(p, f));
      if (inDir.length === 0) problems.push({ file: p, sheet: null, row: null, message: '目录中没有 .xlsx 文件 (no .xlsx files in directory)' });
      files.push(...inDir);
    } else if (!/\.xlsx$/i.test(p)) {
      problems.push({ file: basename(p), sheet: null, row: null, message: '不是 .xlsx 文件，未读取 (not an .xlsx file, not read)' });
    } else {
      files.push(p);
    }
  }
  return files;
}

/** 限定类型 values → rule class. */
const LIMIT_TYPE_CLASS: Record<string, KpRuleClass> = {
  限定性别对象: 'sex_limit',
  限定性别: 'sex_limit',
  限定年龄对象: 'child_limit',
  限定保险类型: 'insurance_type_limit',
  限定就医方式: 'care_setting_limit',
  限定机构等级: 'institution_level_limit',
  限定支付疗程: 'payment_course_limit',
  限定主次操作: 'surgery_discount',
};

/** The most frequent 限定类型 value of a sheet, mapped to its class. */
function classByLimitType(table: SheetTable): KpRuleClass | undefined {
  const counts = new Map<string, number>();
  for (const r of table.rows) {
    const t = r.cells['限定类型'];
    if (t) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
  return top ? LIMIT_TYPE_CLASS[top[0]] : undefined;
}

/** Recognises a file's kind from its first sheet: headers first, then 限定类型, then file/sheet name. */
export function recogniseKind(file: string, table: SheetTable): FileKind | undefined {
  if (hasHeaders(table, '药品通用名', '限定类型')) {
    const rc = classByLimitType(table) ?? classByName(file);
    return rc ? { rule_class: rc, item_kind: 'drug', layout: 'drug' } : undefined;
  }
  if (hasHeaders(table, '主项编码', '从项编码')) return { rule_class: 'duplicate_charge', item_kind: 'service', layout: 'duplicate' };
  if (hasHeaders(table, '限制数量', '数量单位')) return { rule_class: 'daily_frequency', item_kind: 'service', layout: 'daily' };
  if (hasHeaders(table, '频次上限', '疗程周期')) return { rule_class: 'period_frequency', item_kind: 'service', layout: 'period' };
  if (hasHeaders(table, '项目名称', '国标代码', '限定性别')) return { rule_class: 'sex_limit', item_kind: 'service', layout: 'service_sex' };
  if (hasHeaders(table, '项目名称', '国标代码', '限定类型')) {
    const rc = classByLimitType(table) ?? classByName(file);
    return rc ? { rule_class: rc, item_kind: 'service', layout: 'service_limit' } : undefined;
  }
  if (hasHeaders(table, '项目名称', '备注', '项目代码')) {
    // 第八批-2 (限年龄) and 第八批-3 (限支付疗程) share these headers: tell them apart by name, then content.
    const byName = classByName(`${file} ${table.name}`);
    if (byName === 'age_limit' || byName === 'course_length') return { rule_class: byName, item_kind: 'service', layout: 'service_note' };
    const notes = table.rows.map((r) => r.cells['备注'] ?? '').join(' ');
    if (/年龄/.test(notes)) return { rule_class: 'age_limit', item_kind: 'service', layout: 'service_note' };
    if (/不超过.*[天月年]/.test(notes)) return { rule_class: 'course_length', item_kind: 'service', layout: 'service_note' };
  }
  return undefined;
}

/** Rule class from a file or sheet name, for files whose headers do not tell. */
function classByName(name: string): KpRuleClass | undefined {
  if (/限定?性别/.test(name)) return 'sex_limit';
  if (/药品.*限定年龄|限定年龄对象/.test(name)) return 'child_limit';
  if (/项目.*限定?年龄|限年龄/.test(name)) return 'age_limit';
  if (/保险类型/.test(name)) return 'insurance_type_limit';
  if (/就医方式/.test(name)) return 'care_setting_limit';
  if (/机构等级/.test(name)) return 'institution_level_limit';
  if (/支付疗程/.test(name) && /药品/.test(name)) return 'payment_course_limit';
  if (/疗程/.test(name)) return 'course_length';
  if (/主次操作/.test(name)) return 'surgery_discount';
  if (/重复收费/.test(name)) return 'duplicate_charge';
  if (/频次/.test(name) && /周期/.test(name)) return 'period_frequency';
  if (/周期/.test(name)) return 'period_frequency';
  if (/频次/.test(name)) return 'daily_frequency';
  return undefined;
}

async function readOneFile(path: string, result: KbReadResult): Promise<void> {
  const file = basename(path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    result.problems.push({ file, sheet: null, row: null, message: `无法读取文件 (cannot read file): ${(err as Error).message}` });
    return;
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const entry: KbReadResult['files'][number] = { file, sha256, rule_class: null, item_kind: null, points: 0, codes: 0, skipped_rows: [] };
  result.files.push(entry);
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (err) {
    result.problems.push({ file, sheet: null, row: null, message: `不是可读的 xlsx 文件 (not a readable xlsx): ${(err as Error).message}` });
    return;
  }
  const sheets = wb.worksheets.map(readSheet);
  const main = sheets[0];
  if (!main || main.rows.length === 0) {
    result.problems.push({ file, sheet: main?.name ?? null, row: null, message: '第一个工作表没有数据行 (first sheet has no data rows)' });
    return;
  }
  const kind = recogniseKind(file, main);
  if (!kind) {
    result.problems.push({
      file,
      sheet: main.name,
      row: main.headerRow,
      message: `无法识别知识点类型，表头为 (unrecognised knowledge-point layout; headers): ${main.headers.join(' | ')}`,
    });
    return;
  }
  // A second file of the same kind in one import (e.g. a local supplement): its kp_ids get a file tag.
  const sameKind = result.files.filter((f) => f !== entry && f.rule_class === kind.rule_class && f.item_kind === kind.item_kind).length;
  entry.rule_class = kind.rule_class;
  entry.item_kind = kind.item_kind;
  for (const f of main.footers) entry.skipped_rows!.push({ sheet: main.name, ...f });

  let drugCodes: Map<string, string[]> | undefined;
  if (kind.item_kind === 'drug') {
    drugCodes = readDrugCodes(file, sheets.slice(1), kind.rule_class, result.problems, entry.skipped_rows!);
    if (!drugCodes) return;
  }
  const ctx: RowContext = { file, sheet: main.name, kind, drugCodes, problems: result.problems, fileTag: sameKind ? `f${sameKind + 1}-` : '' };
  const used = new Set<string>();
  for (const row of main.rows) {
    const kp = parseRow(ctx, row);
    if (!kp) continue;
    if (kind.item_kind === 'drug') used.add(kp.item_name);
    result.points.push(kp);
    entry.points++;
    entry.codes! += kp.codes.length;
  }
  if (drugCodes) {
    for (const name of drugCodes.keys()) {
      if (!used.has(name) && !main.rows.some((r) => r.cells['药品通用名'] === name)) {
        result.problems.push({ file, sheet: sheets[1]?.name ?? null, row: null, message: `药品代码表中的药品 "${name}" 不在第一个工作表中 (drug in code sheet has no knowledge point)` });
      }
    }
  }
}

/** Sheet 2 of a drug file: 药品通用名 → its national drug codes (国标代码 or 药品代码). */
function readDrugCodes(
  file: string,
  sheets: SheetTable[],
  ruleClass: KpRuleClass,
  problems: KbReadProblem[],
  skipped: { sheet: string; row: number; reason: string }[],
): Map<string, string[]> | undefined {
  const sheet = sheets.find((s) => hasHeaders(s, '药品通用名') && (hasHeaders(s, '国标代码') || hasHeaders(s, '药品代码')));
  if (!sheet) {
    problems.push({ file, sheet: null, row: null, message: '缺少药品代码工作表 (no sheet with 药品通用名 + 国标代码/药品代码; drugs cannot be expanded to codes)' });
    return undefined;
  }
  for (const f of sheet.footers) skipped.push({ sheet: sheet.name, ...f });
  const codeHeader = hasHeaders(sheet, '国标代码') ? '国标代码' : '药品代码';
  const codes = new Map<string, string[]>();
  for (const r of sheet.rows) {
    const name = r.cells['药品通用名'] ?? '';
    const code = (r.cells[codeHeader] ?? '').replace(/\s+/g, '');
    const type = r.cells['限定类型'];
    if (!name || !code) {
      problems.push(rowProblem(file, sheet.name, r, `缺少${!name ? '药品通用名' : codeHeader} (missing ${!name ? 'drug name' : 'drug code'})`));
      continue;
    }
    if (!/^[XZC][A-Z0-9]{9,29}$/.test(code)) {
      problems.push(rowProblem(file, sheet.name, r, `${codeHeader} "${code}" 不是国家医保药品代码 (not a national drug code)`));
      continue;
    }
    if (type && LIMIT_TYPE_CLASS[type] && LIMIT_TYPE_CLASS[type] !== ruleClass) {
      problems.push(rowProblem(file, sheet.name, r, `限定类型 "${type}" 与第一个工作表不一致 (limit type differs from sheet 1)`));
      continue;
    }
    const list = codes.get(name) ?? [];
    if (!list.includes(code)) list.push(code);
    codes.set(name, list);
  }
  return codes;
}

export function rowProblem(file: string, sheet: string, row: SheetRow, message: string): KbReadProblem {
  return { file, sheet, row: row.row, message };
}

/** Points per rule class, for summaries. */
export function countByClass(points: KnowledgePoint[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of points) out[p.rule_class] = (out[p.rule_class] ?? 0) + 1;
  return out;
}
