import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingestBatch } from '../../pipeline/ingest/ingest.ts';
import { tempDir, tempStore } from '../helpers.ts';
import { baseBatch, fee, rowsToColumns, writeArrow, writeCsv, writeCsvBatch, writeParquet } from '../fixtures/ingest/batch.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function setup() {
  const s = await tempStore();
  const d = tempDir('fw-batch-');
  cleanups.push(s.cleanup, d.cleanup);
  return { store: s.store, dir: d.dir };
}

describe('ingest formats', () => {
  it('loads a UTF-8 CSV batch, skipping _ and . entries', async () => {
    const { store, dir } = await setup();
    writeCsvBatch(dir, baseBatch());
    mkdirSync(join(dir, '_truth'));
    writeFileSync(join(dir, '_truth', 'truth.jsonl'), '{}\n');
    writeFileSync(join(dir, '_SUCCESS'), '');
    writeFileSync(join(dir, '.DS_Store'), 'x');
    const s = await ingestBatch(store, dir);
    expect(s.status).toBe('loaded');
    expect(s.tables.fee_list_d).toEqual({ read: 2, loaded: 2, updated: 0, unchanged: 0, rejected: 0, warnings: 0, resolved_pending: 0, pending: 0 });
    expect(Object.keys(s.tables).sort()).toEqual(['fee_list_d', 'fixmedins', 'mdtrt_d', 'psn_info', 'setl_d']);
    const fees = await store.all(`SELECT feedetl_sn, hilist_name, cnt::DOUBLE AS cnt, pric::DOUBLE AS pric, det_item_fee_sumamt::DOUBLE AS amt, strftime(fee_ocur_time, '%Y-%m-%d %H:%M:%S') AS t, batch_id FROM fee_list_d ORDER BY 1`);
    expect(fees).toEqual([
      { feedetl_sn: 'F1', hilist_name: '阿莫西林胶囊', cnt: 2, pric: 10, amt: 20, t: '2026-01-06 10:00:00', batch_id: s.batch_id },
      { feedetl_sn: 'F2', hilist_name: '床位费', cnt: 1, pric: 10, amt: 10, t: '2026-01-06 10:00:00', batch_id: s.batch_id },
    ]);
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM rejects`)).toBe(0);
    const b = await store.one<{ status: string; files: string }>(`SELECT status, files::VARCHAR AS files FROM batches`);
    expect(b?.status).toBe('loaded');
    expect(JSON.parse(b!.files).map((f: { file: string; encoding: string }) => `${f.file}:${f.encoding}`).sort()).toEqual(
      ['fee_list_d.csv:utf-8', 'fixmedins.csv:utf-8', 'mdtrt_d.csv:utf-8', 'psn_info.csv:utf-8', 'setl_d.csv:utf-8'],
    );
  });

  it('reads UTF-8 with BOM and GBK CSV (encoding detected), keeping Chinese text intact', async () => {
    const { store, dir } = await setup();
    const b = baseBatch();
    writeCsv(dir, 'psn_info.csv', b.psn_info, { encoding: 'utf-8-bom' });
    writeCsv(dir, 'fixmedins.csv', b.fixmedins, { encoding: 'gbk' });
    writeCsv(dir, 'mdtrt_d.csv', b.mdtrt_d, { encoding: 'gbk' });
    writeCsv(dir, 'setl_d.csv', b.setl_d);
    writeCsv(dir, 'fee_list_d.csv', b.fee_list_d, { encoding: 'gbk' });
    const s = await ingestBatch(store, dir);
    expect(s.files.map((f) => `${f.file}:${f.encoding}`)).toEqual([
      'fee_list_d.csv:gb18030', 'fixmedins.csv:gb18030', 'mdtrt_d.csv:gb18030', 'psn_info.csv:utf-8-bom', 'setl_d.csv:utf-8',
    ]);
    expect(await store.all(`SELECT psn_no, psn_name FROM psn_info`)).toEqual([{ psn_no: 'P1', psn_name: '张三' }]);
    expect(await store.all(`SELECT fixmedins_name FROM fixmedins`)).toEqual([{ fixmedins_name: '测试市第一人民医院' }]);
    expect(await store.all(`SELECT feedetl_sn, hilist_name FROM fee_list_d ORDER BY 1`)).toEqual([
      { feedetl_sn: 'F1', hilist_name: '阿莫西林胶囊' },
      { feedetl_sn: 'F2', hilist_name: '床位费' },
    ]);
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM rejects`)).toBe(0);
  });

  it('falls back to GB18030 when non-UTF-8 bytes appear only after the first megabyte', async () => {
    const { store, dir } = await setup();
    const b = baseBatch();
    writeCsvBatch(dir, { psn_info: b.psn_info, fixmedins: b.fixmedins, mdtrt_d: b.mdtrt_d, setl_d: b.setl_d });
    const lines = Array.from({ length: 9000 }, (_, i) => fee({ feedetl_sn: `F${i}`, hilist_name: i === 8999 ? '阿莫西林胶囊' : 'amoxicillin capsule padding text', bilg_dr_name: 'Li', bilg_dept_name: 'medicine' }));
    writeCsv(dir, 'fee_list_d.csv', lines, { encoding: 'gbk' });
    const s = await ingestBatch(store, dir);
    expect(s.files.find((f) => f.file === 'fee_list_d.csv')?.encoding).toBe('gb18030');
    expect(s.tables.fee_list_d.loaded).toBe(9000);
    expect(await store.scalar(`SELECT hilist_name FROM fee_list_d WHERE feedetl_sn = 'F8999'`)).toBe('阿莫西林胶囊');
  });

  it('loads Parquet and Arrow IPC (file and stream format)', async () => {
    const { store, dir } = await setup();
    const b = baseBatch();
    await writeParquet(dir, 'psn_info.parquet', b.psn_info);
    await writeParquet(dir, 'fixmedins.parquet', b.fixmedins);
    writeArrow(dir, 'mdtrt_d.arrow', rowsToColumns(b.mdtrt_d));
    writeArrow(dir, 'setl_d.feather', rowsToColumns(b.setl_d), 'stream');
    await writeParquet(dir, 'fee_list_d.parquet', b.fee_list_d);
    const s = await ingestBatch(store, dir);
    expect(s.files.map((f) => `${f.file}:${f.format}:${f.rows}`)).toEqual([
      'fee_list_d.parquet:parquet:2', 'fixmedins.parquet:parquet:1', 'mdtrt_d.arrow:arrow:1', 'psn_info.parquet:parquet:1', 'setl_d.feather:arrow:1',
    ]);
    for (const t of ['psn_info', 'fixmedins', 'mdtrt_d', 'setl_d']) expect(s.tables[t]).toMatchObject({ read: 1, loaded: 1, rejected: 0 });
    expect(await store.all(`SELECT mdtrt_id, strftime(begntime, '%Y-%m-%d %H:%M:%S') AS b, ipt_days FROM mdtrt_d`)).toEqual([{ mdtrt_id: 'V1', b: '2026-01-05 09:00:00', ipt_days: 5 }]);
    expect(await store.all(`SELECT setl_id, medfee_sumamt::DOUBLE AS m, hifp_pay::DOUBLE AS h FROM setl_d`)).toEqual([{ setl_id: 'S1', m: 30, h: 20 }]);
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM rejects`)).toBe(0);
  });

  it('reads typed Arrow columns (timestamps, numbers) as their text', async () => {
    const { store, dir } = await setup();
    const b = baseBatch();
    writeCsvBatch(dir, { psn_info: b.psn_info, fixmedins: b.fixmedins });
    const cols = rowsToColumns(b.mdtrt_d) as Record<string, unknown[]>;
    cols.begntime = [new Date(Date.UTC(2026, 0, 5, 9, 0, 0))];
    cols.endtime = [new Date(Date.UTC(2026, 0, 10, 10, 0, 0))];
    cols.ipt_days = [Int32Array.from([5])[0]];
    writeArrow(dir, 'mdtrt_d.arrow', cols);
    const s = await ingestBatch(store, dir);
    expect(s.tables.mdtrt_d).toMatchObject({ read: 1, loaded: 1, rejected: 0 });
    expect(await store.all(`SELECT strftime(begntime, '%Y-%m-%d %H:%M:%S') AS b, strftime(endtime, '%Y-%m-%d %H:%M:%S') AS e, ipt_days FROM mdtrt_d`)).toEqual([
      { b: '2026-01-05 09:00:00', e: '2026-01-10 10:00:00', ipt_days: 5 },
    ]);
  });

  it('loads a table split over several files of different formats, numbering rows per file', async () => {
    const { store, dir } = await setup();
    const b = baseBatch();
    writeCsvBatch(dir, { psn_info: b.psn_info, fixmedins: b.fixmedins, mdtrt_d: b.mdtrt_d, setl_d: b.setl_d });
    writeCsv(dir, 'fee_list_d.part1.csv', [fee({ feedetl_sn: 'F1' }), fee({ feedetl_sn: 'F2', fee_ocur_time: 'not-a-time' })]);
    await writeParquet(dir, 'fee_list_d.part2.parquet', [fee({ feedetl_sn: 'F3' }), fee({ feedetl_sn: 'F4', cnt: 'x' })]);
    writeArrow(dir, 'fee_list_d.part3.arrow', rowsToColumns([fee({ feedetl_sn: 'F5' })]));
    const s = await ingestBatch(store, dir);
    expect(s.tables.fee_list_d).toMatchObject({ read: 5, loaded: 3, rejected: 2 });
    expect(await store.all(`SELECT feedetl_sn FROM fee_list_d ORDER BY 1`)).toEqual([{ feedetl_sn: 'F1' }, { feedetl_sn: 'F3' }, { feedetl_sn: 'F5' }]);
    expect(await store.all(`SELECT file, row_number, field, reason_code FROM rejects ORDER BY file`)).toEqual([
      { file: 'fee_list_d.part1.csv', row_number: 2, field: 'fee_ocur_time', reason_code: 'bad_date' },
      { file: 'fee_list_d.part2.parquet', row_number: 2, field: 'cnt', reason_code: 'bad_type' },
    ]);
  });

  it('reads a table in several parts of each format (read together per format), numbering rows per file', async () => {
    const { store, dir } = await setup();
    const b = baseBatch();
    writeCsvBatch(dir, { psn_info: b.psn_info, fixmedins: b.fixmedins, mdtrt_d: b.mdtrt_d, setl_d: b.setl_d });
    const part = (p: string) => [fee({ feedetl_sn: `${p}-1` }), fee({ feedetl_sn: `${p}-2`, cnt: 'x' }), fee({ feedetl_sn: `${p}-3` })];
    writeCsv(dir, 'fee_list_d.part1.csv', part('C1'));
    writeCsv(dir, 'fee_list_d.part2.csv', part('C2'), { encoding: 'gbk' });
    await writeParquet(dir, 'fee_list_d.part3.parquet', part('P3'));
    await writeParquet(dir, 'fee_list_d.part4.parquet', part('P4'));
    writeArrow(dir, 'fee_list_d.part5.arrow', rowsToColumns(part('A5')));
    writeArrow(dir, 'fee_list_d.part6.arrow', rowsToColumns(part('A6')));
    const s = await ingestBatch(store, dir);
    expect(s.tables.fee_list_d).toMatchObject({ read: 18, loaded: 12, rejected: 6 });
    expect(await store.all(`SELECT file, row_number, raw->>'feedetl_sn' AS sn FROM rejects ORDER BY file`)).toEqual(
      ['C1', 'C2', 'P3', 'P4', 'A5', 'A6'].map((p, i) => ({ file: `fee_list_d.part${i + 1}.${['csv', 'csv', 'parquet', 'parquet', 'arrow', 'arrow'][i]}`, row_number: 2, sn: `${p}-2` })),
    );
    const loaded = (await store.all<{ feedetl_sn: string }>(`SELECT feedetl_sn FROM fee_list_d ORDER BY 1`)).map((r) => r.feedetl_sn);
    expect(loaded).toEqual(['A5-1', 'A5-3', 'A6-1', 'A6-3', 'C1-1', 'C1-3', 'C2-1', 'C2-3', 'P3-1', 'P3-3', 'P4-1', 'P4-3']);
  });

  it('keeps row numbers in file order over a large multi-threaded CSV read', async () => {
    const { store, dir } = await setup();
    const b = baseBatch();
    writeCsvBatch(dir, { psn_info: b.psn_info, fixmedins: b.fixmedins, mdtrt_d: b.mdtrt_d, setl_d: b.setl_d });
    const n = 120_000;
    const text = ['feedetl_sn,mdtrt_id,fee_ocur_time,med_list_codg,det_item_fee_sumamt'];
    for (let i = 1; i <= n; i++) text.push(`F${i},V1,2026-01-06 10:00:00,X1,${i % 40_000 === 0 ? 'bad' : '1.00'}`);
    writeFileSync(join(dir, 'fee_list_d.csv'), text.join('\n') + '\n');
    const s = await ingestBatch(store, dir);
    expect(s.tables.fee_list_d).toMatchObject({ read: n, loaded: n - 3, rejected: 3 });
    expect(await store.all(`SELECT row_number, raw->>'feedetl_sn' AS sn FROM rejects ORDER BY row_number`)).toEqual([
      { row_number: 40_000, sn: 'F40000' }, { row_number: 80_000, sn: 'F80000' }, { row_number: 120_000, sn: 'F120000' },
    ]);
  });
});
