import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FAMILIES, type Detector, type Family } from '../../detectors/types.ts';

export const DETECTORS_DIR = fileURLToPath(new URL('../../detectors/', import.meta.url));
export const DETECTOR_SQL_DIR = fileURLToPath(new URL('../../sql/detectors/', import.meta.url));

export interface RegisteredDetector extends Detector {
  /** Source file, relative to the repository root (e.g. detectors/impersonation/careAfterDeath.ts). */
  file: string;
  /** Absolute path of its SQL. */
  sqlPath: string;
}

let cache: Promise<RegisteredDetector[]> | undefined;

/**
 * Every `detectors/<family>/*.ts` exporting `detector: Detector`, sorted by family order then id.
 * Files without a `detector` export (helpers) are skipped. Throws, naming the file, when a detector is
 * malformed, its id is taken twice, its family differs from its folder, or its SQL file is missing.
 */
export function listDetectors(): Promise<RegisteredDetector[]> {
  cache ??= discover().catch((err: unknown) => {
    cache = undefined;
    throw err;
  });
  return cache;
}

export async function getDetector(id: string): Promise<RegisteredDetector> {
  const found = (await listDetectors()).find((d) => d.id === id);
  if (!found) {
    const ids = (await listDetectors()).map((d) => d.id).join(', ');
    throw new Error(`未知的检测规则 unknown detector "${id}" (known: ${ids})`);
  }
  return found;
}

/** Forget the discovered list (tests that add detector files). */
export function resetRegistry(): void {
  cache = undefined;
}

async function discover(): Promise<RegisteredDetector[]> {
  const found: RegisteredDetector[] = [];
  const byId = new Map<string, string>();
  const familyDirs = readdirSync(DETECTORS_DIR)
    .filter((d) => statSync(join(DETECTORS_DIR, d)).isDirectory())
    .sort();
  for (const family of familyDirs) {
    const files = readdirSync(join(DETECTORS_DIR, family))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
      .sort();
    for (const f of files) {
      const abs = join(DETECTORS_DIR, family, f);
      const file = `detectors/${family}/${f}`;
      const mod = (await import(pathToFileURL(abs).href)) as { detector?: Detector };
      if (!mod.detector) continue;
      const d = mod.detector;
      validate(d, family, file);
      const other = byId.get(d.id);
      if (other) throw new Error(`检测规则编号重复 duplicate detector id "${d.id}" in ${file} and ${other}`);
      byId.set(d.id, file);
      const sqlPath = join(DETECTOR_SQL_DIR, d.sql);
      if (!existsSync(sqlPath)) throw new Error(`${file}: 找不到 SQL 文件 SQL file not found: sql/detectors/${d.sql}`);
      found.push({ ...d, file, sqlPath });
    }
  }
  const order = (f: Family) => FAMILIES.indexOf(f);
  return found.sort((a, b) => order(a.family) - order(b.family) || a.id.localeCompare(b.id));
}

function validate(d: Detector, folder: string, file: string): void {
  const bad = (field: string, why: string) => new Error(`${file}: 检测规则定义错误 invalid detector field "${field}": ${why}`);
  if (typeof d.id !== 'string' || !/^[a-z][a-z0-9_]*$/.test(d.id)) throw bad('id', 'must be snake_case');
  if (!FAMILIES.includes(d.family)) throw bad('family', `"${String(d.family)}" is not one of ${FAMILIES.join(', ')}`);
  if (d.family !== folder) throw bad('family', `"${d.family}" but the file is in detectors/${folder}/`);
  if (!Number.isInteger(d.version) || d.version < 1) throw bad('version', 'must be a positive integer');
  if (!['violation', 'suspicious'].includes(d.result_type)) throw bad('result_type', 'violation | suspicious');
  if (!['person', 'provider', 'physician', 'visit'].includes(d.subject_type)) throw bad('subject_type', 'person | provider | physician | visit');
  if (!d.title_zh || !d.title_en) throw bad('title_zh/title_en', 'required');
  if (!d.legal_basis) throw bad('legal_basis', 'required');
  if (!Number.isInteger(d.lookbackDays) || d.lookbackDays < 0) throw bad('lookbackDays', 'must be an integer ≥ 0');
  if (typeof d.sql !== 'string' || !d.sql.endsWith('.sql')) throw bad('sql', 'path of a .sql file relative to sql/detectors/');
  for (const [name, spec] of Object.entries(d.params ?? {})) {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw bad(`params.${name}`, 'parameter names are snake_case (they become SQL columns)');
    if (!['number', 'string', 'boolean'].includes(typeof spec.default)) throw bad(`params.${name}.default`, 'number, string or boolean');
  }
}
