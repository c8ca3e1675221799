import { afterEach, describe, expect, it } from 'vitest';
import { ingestBatch } from '../../pipeline/ingest/ingest.ts';
import { tempDir, tempStore } from '../helpers.ts';
import { baseBatch, fee, settlement, visit, writeCsv, writeCsvBatch } from '../fixtures/ingest/batch.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('re-ingest', () => {
  it('the same batch again is a reported no-op; a changed row replaces the old one, which goes to history', async () => {
    const s = await tempStore();
    const d1 = tempDir('fw-b1-');
    const d2 = tempDir('fw-b2-');
    cleanups.push(s.cleanup, d1.cleanup, d2.cleanup);
    const store = s.store;
    writeCsvBatch(d1.dir, baseBatch());
    const first = await ingestBatch(store, d1.dir);
    expect(first.status).toBe('loaded');

    const again = await ingestBatch(store, d1.dir);
    expect(again).toMatchObject({ batch_id: first.batch_id, status: 'duplicate', tables: {} });
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM fee_list_d`)).toBe(2);
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM batches`)).toBe(1);

    // Late correction: F2's amount changes, F1 and the visit are sent again unchanged, F3 is new.
    writeCsv(d2.dir, 'mdtrt_d.csv', [visit()]);
    writeCsv(d2.dir, 'setl_d.csv', [settlement({ medfee_sumamt: '35.00', cash_payamt: '15.00' })]);
    writeCsv(d2.dir, 'fee_list_d.csv', [
      fee(),
      fee({ feedetl_sn: 'F2', med_list_codg: '001102000050000', hilist_name: '床位费', list_type: '201', med_chrgitm_type: '01', cnt: '1', pric: '15.00', det_item_fee_sumamt: '15.00', prd_days: null }),
      fee({ feedetl_sn: 'F3' }),
    ]);
    const second = await ingestBatch(store, d2.dir);
    expect(second.batch_id).not.toBe(first.batch_id);
    expect(second.tables.fee_list_d).toEqual({ read: 3, loaded: 1, updated: 1, unchanged: 1, rejected: 0, warnings: 0, resolved_pending: 0, pending: 0 });
    expect(second.tables.mdtrt_d).toMatchObject({ read: 1, loaded: 0, updated: 0, unchanged: 1 });
    expect(second.tables.setl_d).toMatchObject({ read: 1, loaded: 0, updated: 1, unchanged: 0 });
    expect(await store.all(`SELECT feedetl_sn, det_item_fee_sumamt::DOUBLE AS amt, batch_id FROM fee_list_d ORDER BY 1`)).toEqual([
      { feedetl_sn: 'F1', amt: 20, batch_id: first.batch_id },
      { feedetl_sn: 'F2', amt: 15, batch_id: second.batch_id },
      { feedetl_sn: 'F3', amt: 20, batch_id: second.batch_id },
    ]);
    expect(await store.all(`SELECT feedetl_sn, det_item_fee_sumamt::DOUBLE AS amt, batch_id, replaced_by_batch FROM fee_list_d_history`)).toEqual([
      { feedetl_sn: 'F2', amt: 10, batch_id: first.batch_id, replaced_by_batch: second.batch_id },
    ]);
    expect(await store.all(`SELECT setl_id, medfee_sumamt::DOUBLE AS m, replaced_by_batch FROM setl_d_history`)).toEqual([
      { setl_id: 'S1', m: 30, replaced_by_batch: second.batch_id },
    ]);
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM mdtrt_d_history`)).toBe(0);
  });
});
