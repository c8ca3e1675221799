import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CommanderError } from 'commander';
import { buildProgram } from '../../app/cli/main.ts';
import { cliInvocation, UsageError } from '../../app/cli/context.ts';
import { tempDir } from '../helpers.ts';
import { baseBatch, csvText, fee, rowsToColumns, visit, writeArrow, writeCsv, writeParquet } from '../fixtures/ingest/batch.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** The real CLI in-process; resolves with {code, out, err} as the process would exit. */
async function fw(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = new Writable({ write: (c, _e, cb) => ((out += c), cb()) });
  const stderr = new Writable({ write: (c, _e, cb) => ((err += c), cb()) });
  const program = await buildProgram();
  program.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  try {
    await cliInvocation.run({ stdout, stderr }, () => program.parseAsync(['node', 'fundwatch', ...args]));
    return { code: 0, out, err };
  } catch (e) {
    return { code: e instanceof CommanderError || e instanceof UsageError ? 2 : 1, out, err: err + (e as Error).message };
  }
}

describe('fundwatch ingest (CLI)', () => {
  it('prints the Chinese summary naming file, row and field for a malformed file of each kind; --json prints one object', async () => {
    const t = tempDir('fw-cli-');
    cleanups.push(t.cleanup);
    const dir = join(t.dir, 'batch');
    const b = baseBatch();
    writeCsv(dir, 'psn_info.csv', b.psn_info);
    writeCsv(dir, 'fixmedins.csv', b.fixmedins);
    // Arrow: a visit without its start time.
    writeArrow(dir, 'mdtrt_d.arrow', rowsToColumns([visit(), visit({ mdtrt_id: 'V2', begntime: null })]));
    // Parquet: a settlement with text in a money field.
    await writeParquet(dir, 'setl_d.parquet', [...b.setl_d, { ...b.setl_d[0], setl_id: 'S2', hifp_pay: '二十' }]);
    // CSV: a row cut short.
    const lines = csvText([...b.fee_list_d, fee({ feedetl_sn: 'F3' })]).trimEnd().split('\n');
    writeFileSync(join(dir, 'fee_list_d.csv'), [lines[0], lines[1], 'F9,V1,S1', lines[2], lines[3]].join('\n') + '\n');
    const db = join(t.dir, 'fw.duckdb');

    const human = await fw(['ingest', dir, '--db', db]);
    expect(human.code).toBe(0);
    expect(human.out).toContain('导入完成 loaded');
    expect(human.out).toMatch(/fee_list_d\s+4\s+3\s+0\s+0\s+1\s+0/);
    expect(human.out).toContain('fee_list_d.csv 第 2 行 row 2, 字段 field psn_no: [错误 error] bad_row CSV 行格式错误 malformed CSV row: Expected Number of Columns: 22 Found: 3');
    expect(human.out).toContain('mdtrt_d.arrow 第 2 行 row 2, 字段 field begntime: [错误 error] missing_required 缺少必填字段 missing required field begntime');
    expect(human.out).toContain('setl_d.parquet 第 2 行 row 2, 字段 field hifp_pay: [错误 error] bad_type 不是有效的数值 not a valid DECIMAL(14, 2) in hifp_pay: 二十');
    expect(human.err).toContain('读取 reading fee_list_d.csv');

    const again = await fw(['ingest', dir, '--db', db, '--json']);
    expect(again.code).toBe(0);
    const lines2 = again.out.trim().split('\n');
    expect(lines2).toHaveLength(1);
    expect(JSON.parse(lines2[0])).toMatchObject({ status: 'duplicate', tables: {}, top_reasons: [] });

    // A fresh database: the JSON object in full shape.
    const db2 = join(t.dir, 'fw2.duckdb');
    const json = await fw(['ingest', dir, '--db', db2, '--json']);
    expect(json.code).toBe(0);
    const o = JSON.parse(json.out);
    expect(Object.keys(o).slice(0, 4)).toEqual(['batch_id', 'status', 'tables', 'top_reasons']);
    expect(o.status).toBe('loaded');
    expect(o.tables.fee_list_d).toEqual({ read: 4, loaded: 3, updated: 0, unchanged: 0, rejected: 1, warnings: 0, resolved_pending: 0, pending: 0 });
    expect(o.tables.setl_d).toMatchObject({ read: 2, loaded: 1, rejected: 1 });
    expect(o.tables.mdtrt_d).toMatchObject({ read: 2, loaded: 1, rejected: 1 });
    expect(o.top_reasons).toEqual([{ reason_code: 'bad_row', count: 1 }, { reason_code: 'bad_type', count: 1 }, { reason_code: 'missing_required', count: 1 }]);
  });

  it('exit codes: 2 for usage, 1 for an unknown table, a broken profile or an unreadable file', async () => {
    const t = tempDir('fw-cli-');
    cleanups.push(t.cleanup);
    const db = join(t.dir, 'fw.duckdb');
    const missing = await fw(['ingest', join(t.dir, 'nope'), '--db', db]);
    expect(missing.code).toBe(2);
    expect((await fw(['ingest', '--db', db])).code).toBe(2);

    const dir = join(t.dir, 'b');
    writeCsv(dir, 'feiyong.csv', baseBatch().fee_list_d);
    const unknown = await fw(['ingest', dir, '--db', db, '--json']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('feiyong.csv: 未知的表名 unknown table "feiyong"');
    expect(JSON.parse(unknown.out)).toMatchObject({ batch_id: null, status: 'failed' });

    const profile = join(t.dir, 'p.json');
    writeFileSync(profile, '{"tables": {"fee_list_d": {"columns": {"x": "no_such_field"}}}}');
    const broken = await fw(['ingest', dir, '--db', db, '--mapping', profile]);
    expect(broken.code).toBe(1);
    expect(broken.err).toContain('tables.fee_list_d.columns.x: "no_such_field" is not a field of fee_list_d');

    const dir2 = join(t.dir, 'c');
    writeCsv(dir2, 'psn_info.csv', baseBatch().psn_info);
    writeFileSync(join(dir2, 'mdtrt_d.arrow'), 'not arrow at all');
    const unreadable = await fw(['ingest', dir2, '--db', db]);
    expect(unreadable.code).toBe(1);
    expect(unreadable.err).toMatch(/mdtrt_d\.arrow: 无法读取文件 cannot read file \(arrow\)/);
  });
});
