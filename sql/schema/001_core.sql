-- Core store: the data-contract tables (../shared/docs/data-contract.md), their history, batches and rejects.
-- Fact tables carry no PRIMARY KEY constraint: DuckDB's ART index makes bulk loads of 10 M rows slow and
-- memory-hungry, so key uniqueness is kept by the ingest merge (anti-join on the key) instead.
-- Every loaded row records the batch that last wrote it and a hash of its contract columns.

CREATE TABLE psn_info (
  psn_no VARCHAR NOT NULL,
  certno VARCHAR,
  psn_name VARCHAR,
  gend VARCHAR,
  brdy DATE,
  insutype VARCHAR,
  psn_type VARCHAR,
  insu_admdvs VARCHAR,
  aid_category VARCHAR,
  batch_id VARCHAR NOT NULL,
  row_hash UBIGINT NOT NULL
);

CREATE TABLE fixmedins (
  fixmedins_code VARCHAR NOT NULL,
  fixmedins_name VARCHAR,
  fixmedins_type VARCHAR,
  hosp_lv VARCHAR,
  admdvs VARCHAR,
  lat DOUBLE,
  lon DOUBLE,
  batch_id VARCHAR NOT NULL,
  row_hash UBIGINT NOT NULL
);

CREATE TABLE mdtrt_d (
  mdtrt_id VARCHAR NOT NULL,
  psn_no VARCHAR,
  fixmedins_code VARCHAR,
  med_type VARCHAR,
  begntime TIMESTAMP,
  endtime TIMESTAMP,
  dscg_maindiag_code VARCHAR,
  dscg_maindiag_name VARCHAR,
  diag_codes VARCHAR,
  oprn_oprt_codes VARCHAR,
  ipt_days INTEGER,
  dept_name VARCHAR,
  chfpdr_code VARCHAR,
  batch_id VARCHAR NOT NULL,
  row_hash UBIGINT NOT NULL
);

CREATE TABLE setl_d (
  setl_id VARCHAR NOT NULL,
  mdtrt_id VARCHAR,
  psn_no VARCHAR,
  fixmedins_code VARCHAR,
  med_type VARCHAR,
  setl_time TIMESTAMP,
  medfee_sumamt DECIMAL(14, 2),
  fulamt_ownpay_amt DECIMAL(14, 2),
  overlmt_selfpay DECIMAL(14, 2),
  preselfpay_amt DECIMAL(14, 2),
  inscp_amt DECIMAL(14, 2),
  hifp_pay DECIMAL(14, 2),
  hifmi_pay DECIMAL(14, 2),
  hifob_pay DECIMAL(14, 2),
  maf_pay DECIMAL(14, 2),
  othfund_pay DECIMAL(14, 2),
  fund_pay_sumamt DECIMAL(14, 2),
  acct_pay DECIMAL(14, 2),
  cash_payamt DECIMAL(14, 2),
  refd_setl_flag INTEGER,
  init_setl_id VARCHAR,
  batch_id VARCHAR NOT NULL,
  row_hash UBIGINT NOT NULL
);

CREATE TABLE fee_list_d (
  feedetl_sn VARCHAR NOT NULL,
  mdtrt_id VARCHAR,
  setl_id VARCHAR,
  psn_no VARCHAR,
  fixmedins_code VARCHAR,
  fee_ocur_time TIMESTAMP,
  med_list_codg VARCHAR,
  hilist_name VARCHAR,
  list_type VARCHAR,
  med_chrgitm_type VARCHAR,
  cnt DECIMAL(14, 4),
  pric DECIMAL(14, 4),
  det_item_fee_sumamt DECIMAL(14, 2),
  pric_uplmt_amt DECIMAL(14, 4),
  chrgitm_lv VARCHAR,
  bilg_dr_codg VARCHAR,
  bilg_dr_name VARCHAR,
  bilg_dept_name VARCHAR,
  prd_days INTEGER,
  sin_dos_dscr VARCHAR,
  used_frqu_dscr VARCHAR,
  drug_trac_codg VARCHAR,
  batch_id VARCHAR NOT NULL,
  row_hash UBIGINT NOT NULL
);

