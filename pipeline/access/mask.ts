/**
 * The one masking of personal identities (names and ID numbers) for everyone who may not see them in full.
 * Unmasked views are a separate, audited decision (policy.ts `mayUnmask`).
 */

/** 张三 → 张*, 欧阳娜娜 → 欧***. */
export function maskName(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return null;
  const chars = [...name];
  return chars[0] + '*'.repeat(Math.max(chars.length - 1, 1));
}

/** 110101199003074514 → 110101********4514 (region and last four kept); short numbers keep two characters. */
export function maskCertno(certno: unknown): string | null {
  if (typeof certno !== 'string' || certno.length === 0) return null;
  if (certno.length <= 10) return certno.slice(0, 2) + '*'.repeat(Math.max(certno.length - 2, 1));
  return certno.slice(0, 6) + '*'.repeat(certno.length - 10) + certno.slice(-4);
}

/** A resident ID number (18 characters, or the old 15 digits) anywhere in a text. */
const ID_NUMBER = /(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])/g;
/** A run of 2–4 Chinese characters: what a person's name looks like inside an unsplit CSV line. */
const CJK_NAME = /[\u3400-\u9fff\u00b7]{2,4}/g;
const NAME_KEY = /psn_name|patn_name|^name$|姓名/i;
const ID_KEY = /certno|cert_no|idcard|id_no|身份证|证件号/i;
/** Tables whose rows carry a person's name. */
const TABLES_WITH_NAMES = new Set(['psn_info']);

export function maskIdNumbers(text: string): string {
  return text.replace(ID_NUMBER, (m) => maskCertno(m) ?? m);
}

/**
 * A reject's `raw` (the row as read: source column → value, or `{csv_line}` for a line that could not be split)
 * with names and ID numbers masked. Columns are recognised by their (source) name and ID numbers by their shape
 * wherever they stand; in an unsplit line of a table with names, every run of 2–4 Chinese characters is masked
 * too, since the name's position in it is unknown.
 */
export function maskRaw(table: string, raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string') out[k] = v;
    else if (k === 'csv_line') out[k] = maskLine(table, v);
    else if (ID_KEY.test(k)) out[k] = maskCertno(v);
    else if (NAME_KEY.test(k)) out[k] = maskName(v);
    else out[k] = maskIdNumbers(v);
  }
  return out;
}

function maskLine(table: string, line: string): string {
  const ids = maskIdNumbers(line);
  return TABLES_WITH_NAMES.has(table) ? ids.replace(CJK_NAME, (m) => maskName(m) ?? m) : ids;
}
