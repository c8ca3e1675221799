/**
 * Field-by-field checks of the JSON shapes in ../shared/docs/interfaces.md. Each checker returns a list of
 * problems ("alerts[3].peer.size: expected number, got string"); an empty list means the shape holds.
 * Extra fields are allowed (shapes are extended, never renamed).
 */
export type Problems = string[];
type Check = (v: unknown, path: string, out: Problems) => void;

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/;

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}
function want(ok: boolean, path: string, what: string, v: unknown, out: Problems): void {
  if (!ok) out.push(`${path}: expected ${what}, got ${JSON.stringify(v) ?? typeName(v)}`);
}

export const str: Check = (v, p, o) => want(typeof v === 'string' && v !== '', p, 'non-empty string', v, o);
export const num: Check = (v, p, o) => want(typeof v === 'number' && Number.isFinite(v), p, 'number', v, o);
export const int: Check = (v, p, o) => want(Number.isInteger(v) && (v as number) >= 0, p, 'non-negative integer', v, o);
export const bool: Check = (v, p, o) => want(typeof v === 'boolean', p, 'boolean', v, o);
export const isNull: Check = (v, p, o) => want(v === null, p, 'null', v, o);
/** Any JSON value (the key must still be present). */
export const anyValue: Check = () => undefined;
export const obj: Check = (v, p, o) => want(typeName(v) === 'object', p, 'object', v, o);
/** Money: a number in yuan with at most 2 decimals. */
export const money: Check = (v, p, o) =>
  want(typeof v === 'number' && Number.isFinite(v) && Math.abs(Math.round(v * 100) - v * 100) < 1e-6, p, 'money (number, ≤ 2 decimals)', v, o);
export const date: Check = (v, p, o) => want(typeof v === 'string' && DATE.test(v), p, 'date YYYY-MM-DD', v, o);
export const month: Check = (v, p, o) => want(typeof v === 'string' && MONTH.test(v), p, 'month YYYY-MM', v, o);
export const time: Check = (v, p, o) => want(typeof v === 'string' && TIME.test(v), p, 'time YYYY-MM-DDTHH:MM:SS+08:00', v, o);
export const oneOf = (...values: string[]): Check => (v, p, o) => want(values.includes(v as string), p, values.join('|'), v, o);
export const nullable = (c: Check): Check => (v, p, o) => {
  if (v !== null) c(v, p, o);
};
export const arrayOf = (c: Check): Check => (v, p, o) => {
  if (!Array.isArray(v)) return want(false, p, 'array', v, o);
  v.forEach((x, i) => c(x, `${p}[${i}]`, o));
};
export const recordOf = (c: Check): Check => (v, p, o) => {
  if (typeName(v) !== 'object') return want(false, p, 'object', v, o);
  for (const [k, x] of Object.entries(v as object)) c(x, `${p}.${k}`, o);
};
/** An object that has every listed key (present even when null) with the given check. */
export const shape = (fields: Record<string, Check>): Check => (v, p, o) => {
  if (typeName(v) !== 'object') return want(false, p, 'object', v, o);
  const rec = v as Record<string, unknown>;
  for (const [k, c] of Object.entries(fields)) {
    if (!(k in rec)) o.push(`${p}.${k}: missing`);
    else c(rec[k], `${p}.${k}`, o);
  }
};

export const FAMILIES = ['impersonation', 'upcoding', 'prescription', 'high_cost', 'billing', 'admission', 'provider_pattern', 'data_quality'];

export const alert = shape({
  alert_id: str, run_id: str, family: oneOf(...FAMILIES), detector_id: str, detector_version: int, gz_code: nullable(str),
  result_type: oneOf('violation', 'suspicious'), title_zh: str, subject_type: oneOf('person', 'provider', 'physician', 'visit'),
  psn_no: nullable(str), fixmedins_code: nullable(str), bilg_dr_codg: nullable(str), mdtrt_id: nullable(str), setl_id: nullable(str),
  feedetl_sn: arrayOf(str), admdvs: str, measured: obj, threshold: obj,
  peer: nullable(shape({ group: str, size: int, median: num, spread: num, score: num })),
  amount_at_risk: money, params_hash: str, legal_basis: str, status: oneOf('open', 'withdrawn', 'suppressed'), created_at: time,
});

export const detector = shape({
  detector_id: str, family: oneOf(...FAMILIES), version: int, gz_code: nullable(str), title_zh: str, title_en: str,
  result_type: oneOf('violation', 'suspicious'), legal_basis: str,
  params: recordOf(shape({ value: anyValue, unit: str, default: anyValue })),
});

export const rankRow = (subject: 'provider' | 'physician'): Check => shape({
  subject_type: oneOf(subject), fixmedins_code: str, bilg_dr_codg: subject === 'physician' ? str : isNull,
  admdvs: str, risk_score: num, alerts: int, families: arrayOf(oneOf(...FAMILIES)), amount_at_risk: money,
});

export const caseRow = shape({
  case_id: str, subject_type: oneOf('person', 'provider', 'physician'), psn_no: nullable(str), fixmedins_code: nullable(str),
  bilg_dr_codg: nullable(str), admdvs: str, risk_score: num, status: str, alert_count: int, amount_at_risk: money,
  opened_at: time, updated_at: time,
});

export const referral = shape({
  referral_id: str, month, psn_no: str, psn_name_masked: str, certno_masked: str, insu_admdvs: str, aid_category: str,
  threshold: money, ytd_total_cost: money, ytd_fund_paid: money, ytd_critical_illness_paid: money, ytd_assistance_paid: money,
  ytd_out_of_pocket: money, stays: int, main_diagnoses: arrayOf(str), department: nullable(str), delivery_status: str,
});

const TABLE_COUNTS = shape({ read: int, loaded: int, updated: int, unchanged: int, rejected: int, warnings: int });
export const ingestResult = shape({
  batch_id: str, status: oneOf('loaded', 'duplicate', 'failed'), tables: recordOf(TABLE_COUNTS),
  top_reasons: arrayOf(shape({ reason_code: str, count: int })),
});

/** Problems of one value against a checker. */
export function check(c: Check, v: unknown, path = '$'): Problems {
  const out: Problems = [];
  c(v, path, out);
  return out;
}

/** Parses JSON Lines strictly: every non-empty line must be one JSON object; throws naming the line. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  if (stdout !== '' && !stdout.endsWith('\n')) throw new Error('JSON Lines output does not end with a newline');
  return stdout.split('\n').slice(0, -1).map((line, i) => {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new Error(`stdout line ${i + 1} is not JSON: ${line.slice(0, 200)}`);
    }
    if (typeName(v) !== 'object') throw new Error(`stdout line ${i + 1} is not a JSON object`);
    return v as Record<string, unknown>;
  });
}

/** Exactly one JSON object on stdout. */
export function oneObject(stdout: string): Record<string, unknown> {
  const rows = jsonLines(stdout);
  if (rows.length !== 1) throw new Error(`expected one JSON object on stdout, got ${rows.length} lines`);
  return rows[0]!;
}
