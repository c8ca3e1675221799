import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { ingestBatch } from '../../pipeline/ingest/ingest.ts';
import { tempDir, tempStore } from '../helpers.ts';
import { baseBatch, writeCsvBatch } from '../fixtures/ingest/batch.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function setup() {
  const s = await tempStore();
  const d = tempDir('fw-batch-');
  cleanups.push(s.cleanup, d.cleanup);
  const b = baseBatch();
  writeCsvBatch(d.dir, { psn_info: b.psn_info, fixmedins: b.fixmedins, mdtrt_d: b.mdtrt_d, setl_d: b.setl_d });
  return { store: s.store, dir: d.dir };
}

const HEAD = 'feedetl_sn,mdtrt_id,fee_ocur_time,med_list_codg,hilist_name,cnt,pric,det_item_fee_sumamt';
const line = (sn: string, name = '阿莫西林胶囊', cnt = '2') => `${sn},V1,2026-01-06 10:00:00,X1,${name},${cnt},10.00,20.00`;

async function findings(store: Awaited<ReturnType<typeof setup>>['store']) {
  return store.all(`SELECT row_number, field, reason_code, raw->>'feedetl_sn' AS sn, raw->>'csv_line' AS csv_line FROM rejects ORDER BY row_number, field`);
}

describe('CSV row numbering and recovery', () => {
  // Data rows: 1 F1, 2 short row, 3 F3 (name over two lines), 4 F4 bad cnt, 5 F5 (name over three lines), 6 F6 bad cnt.
  const rows = [
    HEAD,
    line('F1'),
    'F2,V1',
    line('F3', '"阿莫西林\n胶囊"'),
    line('F4', '床位费', 'abc'),
    line('F5', '"一次性\r\n输液器\n(10 支)"'),
    line('F6', '床位费', 'x'),
  ];

  it('a quoted line break after a malformed row: rejects name the data row, every good row loads', async () => {
    const { store, dir } = await setup();
    writeFileSync(join(dir, 'fee_list_d.csv'), rows.join('\n') + '\n');
    const s = await ingestBatch(store, dir);
    expect(s.tables.fee_list_d).toMatchObject({ read: 6, loaded: 3, rejected: 3 });
    expect(await findings(store)).toEqual([
      { row_number: 2, field: 'fee_ocur_time', reason_code: 'bad_row', sn: null, csv_line: 'F2,V1' },
      { row_number: 4, field: 'cnt', reason_code: 'bad_type', sn: 'F4', csv_line: null },
      { row_number: 6, field: 'cnt', reason_code: 'bad_type', sn: 'F6', csv_line: null },
    ]);
    expect(await store.all(`SELECT feedetl_sn, hilist_name FROM fee_list_d ORDER BY 1`)).toEqual([
      { feedetl_sn: 'F1', hilist_name: '阿莫西林胶囊' },
      { feedetl_sn: 'F3', hilist_name: '阿莫西林\n胶囊' },
      { feedetl_sn: 'F5', hilist_name: '一次性\r\n输液器\n(10 支)' },
    ]);
  });

  it('the same file in GBK with CRLF line ends numbers the rows the same way', async () => {
    const { store, dir } = await setup();
    writeFileSync(join(dir, 'fee_list_d.csv'), iconv.encode(rows.join('\r\n') + '\r\n', 'gbk'));
    const s = await ingestBatch(store, dir);
    expect(s.files.find((f) => f.table === 'fee_list_d')?.encoding).toBe('gb18030');
    expect(s.tables.fee_list_d).toMatchObject({ read: 6, loaded: 3, rejected: 3 });
    expect((await findings(store)).map((r) => [r.row_number, r.reason_code, r.sn])).toEqual([[2, 'bad_row', null], [4, 'bad_type', 'F4'], [6, 'bad_type', 'F6']]);
    expect(await store.scalar(`SELECT hilist_name FROM fee_list_d WHERE feedetl_sn = 'F3'`)).toBe('阿莫西林\n胶囊');
    expect(await store.scalar(`SELECT hilist_name FROM fee_list_d WHERE feedetl_sn = 'F5'`)).toBe('一次性\r\n输液器\n(10 支)');
  });

  it('a stray quote inside a field near the top does not turn the file into one column', async () => {
    const { store, dir } = await setup();
    // Row 2 has an unescaped quote in the middle of a field; row 3 has a quoted line break.
    writeFileSync(join(dir, 'fee_list_d.csv'), [HEAD, line('F1'), line('F2', '"阿莫"西林'), line('F3', '"阿莫西林\n胶囊"'), line('F4', '床位费', 'abc')].join('\n') + '\n');
    const s = await ingestBatch(store, dir);
    expect(s.tables.fee_list_d).toMatchObject({ read: 4, loaded: 2, rejected: 2 });
    expect((await findings(store)).map((r) => [r.row_number, r.reason_code, r.sn])).toEqual([[2, 'bad_row', null], [4, 'bad_type', 'F4']]);
    expect(await store.one(`SELECT field, message FROM rejects WHERE reason_code = 'bad_row'`)).toEqual({
      field: 'hilist_name', message: 'CSV 行格式错误 malformed CSV row: 闭合引号后不是分隔符或行尾 closing quote not followed by the delimiter or the line end',
    });
    expect(s.files.find((f) => f.table === 'fee_list_d')?.encoding).toBe('utf-8');
    expect(await store.all(`SELECT feedetl_sn FROM fee_list_d ORDER BY 1`)).toEqual([{ feedetl_sn: 'F1' }, { feedetl_sn: 'F3' }]);
  });

  it('a file that is UTF-8 in its first megabyte and GBK later is read as GB18030; blank lines are not rows', async () => {
    const { store, dir } = await setup();
    const ascii = Array.from({ length: 12_000 }, (_, i) => line(`F${i + 1}`, 'bed fee padded to make the first megabyte plain ASCII'));
    const tail = ['', line('F12001', '阿莫西林胶囊', 'abc'), '', line('F12002', '头孢克肟片')];
    writeFileSync(join(dir, 'fee_list_d.csv'), Buffer.concat([Buffer.from([HEAD, ...ascii].join('\n') + '\n'), iconv.encode(tail.join('\n') + '\n', 'gbk')]));
    expect(12_000 * 100).toBeGreaterThan(1 << 20);
    const s = await ingestBatch(store, dir);
    expect(s.files.find((f) => f.table === 'fee_list_d')).toMatchObject({ encoding: 'gb18030', rows: 12_002 });
    expect(s.tables.fee_list_d).toMatchObject({ read: 12_002, loaded: 12_001, rejected: 1 });
    expect((await findings(store)).map((r) => [r.row_number, r.reason_code, r.sn])).toEqual([[12_001, 'bad_type', 'F12001']]);
    expect(await store.scalar(`SELECT hilist_name FROM fee_list_d WHERE feedetl_sn = 'F12002'`)).toBe('头孢克肟片');
  });

  it('reads a semicolon- or tab-delimited export and a repeated header name', async () => {
    const { store, dir } = await setup();
    const semi = [HEAD, line('F1'), line('F2', '"床位费; 单人间"')].map((l) => l.replaceAll(',', ';').replace('床位费; 单人间', '床位费, 单人间'));
    writeFileSync(join(dir, 'fee_list_d.part1.csv'), semi.join('\n') + '\n');
    writeFileSync(join(dir, 'fee_list_d.part2.csv'), [`${HEAD},cnt`, `${line('F3')},9`].map((l) => l.replaceAll(',', '\t')).join('\n') + '\n');
    const s = await ingestBatch(store, dir);
    expect(s.tables.fee_list_d).toMatchObject({ read: 3, loaded: 3, rejected: 0 });
    expect(await store.all(`SELECT feedetl_sn, hilist_name, cnt::DOUBLE AS cnt FROM fee_list_d ORDER BY 1`)).toEqual([
      { feedetl_sn: 'F1', hilist_name: '阿莫西林胶囊', cnt: 2 },
      { feedetl_sn: 'F2', hilist_name: '床位费, 单人间', cnt: 2 },
      { feedetl_sn: 'F3', hilist_name: '阿莫西林胶囊', cnt: 2 },
    ]);
  });

  it('a temporary directory that cannot be created is a clear error naming the file and the directory', async () => {
    const { store, dir } = await setup();
    writeFileSync(join(dir, 'fee_list_d.csv'), [HEAD, line('F1')].join('\n') + '\n');
    const before = process.env.TMPDIR;
    process.env.TMPDIR = join(dir, 'no-such-dir');
    try {
      await expect(ingestBatch(store, dir)).rejects.toThrow(/^[a-z_]+\.csv: 无法在 .*no-such-dir 下创建临时目录 cannot create a temporary directory/);
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM fee_list_d`)).toBe(0);
  });

  it('an empty CSV file is a clear error naming the file', async () => {
    const { store, dir } = await setup();
    writeFileSync(join(dir, 'fee_list_d.csv'), '');
    await expect(ingestBatch(store, dir)).rejects.toThrow('fee_list_d.csv: 文件为空，没有表头行 empty file, no header row');
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM fee_list_d`)).toBe(0);
  });
});
