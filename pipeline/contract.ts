/**
 * The data contract (../shared/docs/data-contract.md) as data: the input tables, their fields and types,
 * keys, required fields, accepted code values and parent links. Ingest validates against this; the
 * storage types match sql/schema/001_core.sql.
 */

export type FieldType = 'varchar' | 'date' | 'timestamp' | 'money' | 'decimal4' | 'integer' | 'double';

export interface FieldDef {
  name: string;
  type: FieldType;
  /** Empty value → `missing_required` (error). Key fields are always required. */
  required?: boolean;
  /** Accepted code values (unknown → `unknown_code`, warning). */
  codes?: CodeSet;
}

export interface CodeSet {
  name: string;
  /** Exact accepted values. */
  values: readonly string[];
  /** Also accepted: values matching this regular expression (DuckDB regexp syntax). */
  pattern?: string;
}

export interface ParentLink {
  /** Fields of this table that must name an existing row of `table`. */
  fields: string[];
  table: ContractTableName;
  parentKey: string[];
}

export interface TableDef {
  name: ContractTableName;
  key: string[];
  fields: FieldDef[];
  /** Rows whose parent is in neither the database nor the batch are `orphan` (pending, retried). */
  parents: ParentLink[];
}

export const GEND_CODES: CodeSet = { name: 'gend', values: ['0', '1', '2', '9'] };
export const INSUTYPE_CODES: CodeSet = { name: 'insutype', values: ['310', '320', '330', '340', '390', '391', '392'] };
export const MED_TYPE_CODES: CodeSet = {
  name: 'med_type',
  values: ['11', '13', '14', '140104', '140201', '21', '28', '41'],
  pattern: '^(1[1-4]|2[1-8]|41|5[12]|71|99)',
};
export const LIST_TYPE_CODES: CodeSet = { name: 'list_type', values: ['101', '102', '201', '301'] };
export const HOSP_LV_CODES: CodeSet = {
  name: 'hosp_lv',
  values: ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13', '14'],
};

const v = (name: string, extra: Partial<FieldDef> = {}): FieldDef => ({ name, type: 'varchar', ...extra });
const money = (name: string, extra: Partial<FieldDef> = {}): FieldDef => ({ name, type: 'money', ...extra });

export const CONTRACT_TABLES = [
  'psn_info',
  'fixmedins',
  'mdtrt_d',
  'setl_d',
  'fee_list_d',
  'death_records',
  'aid_roster',
  'med_catalog',
] as const;
export type ContractTableName = (typeof CONTRACT_TABLES)[number];

