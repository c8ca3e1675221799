import { readFileHead } from './encoding.ts';
import { decodeGb18030 } from './gbk.ts';

/**
 * The CSV dialect FundWatch reads with: '"' quoting ('""' inside quotes), the delimiter and column names taken
 * from the header, the file's first line (a quoted line break in the header is not supported). DuckDB's sniffer
 * is not used: a malformed row near the top (an unbalanced quote, a quoted field with a line break after a short
 * row) can make it settle on a one-column dialect, and then every row is misread.
 */
export interface CsvHeader {
  delim: string;
  names: string[];
}

const DELIMITERS = [',', '\t', '|', ';'];
const HEADER_SAMPLE = 1 << 20;

/** The header line of `text`: its first line, without a leading BOM and the line end. */
function headerLine(text: string): string {
  const t = text.replace(/^\uFEFF/, '');
  const lf = t.indexOf('\n');
  const line = lf === -1 ? t : t.slice(0, lf);
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/**
 * Fields of one line split on `delim` as csv-records.ts splits records: quotes only around a whole field, '""'
 * inside quotes; quotes removed. Null when the line does not split so (a stray or unclosed quote).
 */
function splitLine(line: string, delim: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q === -1) return null;
        value += line.slice(j, q);
        if (line[q + 1] !== '"') {
          i = q + 1;
          break;
        }
        value += '"';
        j = q + 2;
      }
      out.push(value);
      if (i === line.length) return out;
      if (line[i] !== delim) return null;
      i++;
    } else {
      const d = line.indexOf(delim, i);
      const value = line.slice(i, d === -1 ? line.length : d);
      if (value.includes('"') || value.includes('\r')) return null;
      out.push(value);
      if (d === -1) return out;
      i = d + 1;
    }
  }
}

/** The delimiter splitting the header into the most fields (',' when none splits it); null when the line splits with none. */
function headerFields(line: string): { delim: string; fields: string[] } | null {
  let best: { delim: string; fields: string[] } | null = null;
  for (const d of DELIMITERS) {
    const fields = splitLine(line, d);
    if (fields && (!best || fields.length > best.fields.length)) best = { delim: d, fields };
  }
  return best;
}

/** Thrown when the header line does not split into fields (unbalanced quotes). */
export class MalformedHeaderError extends Error {}

/**
 * Reads the header of a CSV file (UTF-8, or GB18030 when `encoding` says so). Column names are kept as written
 * (trimmed); an empty name becomes `column<i>` and a repeated one gets `_<n>` appended, so each staging column has
 * its own name. Null when the first line is blank (no header); MalformedHeaderError when it does not split.
 */
export function readCsvHeader(path: string, encoding: 'utf-8' | 'gb18030' = 'utf-8'): CsvHeader | null {
  const head = readFileHead(path, HEADER_SAMPLE);
  const line = headerLine(encoding === 'gb18030' ? decodeGb18030(head) : head.toString('utf8'));
  if (line.trim() === '') return null;
  const split = headerFields(line);
  if (!split) throw new MalformedHeaderError(`表头行的引号不成对 unbalanced quotes in the header row: ${line.slice(0, 200)}`);
  const seen = new Map<string, number>();
  const names = split.fields.map((raw, i) => {
    const name = raw.trim() || `column${i}`;
    const k = name.toLowerCase();
    const count = seen.get(k) ?? 0;
    seen.set(k, count + 1);
    return count === 0 ? name : `${name}_${count}`;
  });
  return { delim: split.delim, names };
}
