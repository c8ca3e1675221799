import type { Store } from '../store/store.ts';

/**
 * TEMP views the detector SQL reads (detectors/types.ts): the contract tables with reversals left out.
 * A settlement is reversed when `refd_setl_flag = 1`, when it is an offset row (`init_setl_id` set), or when
 * an offset row points at it. Fee lines of reversed settlements go too, and so do visits whose every
 * settlement is reversed. `reversed_setl` is a TEMP table (small) so the views stay cheap.
 */
export async function createCleanViews(store: Store): Promise<void> {
  await store.run(`CREATE OR REPLACE TEMP TABLE reversed_setl AS
    SELECT setl_id FROM setl_d WHERE refd_setl_flag = 1 OR init_setl_id IS NOT NULL
    UNION SELECT init_setl_id FROM setl_d WHERE init_setl_id IS NOT NULL`);
  await store.run(`CREATE OR REPLACE TEMP VIEW clean_setl AS
    SELECT s.* FROM setl_d s ANTI JOIN reversed_setl r ON r.setl_id = s.setl_id`);
  await store.run(`CREATE OR REPLACE TEMP VIEW clean_fee AS
    SELECT f.* FROM fee_list_d f ANTI JOIN reversed_setl r ON r.setl_id = f.setl_id`);
  await store.run(`CREATE OR REPLACE TEMP TABLE reversed_visit AS
    SELECT mdtrt_id FROM setl_d GROUP BY mdtrt_id
    HAVING bool_and(setl_id IN (SELECT setl_id FROM reversed_setl))`);
  await store.run(`CREATE OR REPLACE TEMP VIEW clean_mdtrt AS
    SELECT m.* FROM mdtrt_d m ANTI JOIN reversed_visit r ON r.mdtrt_id = m.mdtrt_id`);
}

/**
 * The default run window: the span of the data (earliest to latest day over visit begin/end, settlement
 * and fee-line times). Null when there is no data.
 */
export async function dataSpan(store: Store): Promise<{ from: string; to: string } | null> {
  const row = await store.one<{ lo: string | null; hi: string | null }>(`
    SELECT least((SELECT min(begntime) FROM mdtrt_d), (SELECT min(setl_time) FROM setl_d), (SELECT min(fee_ocur_time) FROM fee_list_d))::DATE::VARCHAR AS lo,
           greatest((SELECT max(coalesce(endtime, begntime)) FROM mdtrt_d), (SELECT max(setl_time) FROM setl_d), (SELECT max(fee_ocur_time) FROM fee_list_d))::DATE::VARCHAR AS hi`);
  if (!row?.lo || !row.hi) return null;
  return { from: row.lo, to: row.hi };
}
