import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isContractTable, type ContractTableName } from '../contract.ts';
import { IngestError } from './errors.ts';
import type { MappingProfile } from './mapping.ts';

export type FileFormat = 'csv' | 'parquet' | 'arrow';

export interface BatchFile {
  /** File name inside the batch directory (as reported in rejects). */
  name: string;
  path: string;
  table: ContractTableName;
  format: FileFormat;
  size: number;
}

const FORMATS: Record<string, FileFormat> = { csv: 'csv', parquet: 'parquet', arrow: 'arrow', feather: 'arrow', ipc: 'arrow' };

/**
 * The table files of a batch directory. `fee_list_d.csv`, `fee_list_d.part1.csv`, `setl_d.parquet`,
 * `mdtrt_d.arrow`/`.feather`; names starting with `_` or `.` are not tables and are skipped. The mapping
 * profile's `files` names a table for other file names. Anything else is an error, never silently ignored.
 */
export function listBatchFiles(dir: string, mapping: MappingProfile): BatchFile[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new IngestError(`批次目录不存在 batch directory not found: ${dir}`);
  const out: BatchFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('_') || name.startsWith('.')) continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) throw new IngestError(`${name}: 批次目录中不应有子目录 unexpected sub-directory in batch (prefix it with _ to skip it)`);
    const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
    const format = FORMATS[ext];
    if (!format) throw new IngestError(`${name}: 不支持的文件格式 unsupported file format ".${ext}" (expected .csv, .parquet, .arrow, .feather)`);
    const base = name.slice(0, name.indexOf('.'));
    const table = mapping.files[name] ?? (isContractTable(base) ? base : undefined);
    if (!table) throw new IngestError(`${name}: 未知的表名 unknown table "${base}" (name files after a contract table, e.g. fee_list_d.part1.csv, or map them in the profile's "files")`);
    out.push({ name, path, table, format, size: st.size });
  }
  if (out.length === 0) throw new IngestError(`批次目录中没有数据文件 no table files in ${dir}`);
  return out;
}

async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The batch id: a hash over the table files' names and contents (so the same batch is recognised again). */
export async function batchContentHash(files: BatchFile[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    h.update(`${f.name}\0${await fileSha256(f.path)}\n`);
  }
  return h.digest('hex').slice(0, 32);
}
