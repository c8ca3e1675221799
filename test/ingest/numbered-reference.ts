/**
 * The record splitting of csv-records.ts written the plain way, over a whole UTF-8 buffer, one byte at a time with a
 * state machine: the reference its chunked, indexOf-based version is compared with. Returns the numbered copy and
 * the rejected records (row, reason, field, line). `bad`: byte positions of invalid sequences.
 */
export interface ReferenceReject {
  row: number;
  reason: 'bad_row' | 'bad_encoding';
  field: string | null;
  line: string;
}

const MAX_SPAN = 1 << 20;

export function referenceSplit(input: Buffer, names: string[], delim = ',', bad: number[] = []): { copy: string; rejects: ReferenceReject[] } {
  const t = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? input.subarray(3) : input;
  const shift = t === input ? 0 : 3;
  const badAt = bad.map((p) => p - shift);
  const D = delim.charCodeAt(0);
  const n = t.length;
  const text = (s: number, e: number) => t.toString('utf8', s, e);
  let copy = '';
  const rejects: ReferenceReject[] = [];
  let header = true;
  let number = 0;
  let pos = 0;
  while (pos < n) {
    let lf = t.indexOf(0x0a, pos);
    if (lf === -1) lf = n;
    const next = Math.min(lf + 1, n);
    const end = lf > pos && t[lf - 1] === 0x0d ? lf - 1 : lf;
    if (end === pos) {
      pos = next;
      continue;
    }
    if (header) {
      copy += `_fw_row_number${delim}${text(pos, end)}\n`;
      header = false;
      pos = next;
      continue;
    }
    const r = parseAt(pos, lf);
    if ('fault' in r) {
      rejects.push({ row: number + 1, reason: 'bad_row', field: r.field < 0 ? null : (names[r.field] ?? null), line: text(pos, end) });
      pos = next;
    } else if (badAt.some((p) => p >= pos && p < r.recEnd)) {
      rejects.push({ row: number + 1, reason: 'bad_encoding', field: null, line: text(pos, r.contentEnd) });
      pos = r.recEnd;
    } else {
      copy += `${number}${delim}${text(pos, r.contentEnd)}\n`;
      pos = r.recEnd;
    }
    number++;
  }
  return { copy, rejects };

  function parseAt(s: number, firstLf: number): { recEnd: number; contentEnd: number } | { fault: string; field: number } {
    let field = 0;
    let spanField = -1; // the field whose quotes first go past the first line
    let state: 'start' | 'unquoted' | 'quoted' | 'after' = 'start';
    // A fault past the first line: the quote that opened the span never closed properly.
    const fault = (kind: string, at: number) => (at > firstLf ? { fault: 'unclosed', field: spanField } : { fault: kind, field });
    const done = (recEnd: number, contentEnd: number) =>
      recEnd > firstLf + 1 && field + 1 !== names.length ? { fault: 'field_count', field: -1 } : { recEnd, contentEnd };
    for (let i = s; ; ) {
      const c = i < n ? t[i] : -1;
      if (state === 'start') {
        if (c === 0x22) {
          state = 'quoted';
          i++;
        } else state = 'unquoted';
      } else if (state === 'unquoted') {
        if (c === -1) return done(n, n);
        if (c === D) {
          field++;
          state = 'start';
          i++;
        } else if (c === 0x0a) return done(i + 1, i);
        else if (c === 0x0d && t[i + 1] === 0x0a) return done(i + 2, i);
        else if (c === 0x0d && i + 1 === n) return done(n, i);
        else if (c === 0x0d) return fault('bare_cr', i);
        else if (c === 0x22) return fault('stray_quote', i);
        else i++;
      } else if (state === 'quoted') {
        if (c === -1) return n > firstLf && n - s > MAX_SPAN ? { fault: 'too_long', field } : { fault: 'unclosed', field };
        if (c === 0x22 && i > firstLf && spanField < 0) spanField = field;
        if (c === 0x22 && i > firstLf && i - s > MAX_SPAN) return { fault: 'too_long', field };
        if (c === 0x22 && t[i + 1] === 0x22) i += 2;
        else if (c === 0x22) {
          state = 'after';
          i++;
        } else i++;
      } else {
        if (c === -1) return done(n, n);
        if (c === D) {
          field++;
          state = 'start';
          i++;
        } else if (c === 0x0a) return done(i + 1, i);
        else if (c === 0x0d && t[i + 1] === 0x0a) return done(i + 2, i);
        else if (c === 0x0d && i + 1 === n) return done(n, i);
        else return fault('after_quote', i);
      }
    }
  }
}
