import type { Store } from '../../../pipeline/store/store.ts';

/**
 * Bulk claim rows for the statistical detector tests, which need hundreds of visits: one INSERT per table
 * from a JSON array (ClaimFixtures inserts row by row). Each visit gets one settlement `S<mdtrt_id>` of
 * `cost` yuan (fund pays 70 %), and optionally one fee line `F<mdtrt_id>`.
 */
export interface BulkVisit {
  mdtrt_id: string;
  psn_no: string;
  fixmedins_code: string;
  med_type?: string;
  begntime: string;
  endtime?: string;
  dscg_maindiag_code?: string;
  diag_codes?: string | null;
  dscg_maindiag_name?: string | null;
  oprn_oprt_codes?: string | null;
  cost: number;
  fee?: { med_list_codg: string; name?: string; list_type?: string; cnt: number; pric: number; bilg_dr_codg?: string; prd_days?: number | null };
}

export async function bulkVisits(store: Store, visits: BulkVisit[]): Promise<void> {
  const rows = visits.map((v) => ({
    mdtrt_id: v.mdtrt_id,
    psn_no: v.psn_no,
    fixmedins_code: v.fixmedins_code,
    med_type: v.med_type ?? '11',
    begntime: v.begntime,
    endtime: v.endtime ?? v.begntime,
    diag: v.dscg_maindiag_code ?? 'J06.900',
    diag_codes: v.diag_codes ?? null,
    diag_name: v.dscg_maindiag_name ?? null,
    oprn: v.oprn_oprt_codes ?? null,
    cost: v.cost,
  }));
  const json = JSON.stringify(rows);
  const shape = `'[{"mdtrt_id":"VARCHAR","psn_no":"VARCHAR","fixmedins_code":"VARCHAR","med_type":"VARCHAR","begntime":"VARCHAR","endtime":"VARCHAR","diag":"VARCHAR","diag_codes":"VARCHAR","diag_name":"VARCHAR","oprn":"VARCHAR","cost":"DOUBLE"}]'`;
  const src = `(SELECT unnest(from_json($1::JSON, ${shape}), recursive := true))`;
  await store.run(
    `INSERT INTO mdtrt_d (mdtrt_id, psn_no, fixmedins_code, med_type, begntime, endtime, dscg_maindiag_code, dscg_maindiag_name, diag_codes,
       oprn_oprt_codes, batch_id, row_hash)
     SELECT mdtrt_id, psn_no, fixmedins_code, med_type, begntime::TIMESTAMP, endtime::TIMESTAMP, diag, diag_name, diag_codes, oprn, 'fixture', 0 FROM ${src}`,
    [json],
  );
  await store.run(
    `INSERT INTO setl_d (setl_id, mdtrt_id, psn_no, fixmedins_code, med_type, setl_time, medfee_sumamt, fulamt_ownpay_amt,
       overlmt_selfpay, preselfpay_amt, inscp_amt, hifp_pay, hifmi_pay, hifob_pay, maf_pay, othfund_pay, fund_pay_sumamt,
       acct_pay, cash_payamt, refd_setl_flag, init_setl_id, batch_id, row_hash)
     SELECT 'S' || mdtrt_id, mdtrt_id, psn_no, fixmedins_code, med_type, endtime::TIMESTAMP, cost, 0, 0, 0, cost,
       round(cost * 0.7, 2), 0, 0, 0, 0, round(cost * 0.7, 2), 0, cost - round(cost * 0.7, 2), 0, NULL, 'fixture', 0 FROM ${src}`,
    [json],
  );
  const fees = visits
    .filter((v) => v.fee)
    .map((v) => ({
      feedetl_sn: `F${v.mdtrt_id}`,
      mdtrt_id: v.mdtrt_id,
      psn_no: v.psn_no,
      fixmedins_code: v.fixmedins_code,
      t: v.begntime,
      med_list_codg: v.fee!.med_list_codg,
      name: v.fee!.name ?? null,
      list_type: v.fee!.list_type ?? '201',
      cnt: v.fee!.cnt,
      pric: v.fee!.pric,
      bilg_dr_codg: v.fee!.bilg_dr_codg ?? 'D1',
      prd_days: v.fee!.prd_days ?? null,
    }));
  if (fees.length === 0) return;
  await store.run(
    `INSERT INTO fee_list_d (feedetl_sn, mdtrt_id, setl_id, psn_no, fixmedins_code, fee_ocur_time, med_list_codg, hilist_name, list_type,
       cnt, pric, det_item_fee_sumamt, bilg_dr_codg, prd_days, batch_id, row_hash)
     SELECT feedetl_sn, mdtrt_id, 'S' || mdtrt_id, psn_no, fixmedins_code, t::TIMESTAMP, med_list_codg, name, list_type, cnt, pric,
       round(cnt * pric, 2), bilg_dr_codg, prd_days, 'fixture', 0
     FROM (SELECT unnest(from_json($1::JSON, '[{"feedetl_sn":"VARCHAR","mdtrt_id":"VARCHAR","psn_no":"VARCHAR","fixmedins_code":"VARCHAR","t":"VARCHAR","med_list_codg":"VARCHAR","name":"VARCHAR","list_type":"VARCHAR","cnt":"DOUBLE","pric":"DOUBLE","bilg_dr_codg":"VARCHAR","prd_days":"INTEGER"}]'), recursive := true))`,
    [JSON.stringify(fees)],
  );
}

/** Median and MAD as the detectors compute them (DuckDB median / mad), for expected peer numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function mad(xs: number[]): number {
  const m = median(xs);
  return median(xs.map((x) => Math.abs(x - m)));
}

export const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;
