import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ingestBatch } from '../../pipeline/ingest/ingest.ts';
import { IngestError } from '../../pipeline/ingest/errors.ts';
import { Store } from '../../pipeline/store/store.ts';
import { tempDir, tempStore } from '../helpers.ts';
import { BAD_CERTNO, baseBatch, person, writeCsv, writeCsvBatch } from '../fixtures/ingest/batch.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const CONTRACT_COUNTS = `SELECT (SELECT count(*) FROM psn_info)::INTEGER AS psn, (SELECT count(*) FROM fixmedins)::INTEGER AS prov,
  (SELECT count(*) FROM mdtrt_d)::INTEGER AS visits, (SELECT count(*) FROM fee_list_d)::INTEGER AS fees,
  (SELECT count(*) FROM rejects)::INTEGER AS rejects, (SELECT count(*) FROM psn_info_history)::INTEGER AS hist`;

describe('atomic batches', () => {
  it('a failure after the first table is merged leaves the database as before; the same batch loads later', async () => {
    const s = await tempStore();
    const d = tempDir('fw-batch-');
    cleanups.push(s.cleanup, d.cleanup);
    const b = baseBatch();
    b.psn_info.push(person({ psn_no: 'P2', certno: BAD_CERTNO }));
    writeCsvBatch(d.dir, b);
    await expect(ingestBatch(s.store, d.dir, { failAfterFirstTable: true })).rejects.toThrow(/injected failure after merging psn_info/);
    expect(await s.store.one(CONTRACT_COUNTS)).toEqual({ psn: 0, prov: 0, visits: 0, fees: 0, rejects: 0, hist: 0 });
    const failed = await s.store.one<{ status: string; error: string }>(`SELECT status, error FROM batches`);
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatch(/injected failure/);
    // No work tables are left behind on the connection.
    expect(await s.store.scalar(`SELECT count(*)::INTEGER FROM duckdb_tables() WHERE temporary`)).toBe(0);

    const ok = await ingestBatch(s.store, d.dir);
    expect(ok.status).toBe('loaded');
    expect(await s.store.one(CONTRACT_COUNTS)).toEqual({ psn: 2, prov: 1, visits: 1, fees: 2, rejects: 1, hist: 0 });
    expect(await s.store.scalar(`SELECT status FROM batches`)).toBe('loaded');
  });

  it('env hook: reopening the file after the failure shows nothing committed', async () => {
    const s = await tempStore();
    const d = tempDir('fw-batch-');
    cleanups.push(s.cleanup, d.cleanup);
    writeCsvBatch(d.dir, baseBatch());
    const db = s.store.path;
    s.store.close();
    process.env.FUNDWATCH_INGEST_FAIL_AFTER_FIRST_TABLE = '1';
    try {
      const store = await Store.open(db);
      await expect(ingestBatch(store, d.dir)).rejects.toThrow(IngestError);
      store.close();
    } finally {
      delete process.env.FUNDWATCH_INGEST_FAIL_AFTER_FIRST_TABLE;
    }
    const reopened = await Store.open(db);
    try {
      expect(await reopened.one(CONTRACT_COUNTS)).toEqual({ psn: 0, prov: 0, visits: 0, fees: 0, rejects: 0, hist: 0 });
    } finally {
      reopened.close();
    }
  });

  it('a hard crash (process killed mid-load, after the first table) commits nothing', async () => {
    const s = await tempStore();
    const d = tempDir('fw-batch-');
    cleanups.push(s.cleanup, d.cleanup);
    writeCsvBatch(d.dir, baseBatch());
    const db = s.store.path;
    s.store.close();
    const r = spawnSync(process.execPath, ['app/cli/fundwatch.js', 'ingest', d.dir, '--db', db], {
      env: { ...process.env, FUNDWATCH_INGEST_CRASH_AFTER_FIRST_TABLE: '1' },
      encoding: 'utf8',
    });
    expect(r.signal).toBe('SIGKILL');
    const reopened = await Store.open(db);
    try {
      expect(await reopened.one(CONTRACT_COUNTS)).toEqual({ psn: 0, prov: 0, visits: 0, fees: 0, rejects: 0, hist: 0 });
      expect(await reopened.scalar(`SELECT count(*)::INTEGER FROM batches`)).toBe(0);
    } finally {
      reopened.close();
    }
  });

  it('an unreadable file fails the whole batch with a one-line error naming the file', async () => {
    const s = await tempStore();
    const d = tempDir('fw-batch-');
    cleanups.push(s.cleanup, d.cleanup);
    writeCsvBatch(d.dir, baseBatch());
    writeFileSync(join(d.dir, 'med_catalog.parquet'), 'this is not parquet');
    const err = await ingestBatch(s.store, d.dir).catch((e: Error) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as Error).message).toMatch(/^med_catalog\.parquet: 无法读取文件 cannot read file \(parquet\): /);
    expect((err as Error).message).not.toContain('\n');
    expect(await s.store.one(CONTRACT_COUNTS)).toEqual({ psn: 0, prov: 0, visits: 0, fees: 0, rejects: 0, hist: 0 });
  });

  it('an unknown table name or unsupported format is a one-line error', async () => {
    const s = await tempStore();
    const d = tempDir('fw-batch-');
    cleanups.push(s.cleanup, d.cleanup);
    writeCsv(d.dir, 'feiyong.csv', baseBatch().fee_list_d);
    await expect(ingestBatch(s.store, d.dir)).rejects.toThrow(/^feiyong\.csv: 未知的表名 unknown table "feiyong"/);
    const d2 = tempDir('fw-batch-');
    cleanups.push(d2.cleanup);
    writeFileSync(join(d2.dir, 'fee_list_d.xlsx'), 'x');
    await expect(ingestBatch(s.store, d2.dir)).rejects.toThrow(/^fee_list_d\.xlsx: 不支持的文件格式 unsupported file format "\.xlsx"/);
  });
  it('a CSV file that reads otherwise for the merge than for the checks fails the batch instead of losing or adding rows', async () => {
    const s = await tempStore();
    const d = tempDir('fw-batch-');
    const tmp = tempDir('fw-tmp-');
    cleanups.push(s.cleanup, d.cleanup, tmp.cleanup);
    writeCsvBatch(d.dir, baseBatch());
    const before = process.env.TMPDIR;
    process.env.TMPDIR = tmp.dir;
    try {
      const run = ingestBatch(s.store, d.dir, {
        onProgress: (p) => {
          if (p.phase !== 'merge' || p.table !== 'fee_list_d') return;
          // The numbered copy of fee_list_d.csv changes between the checks' read and the merge's: one row more.
          const [work] = readdirSync(tmp.dir).filter((n) => n.startsWith('fw-ingest-'));
          const copy = readdirSync(join(tmp.dir, work)).map((n) => join(tmp.dir, work, n)).find((f) => readFileSync(f, 'utf8').includes('feedetl_sn'))!;
          const last = readFileSync(copy, 'utf8').trimEnd().split('\n').pop()!;
          appendFileSync(copy, last.replace(/^\d+,[^,]*/, '99,F-extra') + '\n');
        },
      });
      await expect(run).rejects.toThrow(/^fee_list_d: 合并读到的行数与检查时不同 the merge read 3 accepted rows, the checks 2; 批次未导入 batch not loaded$/);
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
    expect(await s.store.one(CONTRACT_COUNTS)).toEqual({ psn: 0, prov: 0, visits: 0, fees: 0, rejects: 0, hist: 0 });
    expect(await s.store.scalar(`SELECT status FROM batches`)).toBe('failed');
    expect(readdirSync(tmp.dir)).toEqual([]); // the copies are removed
  });
});
