import { afterEach, describe, expect, it } from 'vitest';
import { ingestBatch } from '../../pipeline/ingest/ingest.ts';
import { tempDir, tempStore } from '../helpers.ts';
import { fee, person, provider, settlement, visit, writeCsv } from '../fixtures/ingest/batch.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('orphans', () => {
  it('stay pending until their parent arrives in a later batch, then load and their rejects are resolved', async () => {
    const s = await tempStore();
    const [d1, d2, d3] = [tempDir('fw-b1-'), tempDir('fw-b2-'), tempDir('fw-b3-')];
    cleanups.push(s.cleanup, d1.cleanup, d2.cleanup, d3.cleanup);
    const store = s.store;
    // Batch 1: the visit's person is missing; the settlement and fee lines reference that visit.
    writeCsv(d1.dir, 'fixmedins.csv', [provider()]);
    writeCsv(d1.dir, 'mdtrt_d.csv', [visit()]);
    writeCsv(d1.dir, 'setl_d.csv', [settlement()]);
    writeCsv(d1.dir, 'fee_list_d.csv', [fee(), fee({ feedetl_sn: 'F2' })]);
    const b1 = await ingestBatch(store, d1.dir);
    expect(b1.tables.mdtrt_d).toMatchObject({ read: 1, loaded: 0, rejected: 1, pending: 1 });
    expect(b1.tables.setl_d).toMatchObject({ read: 1, loaded: 0, rejected: 1, pending: 1 });
    expect(b1.tables.fee_list_d).toMatchObject({ read: 2, loaded: 0, rejected: 2, pending: 2 });
    expect(await store.all(`SELECT table_name, row_number, field, status FROM rejects WHERE reason_code = 'orphan' ORDER BY 1, 2`)).toEqual([
      { table_name: 'fee_list_d', row_number: 1, field: 'mdtrt_id', status: 'pending' },
      { table_name: 'fee_list_d', row_number: 2, field: 'mdtrt_id', status: 'pending' },
      { table_name: 'mdtrt_d', row_number: 1, field: 'psn_no', status: 'pending' },
      { table_name: 'setl_d', row_number: 1, field: 'mdtrt_id', status: 'pending' },
    ]);

    // Batch 2: unrelated person; nothing resolves.
    writeCsv(d2.dir, 'psn_info.csv', [person({ psn_no: 'P9' })]);
    const b2 = await ingestBatch(store, d2.dir);
    expect(b2.tables.mdtrt_d).toBeUndefined();
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM fee_list_d_pending`)).toBe(2);

    // Batch 3: only the person arrives: the visit, then its settlement and fee lines load (parents first).
    writeCsv(d3.dir, 'psn_info.csv', [person()]);
    const b3 = await ingestBatch(store, d3.dir);
    expect(b3.tables.mdtrt_d).toMatchObject({ read: 0, loaded: 0, resolved_pending: 1 });
    expect(b3.tables.setl_d).toMatchObject({ resolved_pending: 1 });
    expect(b3.tables.fee_list_d).toMatchObject({ resolved_pending: 2 });
    expect(await store.all(`SELECT feedetl_sn, batch_id FROM fee_list_d ORDER BY 1`)).toEqual([
      { feedetl_sn: 'F1', batch_id: b3.batch_id },
      { feedetl_sn: 'F2', batch_id: b3.batch_id },
    ]);
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM mdtrt_d`)).toBe(1);
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM setl_d`)).toBe(1);
    for (const t of ['mdtrt_d', 'setl_d', 'fee_list_d']) expect(await store.scalar(`SELECT count(*)::INTEGER FROM ${t}_pending`)).toBe(0);
    expect(await store.all(`SELECT DISTINCT status, resolved_batch_id, batch_id FROM rejects WHERE reason_code = 'orphan'`)).toEqual([
      { status: 'resolved', resolved_batch_id: b3.batch_id, batch_id: b1.batch_id },
    ]);
  });

  it('a pending orphan is superseded when a later batch sends the same key with its parent', async () => {
    const s = await tempStore();
    const [d1, d2] = [tempDir('fw-b1-'), tempDir('fw-b2-')];
    cleanups.push(s.cleanup, d1.cleanup, d2.cleanup);
    writeCsv(d1.dir, 'fee_list_d.csv', [fee({ mdtrt_id: 'V1' })]);
    await ingestBatch(s.store, d1.dir);
    writeCsv(d2.dir, 'psn_info.csv', [person()]);
    writeCsv(d2.dir, 'fixmedins.csv', [provider()]);
    writeCsv(d2.dir, 'mdtrt_d.csv', [visit()]);
    writeCsv(d2.dir, 'fee_list_d.csv', [fee({ cnt: '3', det_item_fee_sumamt: '30.00' })]);
    const b2 = await ingestBatch(s.store, d2.dir);
    expect(b2.tables.fee_list_d).toMatchObject({ read: 1, loaded: 1, resolved_pending: 0 });
    expect(await s.store.all(`SELECT feedetl_sn, det_item_fee_sumamt::DOUBLE AS amt FROM fee_list_d`)).toEqual([{ feedetl_sn: 'F1', amt: 30 }]);
    expect(await s.store.scalar(`SELECT status FROM rejects WHERE reason_code = 'orphan'`)).toBe('superseded');
    expect(await s.store.scalar(`SELECT count(*)::INTEGER FROM fee_list_d_pending`)).toBe(0);
  });
});
