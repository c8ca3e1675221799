import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ingestBatch } from '../../pipeline/ingest/ingest.ts';
import { tempDir, tempStore } from '../helpers.ts';
import { baseBatch, writeCsvBatch } from '../fixtures/ingest/batch.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** Fee lines as a Parquet file with native column types (as exports from a database write them). */
async function writeTypedFees(path: string, values: string): Promise<void> {
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  await con.run(`COPY (SELECT feedetl_sn, 'V1' AS mdtrt_id, 'S1' AS setl_id, fee_ocur_time, 'X1' AS med_list_codg, cnt, pric, det_item_fee_sumamt, prd_days
    FROM (VALUES ${values}) v(feedetl_sn, fee_ocur_time, cnt, pric, det_item_fee_sumamt, prd_days)) TO '${path}' (FORMAT parquet)`);
  con.closeSync();
  inst.closeSync();
}

describe('natively typed Parquet', () => {
  it('checks native values without a text round trip and names the failing value', async () => {
    const s = await tempStore();
    const d = tempDir('fw-batch-');
    cleanups.push(s.cleanup, d.cleanup);
    const b = baseBatch();
    writeCsvBatch(d.dir, { psn_info: b.psn_info, fixmedins: b.fixmedins, mdtrt_d: b.mdtrt_d, setl_d: b.setl_d });
    const ts = (t: string) => `TIMESTAMP '2026-01-06 ${t}'`;
    // Both parts with the same native types: cnt DECIMAL(18,2), fee_ocur_time TIMESTAMP, prd_days BIGINT.
    await writeTypedFees(join(d.dir, 'fee_list_d.part1.parquet'), [
      `('F1', ${ts('10:00:00')}, 2.00::DECIMAL(18,2), 10.00::DECIMAL(18,2), 20.00::DECIMAL(18,2), 3::BIGINT)`,
      `('F2', ${ts('10:00:00')}, 123456789012.00::DECIMAL(18,2), 10.00::DECIMAL(18,2), 20.00::DECIMAL(18,2), 3::BIGINT)`, // cnt overflows DECIMAL(14, 4)
      `('F3', NULL, 1.00::DECIMAL(18,2), 10.00::DECIMAL(18,2), 12.00::DECIMAL(18,2), 99999999999::BIGINT)`, // no time; prd_days overflows INTEGER; amount mismatch
    ].join(', '));
    await writeTypedFees(join(d.dir, 'fee_list_d.part2.parquet'), `(NULL, ${ts('11:00:00')}, 1.00::DECIMAL(18,2), 5.00::DECIMAL(18,2), 5.00::DECIMAL(18,2), 1::BIGINT)`);
    const sum = await ingestBatch(s.store, d.dir);
    expect(sum.tables.fee_list_d).toMatchObject({ read: 4, loaded: 1, rejected: 3, warnings: 0 });
    expect(await s.store.all(`SELECT file, row_number, field, reason_code, message FROM rejects ORDER BY file, row_number, field`)).toEqual([
      { file: 'fee_list_d.part1.parquet', row_number: 2, field: 'cnt', reason_code: 'bad_type', message: '不是有效的数值 not a valid DECIMAL(14, 4) in cnt: 123456789012.00' },
      { file: 'fee_list_d.part1.parquet', row_number: 3, field: 'det_item_fee_sumamt', reason_code: 'amount_mismatch', message: '金额不等于数量×单价 line total ≠ cnt × pric: 12.00 ≠ 1.0000 × 10.0000' },
      { file: 'fee_list_d.part1.parquet', row_number: 3, field: 'fee_ocur_time', reason_code: 'missing_required', message: '缺少必填字段 missing required field fee_ocur_time' },
      { file: 'fee_list_d.part1.parquet', row_number: 3, field: 'prd_days', reason_code: 'bad_type', message: '不是有效的数值 not a valid INTEGER in prd_days: 99999999999' },
      { file: 'fee_list_d.part2.parquet', row_number: 1, field: 'feedetl_sn', reason_code: 'missing_required', message: '缺少必填字段 missing required field feedetl_sn' },
    ]);
    expect(await s.store.all(`SELECT feedetl_sn, cnt::DOUBLE AS cnt, prd_days, strftime(fee_ocur_time, '%H:%M') AS t FROM fee_list_d`)).toEqual([
      { feedetl_sn: 'F1', cnt: 2, prd_days: 3, t: '10:00' },
    ]);
  });
});
