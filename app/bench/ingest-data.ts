import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import iconv from 'iconv-lite';
import { DuckDBInstance } from '@duckdb/node-api';

/**
 * A synthetic, consistent batch for the ingest benchmark, written by DuckDB `COPY … TO` (fast): N fee lines,
 * N/8 visits and settlements, N/32 persons, 200 providers. One line in 1000 has a line total ≠ cnt × pric (a
 * warning), so the reject path runs too. Formats: parquet/, csv/ (UTF-8), gbk/ (the CSV transcoded to GBK).
 */
export interface BenchBatch {
  parquet: string;
  csv: string;
  gbk: string;
  rows: number;
  feeLines: number;
}

const TABLES = ['psn_info', 'fixmedins', 'mdtrt_d', 'setl_d', 'fee_list_d'];

function selects(lines: number): Record<string, string> {
  const visits = Math.max(1, Math.ceil(lines / 8));
  const persons = Math.max(1, Math.ceil(visits / 4));
  const first17 = `'42100019800101' || lpad((i % 1000)::VARCHAR, 3, '0')`;
  const check = `substr('10X98765432', (list_sum(list_transform(range(17), lambda k: (ascii((${first17})[k + 1]) - 48) * [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2][k + 1])) % 11)::INTEGER + 1, 1)`;
  const t0 = `TIMESTAMP '2026-01-01 08:00:00'`;
  return {
    psn_info: `SELECT 'P' || i AS psn_no, ${first17} || ${check} AS certno, '参保人' || i AS psn_name, (1 + i % 2)::VARCHAR AS gend,
        DATE '1950-01-01' + (i % 20000)::INTEGER AS brdy, ['310', '390'][1 + i % 2] AS insutype, '1101' AS psn_type, '421000' AS insu_admdvs, NULL::VARCHAR AS aid_category
      FROM range(${persons}) t(i)`,
    fixmedins: `SELECT 'H' || i AS fixmedins_code, '测试医院' || i AS fixmedins_name, 'hospital' AS fixmedins_type, lpad((1 + i % 11)::VARCHAR, 2, '0') AS hosp_lv,
        '421000' AS admdvs, 30.0 + i / 1000 AS lat, 112.0 + i / 1000 AS lon FROM range(200) t(i)`,
    mdtrt_d: `SELECT 'V' || i AS mdtrt_id, 'P' || (i % ${persons}) AS psn_no, 'H' || (i % 200) AS fixmedins_code, ['11', '21', '13', '14'][1 + i % 4] AS med_type,
        ${t0} + to_seconds(i % 15552000) AS begntime, ${t0} + to_seconds(i % 15552000 + 7200) AS endtime, 'J18.900' AS dscg_maindiag_code,
        '肺炎' AS dscg_maindiag_name, NULL::VARCHAR AS diag_codes, NULL::VARCHAR AS oprn_oprt_codes, (i % 10)::INTEGER AS ipt_days, '内科' AS dept_name, 'D' || (i % 5000) AS chfpdr_code
      FROM range(${visits}) t(i)`,
    setl_d: `SELECT 'S' || i AS setl_id, 'V' || i AS mdtrt_id, 'P' || (i % ${persons}) AS psn_no, 'H' || (i % 200) AS fixmedins_code, ['11', '21', '13', '14'][1 + i % 4] AS med_type,
        ${t0} + to_seconds(i % 15552000 + 7300) AS setl_time, 800.00::DECIMAL(14, 2) AS medfee_sumamt, 0.00::DECIMAL(14, 2) AS fulamt_ownpay_amt, 0.00::DECIMAL(14, 2) AS overlmt_selfpay,
        0.00::DECIMAL(14, 2) AS preselfpay_amt, 800.00::DECIMAL(14, 2) AS inscp_amt, 560.00::DECIMAL(14, 2) AS hifp_pay, 0.00::DECIMAL(14, 2) AS hifmi_pay, 0.00::DECIMAL(14, 2) AS hifob_pay,
        0.00::DECIMAL(14, 2) AS maf_pay, 0.00::DECIMAL(14, 2) AS othfund_pay, 560.00::DECIMAL(14, 2) AS fund_pay_sumamt, 0.00::DECIMAL(14, 2) AS acct_pay, 240.00::DECIMAL(14, 2) AS cash_payamt,
        0 AS refd_setl_flag, NULL::VARCHAR AS init_setl_id
      FROM range(${visits}) t(i)`,
    fee_list_d: `SELECT 'F' || i AS feedetl_sn, 'V' || (i // 8) AS mdtrt_id, 'S' || (i // 8) AS setl_id, 'P' || ((i // 8) % ${persons}) AS psn_no, 'H' || ((i // 8) % 200) AS fixmedins_code,
        ${t0} + to_seconds((i // 8) % 15552000 + 600) AS fee_ocur_time, 'XJ01CAA040A0010101' || lpad((i % 997)::VARCHAR, 5, '0') AS med_list_codg,
        ['阿莫西林胶囊', '头孢克肟片', '床位费', '一次性输液器'][1 + i % 4] AS hilist_name, ['101', '101', '201', '301'][1 + i % 4] AS list_type,
        ['09', '09', '01', '08'][1 + i % 4] AS med_chrgitm_type, (1 + i % 5)::DECIMAL(14, 4) AS cnt, ((1 + i % 97) * 1.5)::DECIMAL(14, 4) AS pric,
        (round((1 + i % 5) * (1 + i % 97) * 1.5, 2) + CASE WHEN i % 1000 = 999 THEN 1 ELSE 0 END)::DECIMAL(14, 2) AS det_item_fee_sumamt,
        NULL::DECIMAL(14, 4) AS pric_uplmt_amt, '01' AS chrgitm_lv, 'D' || (i % 5000) AS bilg_dr_codg, '医生' || (i % 5000) AS bilg_dr_name, '内科' AS bilg_dept_name,
        (i % 7)::INTEGER AS prd_days, '0.5g' AS sin_dos_dscr, 'tid' AS used_frqu_dscr, NULL::VARCHAR AS drug_trac_codg
      FROM range(${lines}) t(i)`,
  };
}

