import { readFileSync } from 'node:fs';
import { CONTRACT, fieldNames, isContractTable, type ContractTableName } from '../contract.ts';
import { IngestError } from './errors.ts';

/**
 * Column-mapping profile (JSON), for exports that do not use the NHSA names:
 *   {
 *     "tables": { "fee_list_d": { "columns": { "明细流水号": "feedetl_sn" }, "values": { "list_type": { "西药": "101" } } } },
 *     "files":  { "feiyong.csv": "fee_list_d" }
 *   }
 * `columns`: source header → contract field (matched case-insensitively, surrounding blanks ignored).
 * `values`: per contract field, source value → contract code (applied before validation).
 * `files`: file name → table, for files not named after their table (still any supported format).
 */
export interface TableMapping {
  columns: Record<string, string>;
  values: Record<string, Record<string, string>>;
}

export interface MappingProfile {
  source: string;
  tables: Partial<Record<ContractTableName, TableMapping>>;
  files: Record<string, ContractTableName>;
}

export const EMPTY_MAPPING: MappingProfile = { source: '', tables: {}, files: {} };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function loadMapping(path: string): MappingProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new IngestError(`无法读取映射配置 cannot read mapping profile ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new IngestError(`映射配置不是合法 JSON invalid mapping profile ${path}: ${(err as Error).message}`);
  }
  return parseMapping(value, path);
}

/** Validates a parsed profile; every problem is one line naming the offending path inside the profile. */
export function parseMapping(value: unknown, source = '(inline)'): MappingProfile {
  const fail = (where: string, what: string): never => {
    throw new IngestError(`映射配置无效 invalid mapping profile ${source}: ${where}: ${what}`);
  };
  if (!isObject(value)) fail('(top level)', 'must be a JSON object');
  const top = value as Record<string, unknown>;
  for (const k of Object.keys(top)) if (!['tables', 'files', 'description'].includes(k)) fail(k, 'unknown key (expected tables, files)');
  const profile: MappingProfile = { source, tables: {}, files: {} };
  const tables = top.tables ?? {};
  if (!isObject(tables)) fail('tables', 'must be an object');
  for (const [t, spec] of Object.entries(tables as Record<string, unknown>)) {
    if (!isContractTable(t)) fail(`tables.${t}`, `unknown table (expected one of ${Object.keys(CONTRACT).join(', ')})`);
    const table = t as ContractTableName;
    if (!isObject(spec)) fail(`tables.${t}`, 'must be an object');
    const s = spec as Record<string, unknown>;
    for (const k of Object.keys(s)) if (k !== 'columns' && k !== 'values') fail(`tables.${t}.${k}`, 'unknown key (expected columns, values)');
    const fields = new Set(fieldNames(table));
    const columns: Record<string, string> = {};
    const cols = s.columns ?? {};
    if (!isObject(cols)) fail(`tables.${t}.columns`, 'must be an object of "source header": "contract field"');
    const targets = new Set<string>();
    for (const [src, dst] of Object.entries(cols as Record<string, unknown>)) {
      if (typeof dst !== 'string') fail(`tables.${t}.columns.${src}`, 'target must be a string');
      if (!fields.has(dst as string)) fail(`tables.${t}.columns.${src}`, `"${String(dst)}" is not a field of ${t}`);
      if (targets.has(dst as string)) fail(`tables.${t}.columns.${src}`, `two source columns map to ${String(dst)}`);
      targets.add(dst as string);
      columns[src] = dst as string;
    }
    const values: Record<string, Record<string, string>> = {};
    const vals = s.values ?? {};
    if (!isObject(vals)) fail(`tables.${t}.values`, 'must be an object of "field": {"source value": "code"}');
    for (const [field, map] of Object.entries(vals as Record<string, unknown>)) {
      if (!fields.has(field)) fail(`tables.${t}.values.${field}`, `not a field of ${t}`);
      if (!isObject(map)) fail(`tables.${t}.values.${field}`, 'must be an object of "source value": "code"');
      const m: Record<string, string> = {};
      for (const [from, to] of Object.entries(map as Record<string, unknown>)) {
        if (typeof to !== 'string' && typeof to !== 'number') fail(`tables.${t}.values.${field}.${from}`, 'code must be a string');
        m[from] = String(to);
      }
      values[field] = m;
    }
    profile.tables[table] = { columns, values };
  }
  const files = top.files ?? {};
  if (!isObject(files)) fail('files', 'must be an object of "file name": "table"');
  for (const [f, t] of Object.entries(files as Record<string, unknown>)) {
    if (typeof t !== 'string' || !isContractTable(t)) fail(`files.${f}`, `unknown table "${String(t)}"`);
    profile.files[f] = t as ContractTableName;
  }
  return profile;
}
