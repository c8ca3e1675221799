import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingestBatch } from '../../pipeline/ingest/ingest.ts';
import { CERTNO_MACRO } from '../../pipeline/ingest/checks.ts';
import { tempDir, tempStore } from '../helpers.ts';
import { BAD_CERTNO, csvText, fee, person, provider, settlement, visit, writeCsv } from '../fixtures/ingest/batch.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const neg = { medfee_sumamt: '-30.00', inscp_amt: '-30.00', hifp_pay: '-20.00', fund_pay_sumamt: '-20.00', cash_payamt: '-10.00' };

/** One bad row per reason code, in every table; row numbers noted per file. */
function writeBadBatch(dir: string): void {
  writeCsv(dir, 'psn_info.csv', [
    person(), // 1
    person({ psn_no: 'P2', certno: BAD_CERTNO, gend: '5' }), // 2 certno_checksum + unknown_code (warnings)
    person({ psn_no: 'P3', insutype: '999' }), // 3 unknown_code insutype
    person({ psn_no: null }), // 4 missing_required
    person({ psn_no: 'P5', brdy: 'abc' }), // 5 bad_date
  ]);
  writeCsv(dir, 'fixmedins.csv', [provider(), provider({ fixmedins_code: 'H2', hosp_lv: '99' })]);
  writeCsv(dir, 'mdtrt_d.csv', [
    visit(), // 1
    visit({ mdtrt_id: 'V2', endtime: '2026-01-04 09:00:00' }), // 2 end_before_start
    visit({ mdtrt_id: 'V3', med_type: '61' }), // 3 unknown_code
    visit({ mdtrt_id: 'V4', psn_no: 'PX' }), // 4 orphan (no person PX)
    visit({ mdtrt_id: 'V5', med_type: '52' }), // 5 accepted by prefix 51–52
  ]);
  writeCsv(dir, 'setl_d.csv', [
    settlement(), // 1
    settlement({ setl_id: 'S2', hifp_pay: '-5.00' }), // 2 negative_amount
    settlement({ setl_id: 'S3', refd_setl_flag: '1' }), // 3 reversed original
    settlement({ setl_id: 'S4', init_setl_id: 'S3', ...neg }), // 4 offset settlement: negative allowed
    settlement({ setl_id: 'S5', mdtrt_id: 'VX' }), // 5 orphan
  ]);
  writeCsv(dir, 'fee_list_d.csv', [
    fee(), // 1
    fee({ feedetl_sn: 'F2', det_item_fee_sumamt: '25.00' }), // 2 amount_mismatch
    fee({ feedetl_sn: 'F3', cnt: '-1', det_item_fee_sumamt: '-10.00' }), // 3 negative_amount (S1 is not a reversal)
    fee({ feedetl_sn: 'F4', setl_id: 'S4', cnt: '-2', det_item_fee_sumamt: '-20.00' }), // 4 negative on the offset: allowed
    fee({ feedetl_sn: 'F5', list_type: '999' }), // 5 unknown_code
    fee({ feedetl_sn: 'F1', cnt: '3', det_item_fee_sumamt: '30.00' }), // 6 duplicate_in_batch
    fee({ feedetl_sn: 'F7', mdtrt_id: 'VX' }), // 7 orphan
    fee({ feedetl_sn: 'F8', cnt: 'abc' }), // 8 bad_type
    fee({ feedetl_sn: 'F9', med_list_codg: null }), // 9 missing_required
  ]);
  const part2 = csvText([fee({ feedetl_sn: 'F10' })]).split('\n');
  const bad = csvText([fee({ feedetl_sn: 'F12', fee_ocur_time: '2026-02-30 10:00:00' })]).split('\n')[1];
  writeFileSync(join(dir, 'fee_list_d.part2.csv'), [part2[0], part2[1], 'F11,V1', bad].join('\n') + '\n');
}

