import { readFileHead } from './encoding.ts';
import { decodeGb18030 } from './gbk.ts';

/**
 * The CSV dialect FundWatch reads with: '"' quoting ('""' inside quotes), the delimiter and column names taken
 * from the header record. DuckDB's sniffer is not used: a malformed row near the top (an unbalanced quote, a
 * quoted field with a line break after a short row) can make it settle on a one-column dialect, and then every
 * row is misread and numbered by physical lines instead of records.
 */
export interface CsvHeader {
  delim: string;
  names: string[];
}

const DELIMITERS = [',', '\t', '|', ';'];
const HEADER_SAMPLE = 1 << 20;

/** The header record of `text` (up to its first line break outside quotes), without a leading BOM. */
function headerRecord(text: string): string {
  const t = text.replace(/^\uFEFF/, '');
  let quoted = false;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) return t.slice(0, i);
  }
  return t;
}

/** Fields of one record split on `delim` outside quotes; quotes removed, '""' → '"'. */
function splitRecord(record: string, delim: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const c = record[i];
    if (quoted) {
      if (c === '"' && record[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === delim) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The delimiter occurring most often outside quotes in the header (',' when none does). */
function headerDelimiter(record: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of DELIMITERS) {
    const n = splitRecord(record, d).length - 1;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

/**
 * Reads the header of a CSV file (UTF-8, or GB18030 when `encoding` says so). Column names are kept as written (trimmed); an empty name becomes
 * `column<i>` and a repeated one gets `_<n>` appended, so each staging column has its own name. Null when the
 * file has no header record at all.
 */
export function readCsvHeader(path: string, encoding: 'utf-8' | 'gb18030' = 'utf-8'): CsvHeader | null {
  const head = readFileHead(path, HEADER_SAMPLE);
  const record = headerRecord(encoding === 'gb18030' ? decodeGb18030(head) : head.toString('utf8'));
  if (record.trim() === '') return null;
  const delim = headerDelimiter(record);
  const seen = new Map<string, number>();
  const names = splitRecord(record, delim).map((raw, i) => {
    const name = raw.trim() || `column${i}`;
    const k = name.toLowerCase();
    const count = seen.get(k) ?? 0;
    seen.set(k, count + 1);
    return count === 0 ? name : `${name}_${count}`;
  });
  return { delim, names };
}