/** In dependency order: parents before children. */
export const CONTRACT: Record<ContractTableName, TableDef> = {
  psn_info: {
    name: 'psn_info',
    key: ['psn_no'],
    parents: [],
    fields: [
      v('psn_no'), v('certno'), v('psn_name'), v('gend', { codes: GEND_CODES }), { name: 'brdy', type: 'date' },
      v('insutype', { codes: INSUTYPE_CODES }), v('psn_type'), v('insu_admdvs'), v('aid_category'),
    ],
  },
  fixmedins: {
    name: 'fixmedins',
    key: ['fixmedins_code'],
    parents: [],
    fields: [
      v('fixmedins_code'), v('fixmedins_name'), v('fixmedins_type'), v('hosp_lv', { codes: HOSP_LV_CODES }), v('admdvs'),
      { name: 'lat', type: 'double' }, { name: 'lon', type: 'double' },
    ],
  },
  mdtrt_d: {
    name: 'mdtrt_d',
    key: ['mdtrt_id'],
    parents: [
      { fields: ['psn_no'], table: 'psn_info', parentKey: ['psn_no'] },
      { fields: ['fixmedins_code'], table: 'fixmedins', parentKey: ['fixmedins_code'] },
    ],
    fields: [
      v('mdtrt_id'), v('psn_no', { required: true }), v('fixmedins_code', { required: true }),
      v('med_type', { required: true, codes: MED_TYPE_CODES }),
      { name: 'begntime', type: 'timestamp', required: true }, { name: 'endtime', type: 'timestamp' },
      v('dscg_maindiag_code'), v('dscg_maindiag_name'), v('diag_codes'), v('oprn_oprt_codes'),
      { name: 'ipt_days', type: 'integer' }, v('dept_name'), v('chfpdr_code'),
    ],
  },
  setl_d: {
    name: 'setl_d',
    key: ['setl_id'],
    parents: [{ fields: ['mdtrt_id'], table: 'mdtrt_d', parentKey: ['mdtrt_id'] }],
    fields: [
      v('setl_id'), v('mdtrt_id', { required: true }), v('psn_no'), v('fixmedins_code'), v('med_type', { codes: MED_TYPE_CODES }),
      { name: 'setl_time', type: 'timestamp', required: true },
      money('medfee_sumamt', { required: true }), money('fulamt_ownpay_amt'), money('overlmt_selfpay'), money('preselfpay_amt'),
      money('inscp_amt'), money('hifp_pay'), money('hifmi_pay'), money('hifob_pay'), money('maf_pay'), money('othfund_pay'),
      money('fund_pay_sumamt'), money('acct_pay'), money('cash_payamt'),
      { name: 'refd_setl_flag', type: 'integer' }, v('init_setl_id'),
    ],
  },
  fee_list_d: {
    name: 'fee_list_d',
    key: ['feedetl_sn'],
    parents: [{ fields: ['mdtrt_id'], table: 'mdtrt_d', parentKey: ['mdtrt_id'] }],
    fields: [
      v('feedetl_sn'), v('mdtrt_id', { required: true }), v('setl_id'), v('psn_no'), v('fixmedins_code'),
      { name: 'fee_ocur_time', type: 'timestamp', required: true }, v('med_list_codg', { required: true }), v('hilist_name'),
      v('list_type', { codes: LIST_TYPE_CODES }), v('med_chrgitm_type'),
      { name: 'cnt', type: 'decimal4' }, { name: 'pric', type: 'decimal4' }, money('det_item_fee_sumamt', { required: true }),
      { name: 'pric_uplmt_amt', type: 'decimal4' }, v('chrgitm_lv'), v('bilg_dr_codg'), v('bilg_dr_name'), v('bilg_dept_name'),
      { name: 'prd_days', type: 'integer' }, v('sin_dos_dscr'), v('used_frqu_dscr'), v('drug_trac_codg'),
    ],
  },
  death_records: {
    name: 'death_records',
    key: ['certno'],
    parents: [],
    fields: [v('certno'), { name: 'die_date', type: 'date' }, v('source')],
  },
  aid_roster: {
    name: 'aid_roster',
    key: ['certno', 'aid_category', 'valid_from'],
    parents: [],
    fields: [v('certno'), v('aid_category'), { name: 'valid_from', type: 'date' }, { name: 'valid_to', type: 'date' }],
  },
  med_catalog: {
    name: 'med_catalog',
    key: ['med_list_codg'],
    parents: [],
    fields: [
      v('med_list_codg'), v('name'), v('list_type', { codes: LIST_TYPE_CODES }), { name: 'pric_uplmt_amt', type: 'decimal4' },
      { name: 'max_days_supply', type: 'integer' }, v('ingredient'),
    ],
  },
};

export function isContractTable(name: string): name is ContractTableName {
  return (CONTRACT_TABLES as readonly string[]).includes(name);
}

export function fieldNames(table: ContractTableName): string[] {
  return CONTRACT[table].fields.map((f) => f.name);
}

/** DuckDB storage type of a field (as in 001_core.sql). */
export function sqlType(type: FieldType): string {
  switch (type) {
    case 'varchar': return 'VARCHAR';
    case 'date': return 'DATE';
    case 'timestamp': return 'TIMESTAMP';
    case 'money': return 'DECIMAL(14, 2)';
    case 'decimal4': return 'DECIMAL(14, 4)';
    case 'integer': return 'INTEGER';
    case 'double': return 'DOUBLE';
  }
}

/** Tables that can hold orphan rows pending their parent (`<table>_pending`). */
export const TABLES_WITH_PARENTS: ContractTableName[] = CONTRACT_TABLES.filter((t) => CONTRACT[t].parents.length > 0);