describe('ingest validation', () => {
  it('records every finding with its reason code, loads warnings, holds errors back', async () => {
    const s = await tempStore();
    const d = tempDir('fw-batch-');
    cleanups.push(s.cleanup, d.cleanup);
    const store = s.store;
    writeBadBatch(d.dir);
    const sum = await ingestBatch(store, d.dir);
    expect(sum.tables).toEqual({
      psn_info: { read: 5, loaded: 3, updated: 0, unchanged: 0, rejected: 2, warnings: 2, resolved_pending: 0, pending: 0 },
      fixmedins: { read: 2, loaded: 2, updated: 0, unchanged: 0, rejected: 0, warnings: 1, resolved_pending: 0, pending: 0 },
      mdtrt_d: { read: 5, loaded: 3, updated: 0, unchanged: 0, rejected: 2, warnings: 1, resolved_pending: 0, pending: 1 },
      setl_d: { read: 5, loaded: 3, updated: 0, unchanged: 0, rejected: 2, warnings: 0, resolved_pending: 0, pending: 1 },
      fee_list_d: { read: 12, loaded: 5, updated: 0, unchanged: 0, rejected: 7, warnings: 2, resolved_pending: 0, pending: 1 },
    });
    const rejects = await store.all(
      `SELECT table_name, file, row_number, field, reason_code, severity, status FROM rejects ORDER BY table_name, file, row_number, field`,
    );
    expect(rejects).toEqual([
      { table_name: 'fee_list_d', file: 'fee_list_d.csv', row_number: 2, field: 'det_item_fee_sumamt', reason_code: 'amount_mismatch', severity: 'warning', status: 'final' },
      { table_name: 'fee_list_d', file: 'fee_list_d.csv', row_number: 3, field: 'det_item_fee_sumamt', reason_code: 'negative_amount', severity: 'error', status: 'final' },
      { table_name: 'fee_list_d', file: 'fee_list_d.csv', row_number: 5, field: 'list_type', reason_code: 'unknown_code', severity: 'warning', status: 'final' },
      { table_name: 'fee_list_d', file: 'fee_list_d.csv', row_number: 6, field: 'feedetl_sn', reason_code: 'duplicate_in_batch', severity: 'error', status: 'final' },
      { table_name: 'fee_list_d', file: 'fee_list_d.csv', row_number: 7, field: 'mdtrt_id', reason_code: 'orphan', severity: 'error', status: 'pending' },
      { table_name: 'fee_list_d', file: 'fee_list_d.csv', row_number: 8, field: 'cnt', reason_code: 'bad_type', severity: 'error', status: 'final' },
      { table_name: 'fee_list_d', file: 'fee_list_d.csv', row_number: 9, field: 'med_list_codg', reason_code: 'missing_required', severity: 'error', status: 'final' },
      { table_name: 'fee_list_d', file: 'fee_list_d.part2.csv', row_number: 2, field: 'setl_id', reason_code: 'bad_row', severity: 'error', status: 'final' },
      { table_name: 'fee_list_d', file: 'fee_list_d.part2.csv', row_number: 3, field: 'fee_ocur_time', reason_code: 'bad_date', severity: 'error', status: 'final' },
      { table_name: 'fixmedins', file: 'fixmedins.csv', row_number: 2, field: 'hosp_lv', reason_code: 'unknown_code', severity: 'warning', status: 'final' },
      { table_name: 'mdtrt_d', file: 'mdtrt_d.csv', row_number: 2, field: 'endtime', reason_code: 'end_before_start', severity: 'error', status: 'final' },
      { table_name: 'mdtrt_d', file: 'mdtrt_d.csv', row_number: 3, field: 'med_type', reason_code: 'unknown_code', severity: 'warning', status: 'final' },
      { table_name: 'mdtrt_d', file: 'mdtrt_d.csv', row_number: 4, field: 'psn_no', reason_code: 'orphan', severity: 'error', status: 'pending' },
      { table_name: 'psn_info', file: 'psn_info.csv', row_number: 2, field: 'certno', reason_code: 'certno_checksum', severity: 'warning', status: 'final' },
      { table_name: 'psn_info', file: 'psn_info.csv', row_number: 2, field: 'gend', reason_code: 'unknown_code', severity: 'warning', status: 'final' },
      { table_name: 'psn_info', file: 'psn_info.csv', row_number: 3, field: 'insutype', reason_code: 'unknown_code', severity: 'warning', status: 'final' },
      { table_name: 'psn_info', file: 'psn_info.csv', row_number: 4, field: 'psn_no', reason_code: 'missing_required', severity: 'error', status: 'final' },
      { table_name: 'psn_info', file: 'psn_info.csv', row_number: 5, field: 'brdy', reason_code: 'bad_date', severity: 'error', status: 'final' },
      { table_name: 'setl_d', file: 'setl_d.csv', row_number: 2, field: 'hifp_pay', reason_code: 'negative_amount', severity: 'error', status: 'final' },
      { table_name: 'setl_d', file: 'setl_d.csv', row_number: 5, field: 'mdtrt_id', reason_code: 'orphan', severity: 'error', status: 'pending' },
    ]);
    // Warned rows are loaded; error rows are not; the first of two same-key rows is kept.
    expect((await store.all(`SELECT psn_no FROM psn_info ORDER BY 1`)).map((r) => r.psn_no)).toEqual(['P1', 'P2', 'P3']);
    expect((await store.all(`SELECT mdtrt_id FROM mdtrt_d ORDER BY 1`)).map((r) => r.mdtrt_id)).toEqual(['V1', 'V3', 'V5']);
    expect((await store.all(`SELECT setl_id FROM setl_d ORDER BY 1`)).map((r) => r.setl_id)).toEqual(['S1', 'S3', 'S4']);
    expect(await store.all(`SELECT feedetl_sn, cnt::DOUBLE AS cnt, det_item_fee_sumamt::DOUBLE AS amt FROM fee_list_d ORDER BY 1`)).toEqual([
      { feedetl_sn: 'F1', cnt: 2, amt: 20 }, { feedetl_sn: 'F10', cnt: 2, amt: 20 }, { feedetl_sn: 'F2', cnt: 2, amt: 25 },
      { feedetl_sn: 'F4', cnt: -2, amt: -20 }, { feedetl_sn: 'F5', cnt: 2, amt: 20 },
    ]);
    // raw is the row as read (source text); messages name the value and, for duplicates, the first occurrence.
    const p2 = await store.one<{ raw: string; message: string }>(`SELECT raw::VARCHAR AS raw, message FROM rejects WHERE reason_code = 'unknown_code' AND field = 'gend'`);
    expect(JSON.parse(p2!.raw)).toMatchObject({ psn_no: 'P2', certno: BAD_CERTNO, gend: '5', brdy: '1980-06-15', aid_category: null });
    expect(p2!.message).toBe('未知代码 unknown gend code: 5');
    const dup = await store.one<{ raw: string; message: string }>(`SELECT raw::VARCHAR AS raw, message FROM rejects WHERE reason_code = 'duplicate_in_batch'`);
    expect(dup!.message).toBe('批次内主键重复 duplicate key in batch: F1 (首次出现 first at fee_list_d.csv 第 1 行 row)');
    expect(JSON.parse(dup!.raw)).toMatchObject({ feedetl_sn: 'F1', cnt: '3', det_item_fee_sumamt: '30.00' });
    const badRow = await store.one<{ raw: string; message: string }>(`SELECT raw::VARCHAR AS raw, message FROM rejects WHERE reason_code = 'bad_row'`);
    expect(JSON.parse(badRow!.raw)).toEqual({ csv_line: 'F11,V1' });
    expect(badRow!.message).toMatch(/^CSV 行格式错误 malformed CSV row: /);
    expect(await store.scalar(`SELECT message FROM rejects WHERE reason_code = 'bad_type'`)).toBe('不是有效的数值 not a valid DECIMAL(14, 4) in cnt: abc');
    expect(sum.top_reasons[0]).toEqual({ reason_code: 'unknown_code', count: 5 });
    // Orphans wait in the pending tables.
    expect(await store.all(`SELECT mdtrt_id, file, row_number FROM mdtrt_d_pending`)).toEqual([{ mdtrt_id: 'V4', file: 'mdtrt_d.csv', row_number: 4 }]);
    expect(await store.all(`SELECT feedetl_sn, file, row_number FROM fee_list_d_pending`)).toEqual([{ feedetl_sn: 'F7', file: 'fee_list_d.csv', row_number: 7 }]);
  });

  it('trims spaces around values (only those that have them) and reads a blank-only value as missing', async () => {
    const s = await tempStore();
    const d = tempDir('fw-batch-');
    cleanups.push(s.cleanup, d.cleanup);
    writeCsv(d.dir, 'psn_info.csv', [person({ psn_no: ' P1 ', psn_name: '  张三' })]);
    writeCsv(d.dir, 'fixmedins.csv', [provider()]);
    writeCsv(d.dir, 'mdtrt_d.csv', [visit({ psn_no: 'P1  ', med_type: ' 21' })]);
    writeCsv(d.dir, 'setl_d.csv', [settlement({ medfee_sumamt: ' 30.00 ' })]);
    writeCsv(d.dir, 'fee_list_d.csv', [fee(), fee({ feedetl_sn: 'F2', med_list_codg: '   ' }), fee({ feedetl_sn: ' F3', cnt: '2 ' })]);
    const sum = await ingestBatch(s.store, d.dir);
    expect(sum.status).toBe('loaded');
    expect(await s.store.all(`SELECT psn_no, psn_name FROM psn_info`)).toEqual([{ psn_no: 'P1', psn_name: '张三' }]);
    expect(await s.store.all(`SELECT psn_no, med_type FROM mdtrt_d`)).toEqual([{ psn_no: 'P1', med_type: '21' }]);
    expect(await s.store.all(`SELECT medfee_sumamt::VARCHAR AS m FROM setl_d`)).toEqual([{ m: '30.00' }]);
    expect(await s.store.all(`SELECT feedetl_sn, cnt::DOUBLE AS cnt FROM fee_list_d ORDER BY feedetl_sn`)).toEqual([
      { feedetl_sn: 'F1', cnt: 2 },
      { feedetl_sn: 'F3', cnt: 2 },
    ]);
    expect(await s.store.all(`SELECT row_number, field, reason_code FROM rejects WHERE table_name = 'fee_list_d'`)).toEqual([
      { row_number: 2, field: 'med_list_codg', reason_code: 'missing_required' },
    ]);
  });

  it('holds back every error row whether few or many (the merge lists up to 256 as constants, anti-joins more)', async () => {
    for (const bad of [3, 300]) {
      const s = await tempStore();
      const d = tempDir('fw-batch-');
      cleanups.push(s.cleanup, d.cleanup);
      writeCsv(d.dir, 'psn_info.csv', [person()]);
      writeCsv(d.dir, 'fixmedins.csv', [provider()]);
      writeCsv(d.dir, 'mdtrt_d.csv', [visit()]);
      writeCsv(d.dir, 'setl_d.csv', [settlement()]);
      // good rows G0–G4 between and after the bad rows B0…
      const rows = Array.from({ length: bad }, (_, i) => fee({ feedetl_sn: `B${i}`, cnt: 'x' }));
      for (let g = 0; g < 5; g++) rows.splice(g * Math.floor(bad / 5) + g, 0, fee({ feedetl_sn: `G${g}` }));
      writeCsv(d.dir, 'fee_list_d.csv', rows);
      const sum = await ingestBatch(s.store, d.dir);
      expect(sum.tables.fee_list_d).toMatchObject({ read: bad + 5, loaded: 5, rejected: bad });
      const loaded = await s.store.all<{ feedetl_sn: string }>(`SELECT feedetl_sn FROM fee_list_d ORDER BY feedetl_sn`);
      expect(loaded.map((r) => r.feedetl_sn)).toEqual(['G0', 'G1', 'G2', 'G3', 'G4']);
    }
  });

  it('GB 11643 macro: accepts an X check character, rejects a wrong check digit and a short number', async () => {
    const s = await tempStore();
    cleanups.push(s.cleanup);
    await s.store.run(CERTNO_MACRO);
    const ok = await s.store.all(`SELECT _fw_certno_ok('11010519491231002X') AS a, _fw_certno_ok('110105194912310021') AS b, _fw_certno_ok('1101051949123100') AS c`);
    expect(ok).toEqual([{ a: true, b: false, c: false }]);
  });
});
