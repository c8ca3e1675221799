import type { Store } from '../store/store.ts';

/**
 * TEMP views the detector SQL reads (detectors/types.ts): the contract tables with reversals left out, and
 * `clean_fee_timed` (clean fee lines with `t`, the fee time or else the visit's begin).
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
  // A line without fee time is dated by its visit's begin. Visits are read only when some line lacks its time:
  // joined unconditionally, DuckDB hashes every visit (estimated small behind the anti-join) for no row.
  await store.run(`CREATE OR REPLACE TEMP VIEW clean_fee_timed AS
    SELECT f.*, f.fee_ocur_time AS t FROM clean_fee f WHERE f.fee_ocur_time IS NOT NULL
    UNION ALL
    SELECT f.*, m.begntime AS t FROM clean_fee f
    JOIN (SELECT mdtrt_id, begntime FROM clean_mdtrt WHERE EXISTS (SELECT 1 FROM clean_fee WHERE fee_ocur_time IS NULL)) m
      ON m.mdtrt_id = f.mdtrt_id
    WHERE f.fee_ocur_time IS NULL`);
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
