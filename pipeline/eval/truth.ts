import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One ground-truth row written by the generator (`<out>/_truth/truth.jsonl`). */
export interface TruthRow {
  case_id: string;
  scenario: string;
  family: string;
  detector_id: string;
  expect: 'alert' | 'no_alert';
  subject_type: string;
  psn_no: string | null;
  fixmedins_code: string | null;
  bilg_dr_codg: string | null;
  mdtrt_id: string | null;
  setl_id: string | null;
  month: string | null;
  note_zh: string;
}

export const TRUTH_KEYS = ['psn_no', 'fixmedins_code', 'bilg_dr_codg', 'mdtrt_id', 'setl_id', 'month'] as const;

/** The truth file for `--truth`: a .jsonl file, or a directory holding `_truth/truth.jsonl` or `truth.jsonl`. */
export function resolveTruthFile(path: string): string {
  if (!existsSync(path)) throw new Error(`真值文件不存在 truth not found: ${path}`);
  if (!statSync(path).isDirectory()) return path;
  for (const candidate of [join(path, '_truth', 'truth.jsonl'), join(path, 'truth.jsonl')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`目录 ${path} 中没有 _truth/truth.jsonl 或 truth.jsonl (no truth file in directory)`);
}

/** Reads and checks truth rows; a bad line is an error naming the file, line and field. */
export function readTruth(file: string): TruthRow[] {
  const rows: TruthRow[] = [];
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${file} 第 ${i + 1} 行 (line ${i + 1})`;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`${where}: JSON 格式错误 invalid JSON: ${(err as Error).message}`);
    }
    for (const field of ['case_id', 'detector_id', 'expect'] as const) {
      if (typeof v[field] !== 'string' || !v[field]) throw new Error(`${where}: 字段 ${field} 缺失 (field "${field}" missing)`);
    }
    if (v.expect !== 'alert' && v.expect !== 'no_alert') throw new Error(`${where}: 字段 expect 应为 alert 或 no_alert (got ${JSON.stringify(v.expect)})`);
    const keys: Record<string, string | null> = {};
    for (const k of TRUTH_KEYS) {
      const x = v[k];
      if (x !== undefined && x !== null && typeof x !== 'string') throw new Error(`${where}: 字段 ${k} 应为字符串或 null (field "${k}" must be a string or null)`);
      keys[k] = (x as string | undefined) ?? null;
    }
    if (Object.values(keys).every((x) => x === null)) throw new Error(`${where}: 没有任何匹配键 (no key among ${TRUTH_KEYS.join(', ')})`);
    rows.push({
      case_id: v.case_id as string,
      scenario: String(v.scenario ?? ''),
      family: String(v.family ?? ''),
      detector_id: v.detector_id as string,
      expect: v.expect,
      subject_type: String(v.subject_type ?? ''),
      psn_no: keys.psn_no,
      fixmedins_code: keys.fixmedins_code,
      bilg_dr_codg: keys.bilg_dr_codg,
      mdtrt_id: keys.mdtrt_id,
      setl_id: keys.setl_id,
      month: keys.month,
      note_zh: String(v.note_zh ?? ''),
    });
  });
  return rows;
}