CREATE TABLE death_records (
  certno VARCHAR NOT NULL,
  die_date DATE,
  source VARCHAR,
  batch_id VARCHAR NOT NULL,
  row_hash UBIGINT NOT NULL
);

CREATE TABLE aid_roster (
  certno VARCHAR NOT NULL,
  aid_category VARCHAR NOT NULL,
  valid_from DATE NOT NULL,
  valid_to DATE,
  batch_id VARCHAR NOT NULL,
  row_hash UBIGINT NOT NULL
);

CREATE TABLE med_catalog (
  med_list_codg VARCHAR NOT NULL,
  name VARCHAR,
  list_type VARCHAR,
  pric_uplmt_amt DECIMAL(14, 4),
  max_days_supply INTEGER,
  ingredient VARCHAR,
  batch_id VARCHAR NOT NULL,
  row_hash UBIGINT NOT NULL
);

-- Older versions of rows replaced by a later batch (late corrections), with the batch that replaced them.
CREATE TABLE psn_info_history AS SELECT *, ''::VARCHAR AS replaced_by_batch, now() AS replaced_at FROM psn_info WHERE false;
CREATE TABLE fixmedins_history AS SELECT *, ''::VARCHAR AS replaced_by_batch, now() AS replaced_at FROM fixmedins WHERE false;
CREATE TABLE mdtrt_d_history AS SELECT *, ''::VARCHAR AS replaced_by_batch, now() AS replaced_at FROM mdtrt_d WHERE false;
CREATE TABLE setl_d_history AS SELECT *, ''::VARCHAR AS replaced_by_batch, now() AS replaced_at FROM setl_d WHERE false;
CREATE TABLE fee_list_d_history AS SELECT *, ''::VARCHAR AS replaced_by_batch, now() AS replaced_at FROM fee_list_d WHERE false;
CREATE TABLE death_records_history AS SELECT *, ''::VARCHAR AS replaced_by_batch, now() AS replaced_at FROM death_records WHERE false;
CREATE TABLE aid_roster_history AS SELECT *, ''::VARCHAR AS replaced_by_batch, now() AS replaced_at FROM aid_roster WHERE false;
CREATE TABLE med_catalog_history AS SELECT *, ''::VARCHAR AS replaced_by_batch, now() AS replaced_at FROM med_catalog WHERE false;

CREATE TABLE batches (
  batch_id VARCHAR PRIMARY KEY,          -- content hash of the batch's table files
  source_dir VARCHAR NOT NULL,
  status VARCHAR NOT NULL,               -- loaded | failed
  started_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ,
  files JSON,                            -- [{file, table, format, encoding, rows}]
  summary JSON,                          -- the ingest --json object
  mapping_profile VARCHAR,
  error VARCHAR
);

CREATE TABLE rejects (
  batch_id VARCHAR NOT NULL,
  table_name VARCHAR NOT NULL,
  file VARCHAR NOT NULL,
  row_number BIGINT NOT NULL,            -- 1-based data row; 0 = the whole file
  field VARCHAR,
  reason_code VARCHAR NOT NULL,
  severity VARCHAR NOT NULL,             -- error | warning
  message VARCHAR NOT NULL,
  raw JSON,
  status VARCHAR NOT NULL DEFAULT 'final', -- final | pending (orphans, retried) | resolved (loaded later)
  resolved_batch_id VARCHAR,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Orphan rows (a visit without its person/provider, a settlement or fee line without its visit), kept until
-- their parent arrives in a later batch; their rejects stay `pending` until then. batch_id = the batch that
-- carried the row; file/row_number = where it was read.
CREATE TABLE mdtrt_d_pending AS SELECT *, ''::VARCHAR AS file, 0::BIGINT AS row_number FROM mdtrt_d WHERE false;
CREATE TABLE setl_d_pending AS SELECT *, ''::VARCHAR AS file, 0::BIGINT AS row_number FROM setl_d WHERE false;
CREATE TABLE fee_list_d_pending AS SELECT *, ''::VARCHAR AS file, 0::BIGINT AS row_number FROM fee_list_d WHERE false;