function done(dir: string): boolean {
  return existsSync(join(dir, '_SUCCESS'));
}

/** Generates (or reuses) the benchmark batch under `<dataDir>/ingest-<lines>/`. */
export async function benchBatch(dataDir: string, lines: number, log: (s: string) => void): Promise<BenchBatch> {
  const root = join(dataDir, `ingest-${lines}`);
  const b: BenchBatch = { parquet: join(root, 'parquet'), csv: join(root, 'csv'), gbk: join(root, 'gbk'), rows: 0, feeLines: lines };
  const sql = selects(lines);
  if (!(done(b.parquet) && done(b.csv) && done(b.gbk))) {
    log(`生成基准数据 generating ${lines} fee lines under ${root}`);
    rmSync(root, { recursive: true, force: true });
    for (const d of [b.parquet, b.csv, b.gbk]) mkdirSync(d, { recursive: true });
    const inst = await DuckDBInstance.create(':memory:', { memory_limit: '2GB' });
    const con = await inst.connect();
    try {
      for (const t of TABLES) {
        await con.run(`COPY (${sql[t]}) TO '${join(b.parquet, `${t}.parquet`)}' (FORMAT parquet)`);
        await con.run(`COPY (SELECT * FROM '${join(b.parquet, `${t}.parquet`)}') TO '${join(b.csv, `${t}.csv`)}' (FORMAT csv, HEADER)`);
        await pipeline(createReadStream(join(b.csv, `${t}.csv`), { highWaterMark: 1 << 20, encoding: 'utf8' }), iconv.encodeStream('gbk'), createWriteStream(join(b.gbk, `${t}.csv`)));
      }
    } finally {
      con.closeSync();
      inst.closeSync();
    }
    for (const d of [b.parquet, b.csv, b.gbk]) writeFileSync(join(d, '_SUCCESS'), '');
  } else log(`复用基准数据 reusing ${root}`);
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  for (const f of readdirSync(b.parquet).filter((n) => n.endsWith('.parquet'))) {
    const r = await con.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM '${join(b.parquet, f)}'`);
    b.rows += Number(r.getRowObjectsJS()[0].n);
  }
  con.closeSync();
  inst.closeSync();
  return b;
}
