import { createWriteStream, type WriteStream } from 'node:fs';
import iconv from 'iconv-lite';

export type Cell = string | number | null | undefined;

function csvCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : v;
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV table written through a stream in ~1 MB chunks, waiting for 'drain' (bounded memory). */
export class TableWriter {
  private stream: WriteStream;
  private buf: string[] = [];
  private bufLen = 0;
  rows = 0;

  constructor(
    readonly path: string,
    readonly columns: readonly string[],
    /** `gb18030`: the bytes of a GBK-era export (`--gbk`); default UTF-8 without BOM. */
    readonly encoding: 'utf8' | 'gb18030' = 'utf8',
  ) {
    this.stream = createWriteStream(path);
    this.push(columns.join(',') + '\n');
  }

  private push(s: string): void {
    this.buf.push(s);
    this.bufLen += s.length;
  }

  row(values: readonly Cell[]): void {
    if (values.length !== this.columns.length) throw new Error(`${this.path}: row has ${values.length} cells, expected ${this.columns.length}`);
    this.push(values.map(csvCell).join(',') + '\n');
    this.rows++;
  }

  /** Writes the buffer out when it is large; awaits the stream's drain if it is full. */
  async maybeFlush(): Promise<void> {
    if (this.bufLen >= 1 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const chunk = this.buf.join('');
    this.buf = [];
    this.bufLen = 0;
    const bytes = this.encoding === 'gb18030' ? iconv.encode(chunk, 'gb18030') : Buffer.from(chunk, 'utf8');
    if (!this.stream.write(bytes)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

export const COLUMNS = {
  psn_info: ['psn_no', 'certno', 'psn_name', 'gend', 'brdy', 'insutype', 'psn_type', 'insu_admdvs', 'aid_category'],
  fixmedins: ['fixmedins_code', 'fixmedins_name', 'fixmedins_type', 'hosp_lv', 'admdvs', 'lat', 'lon'],
  mdtrt_d: ['mdtrt_id', 'psn_no', 'fixmedins_code', 'med_type', 'begntime', 'endtime', 'dscg_maindiag_code', 'dscg_maindiag_name', 'diag_codes', 'oprn_oprt_codes', 'ipt_days', 'dept_name', 'chfpdr_code'],
  setl_d: ['setl_id', 'mdtrt_id', 'psn_no', 'fixmedins_code', 'med_type', 'setl_time', 'medfee_sumamt', 'fulamt_ownpay_amt', 'overlmt_selfpay', 'preselfpay_amt', 'inscp_amt', 'hifp_pay', 'hifmi_pay', 'hifob_pay', 'maf_pay', 'othfund_pay', 'fund_pay_sumamt', 'acct_pay', 'cash_payamt', 'refd_setl_flag', 'init_setl_id'],
  fee_list_d: ['feedetl_sn', 'mdtrt_id', 'setl_id', 'psn_no', 'fixmedins_code', 'fee_ocur_time', 'med_list_codg', 'hilist_name', 'list_type', 'med_chrgitm_type', 'cnt', 'pric', 'det_item_fee_sumamt', 'pric_uplmt_amt', 'chrgitm_lv', 'bilg_dr_codg', 'bilg_dr_name', 'bilg_dept_name', 'prd_days', 'sin_dos_dscr', 'used_frqu_dscr', 'drug_trac_codg'],
  death_records: ['certno', 'die_date', 'source'],
  aid_roster: ['certno', 'aid_category', 'valid_from', 'valid_to'],
  med_catalog: ['med_list_codg', 'name', 'list_type', 'pric_uplmt_amt', 'max_days_supply', 'ingredient'],
} as const;

export type TableName = keyof typeof COLUMNS;
