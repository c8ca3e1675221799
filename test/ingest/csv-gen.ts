import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { GOOD_CERTNO } from '../fixtures/ingest/batch.ts';

/**
 * Generated psn_info CSV files that mix valid rows with malformed ones, each with the outcome the ingest must give
 * per record: the valid rows' exact values, the invalid ones' row number and reason code.
 *
 * What makes the expected outcome unambiguous: in every unit (a row as written, possibly over several lines) the
 * first quote character is followed by a "regular" character (not a quote, the delimiter, CR or LF). A quote left
 * open by an invalid row therefore always meets a quote that cannot close it (or the end of the file), so the
 * invalid rows cannot combine with what follows into one valid multi-line record (which a reader would rightly
 * accept, see csv-records.ts). Values start and end with a regular character and have no leading or trailing
 * space (the ingest trims those). Chinese text uses characters whose GBK lead byte (0xC0, 0xC1, 0xF5–0xF7) is never
 * valid in UTF-8, so a GB18030 file's non-ASCII lines are never valid UTF-8 and its encoding is recognised; a UTF-8
 * file gets extra valid Chinese rows when its lines with invalid bytes would otherwise outnumber the valid ones
 * (encoding.ts chooses UTF-8 when at least as many lines holding non-ASCII bytes are valid as not).
 */

export const COLUMNS = ['psn_no', 'certno', 'psn_name', 'gend', 'brdy', 'insutype', 'psn_type', 'insu_admdvs', 'aid_category'];
export type Encoding = 'utf-8' | 'utf-8-bom' | 'gb18030';

/** A value's parts: text, the file's delimiter, a quote, a line break inside quotes, invalid bytes. */
type Tok = { w: string } | { d: true } | { q: true } | { br: '\n' | '\r\n' } | { bad: number };
type Eol = '\n' | '\r\n';

export type Unit =
  | { kind: 'valid'; name: Tok[]; aid: Tok[] | null; quote: boolean[] }
  | { kind: 'badbytes'; name: Tok[]; quote: boolean[] }
  | { kind: 'unclosed'; at: number; text: Tok[] }
  | { kind: 'stray'; at: number; a: string; b: string }
  | { kind: 'afterquote'; at: number; a: string; b: string }
  | { kind: 'spanning'; at: number; a: string; b: string; br: Eol; more: number }
  | { kind: 'short' | 'long'; fields: number; name: Tok[]; quote: boolean[] }
  | { kind: 'bare_cr'; a: string; b: string }
  | { kind: 'spaces' };

export interface FileSpec {
  encoding: Encoding;
  delim: string;
  quotedHeader: boolean;
  units: Unit[];
  /** Per physical line end outside quotes: LF or CRLF (cycled). */
  eols: Eol[];
  /** Blank lines before unit i (cycled). */
  blanks: number[];
  finalEol: boolean;
}

export type Expected = { row: number; ok: true; psn_no: string; psn_name: string | null; aid_category: string | null } | { row: number; ok: false; reason: 'bad_row' | 'bad_encoding' };

export interface RenderedFile {
  bytes: Buffer;
  expected: Expected[];
}

function markerChars(): string[] {
  const out: string[] = [];
  for (const lead of [0xc0, 0xc1, 0xf5, 0xf6, 0xf7]) {
    for (let b = 0xa1; b <= 0xfe; b += 7) {
      const c = iconv.decode(Buffer.from([lead, b]), 'gbk');
      if (c.length === 1 && c !== '\ufffd') out.push(c);
    }
  }
  return out;
}

const CHINESE = markerChars();
const ASCII = 'abcdefXYZ0123456789-._()#@/';
const DELIMS_UTF8 = [',', ';', '\t', '|'];
const DELIMS_GB = [',', ';', '\t']; // '|' (0x7C) is a GBK trail byte: an invalid lead before it would take it
/** Invalid sequences: each stands alone (takes no following byte) and holds no ASCII structure character. */
const BAD_UTF8 = [[0xff], [0xc0, 0xaf], [0x80], [0xe4, 0xb8], [0xed, 0xa0, 0x80]];
const BAD_GB = [[0xff], [0x81, 0x7f], [0xfe, 0x20], [0x84, 0x30, 0x20]];

const word = (chinese: boolean): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...(chinese ? CHINESE : [...ASCII])), { minLength: 1, maxLength: 5 }).map((a) => a.join(''));
const anyWord = fc.oneof(word(false), word(true));

/** A value: words separated by spaces, delimiters, quotes, line breaks (and invalid bytes when `bad`). */
function value(opts: { breaks: boolean; bad?: boolean }): fc.Arbitrary<Tok[]> {
  const sep: fc.Arbitrary<Tok>[] = [fc.constant<Tok>({ w: ' ' }), fc.constant<Tok>({ d: true }), fc.constant<Tok>({ q: true })];
  if (opts.breaks) sep.push(fc.constantFrom<Tok>({ br: '\n' }, { br: '\r\n' }));
  const rest = fc.array(fc.tuple(fc.oneof(...sep), anyWord), { maxLength: 3 });
  const base = fc.tuple(anyWord, rest).map(([w, r]) => [{ w }, ...r.flatMap(([s, x]): Tok[] => [s, { w: x }])]);
  if (!opts.bad) return base;
  // The invalid bytes after one of the words (never first: a quoted value starts with a regular character).
  return fc.tuple(base, fc.nat(), fc.nat()).map(([toks, at, which]) => {
    const words = toks.flatMap((t, i) => ('w' in t ? [i] : []));
    const i = words[at % words.length];
    return [...toks.slice(0, i + 1), { bad: which }, ...toks.slice(i + 1)];
  });
}

const fieldAt = fc.integer({ min: 1, max: COLUMNS.length - 1 });

export const unitArb: fc.Arbitrary<Unit> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('valid' as const), name: value({ breaks: true }), aid: fc.option(value({ breaks: false }), { freq: 2 }), quote: fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('badbytes' as const), name: value({ breaks: true, bad: true }), quote: fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('unclosed' as const), at: fieldAt, text: value({ breaks: false }).map((t) => t.filter((x) => !('q' in x))) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stray' as const), at: fieldAt, a: anyWord, b: anyWord }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('afterquote' as const), at: fieldAt, a: anyWord, b: anyWord }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('spanning' as const), at: fieldAt, a: anyWord, b: anyWord, br: fc.constantFrom<Eol>('\n', '\r\n'), more: fc.integer({ min: 0, max: 9 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('short' as const), fields: fc.integer({ min: 1, max: 8 }), name: value({ breaks: false }), quote: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('long' as const), fields: fc.integer({ min: 10, max: 12 }), name: value({ breaks: false }), quote: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bare_cr' as const), a: anyWord, b: anyWord }) },
  { weight: 1, arbitrary: fc.constant<Unit>({ kind: 'spaces' }) },
);

export const fileArb: fc.Arbitrary<FileSpec> = fc.record({
  encoding: fc.constantFrom<Encoding>('utf-8', 'utf-8-bom', 'gb18030'),
  delim: fc.nat(),
  quotedHeader: fc.boolean(),
  units: fc.array(unitArb, { minLength: 0, maxLength: 12 }),
  eols: fc.array(fc.constantFrom<Eol>('\n', '\r\n'), { minLength: 1, maxLength: 4 }),
  blanks: fc.array(fc.constantFrom(0, 0, 0, 1, 2), { minLength: 1, maxLength: 4 }),
  finalEol: fc.boolean(),
}).map((f) => ({ ...f, delim: (f.encoding === 'gb18030' ? DELIMS_GB : DELIMS_UTF8)[f.delim % (f.encoding === 'gb18030' ? 3 : 4)] }));

/** Renders a file: `key(i)` names the psn_no of unit i (unique across the batch). */
export function renderFile(f: FileSpec, key: (i: number) => string): RenderedFile {
  const gb = f.encoding === 'gb18030';
  const D = f.delim;
  const parts: Buffer[] = [];
  let pending = ''; // text not yet encoded (encoded at once: iconv per piece is slow)
  const push = (s: string) => {
    pending += s;
  };
  const flush = () => {
    if (pending) parts.push(gb ? iconv.encode(pending, 'gb18030') : Buffer.from(pending, 'utf8'));
    pending = '';
  };
  const raw = (b: Buffer) => {
    flush();
    parts.push(b);
  };
  const badBytes = (k: number) => Buffer.from((gb ? BAD_GB : BAD_UTF8)[k % (gb ? BAD_GB.length : BAD_UTF8.length)]);
  let eol = 0;
  const lineEnd = () => f.eols[eol++ % f.eols.length];
  /** A value's text (JS string, invalid bytes left out) and whether it needs quotes. */
  const text = (toks: Tok[]) => toks.map((t) => ('w' in t ? t.w : 'd' in t ? D : 'q' in t ? '"' : 'br' in t ? t.br : '')).join('');
  /** Writes a field, quoted when it must be or when `quote`; invalid bytes written raw. */
  const field = (toks: Tok[], quote: boolean) => {
    const must = toks.some((t) => 'd' in t || 'q' in t || 'br' in t);
    const q = must || quote;
    if (q) push('"');
    for (const t of toks) {
      if ('bad' in t) raw(badBytes(t.bad));
      else push(q ? text([t]).replaceAll('"', '""') : text([t]));
    }
    if (q) push('"');
  };
  const plain = (values: string[]) => push(values.join(D));
  const row = (k: string, name: Tok[], aid: Tok[] | null, quote: boolean[], count = COLUMNS.length) => {
    const fixed = [k, GOOD_CERTNO, null, '1', '1980-06-15', '310', '1101', '421000', null, 'x10', 'x11', 'x12'];
    for (let c = 0; c < count; c++) {
      if (c > 0) push(D);
      if (c === 2) field(name, quote[c]);
      else if (c === 8) field(aid ?? [], quote[c] && aid !== null);
      else field([{ w: fixed[c]! }], quote[c]);
    }
  };
  if (f.encoding === 'utf-8-bom') raw(Buffer.from([0xef, 0xbb, 0xbf]));
  push((f.quotedHeader ? COLUMNS.map((c) => `"${c}"`) : COLUMNS).join(D) + lineEnd());

  const expected: Expected[] = [];
  const reject = (reason: 'bad_row' | 'bad_encoding') => expected.push({ row: expected.length + 1, ok: false, reason });
  const units = [...f.units];
  if (!gb) {
    // Enough valid Chinese lines for the file to be read as UTF-8 (see the top of this file).
    const bad = units.filter((u) => u.kind === 'badbytes').length;
    for (let k = 0; k < bad; k++) units.push({ kind: 'valid', name: [{ w: CHINESE[k % CHINESE.length] }], aid: null, quote: new Array(9).fill(false) });
  }
  units.forEach((u, i) => {
    for (let b = f.blanks[i % f.blanks.length]; b > 0; b--) push(lineEnd());
    const k = key(i);
    const fieldsBefore = (at: number) => [k, GOOD_CERTNO, 'n', '1', '1980-06-15', '310', '1101', '421000', ''].slice(0, at);
    const fieldsAfter = (at: number) => [k, GOOD_CERTNO, 'n', '1', '1980-06-15', '310', '1101', '421000', ''].slice(at + 1);
    switch (u.kind) {
      case 'valid': {
        row(k, u.name, u.aid, u.quote);
        const aid = u.aid === null ? null : text(u.aid);
        expected.push({ row: expected.length + 1, ok: true, psn_no: k, psn_name: text(u.name), aid_category: aid === '' ? null : aid });
        break;
      }
      case 'badbytes':
        row(k, u.name, null, u.quote);
        reject('bad_encoding');
        break;
      case 'unclosed':
        plain([...fieldsBefore(u.at), '"' + text(u.text), ...fieldsAfter(u.at)]);
        reject('bad_row');
        break;
      case 'stray':
        plain([...fieldsBefore(u.at), `${u.a}"${u.b}`, ...fieldsAfter(u.at)]);
        reject('bad_row');
        break;
      case 'afterquote':
        plain([...fieldsBefore(u.at), `"${u.a}"${u.b}`, ...fieldsAfter(u.at)]);
        reject('bad_row');
        break;
      case 'spanning': {
        // A quoted line break in a record with the wrong field count: its first line is rejected, then the
        // second is read on its own and holds a stray quote.
        const before = fieldsBefore(u.at);
        const more = u.more === COLUMNS.length - before.length - 1 ? u.more + 1 : u.more;
        plain([...before, `"${u.a}${u.br}${u.b}"`, ...new Array(more).fill('m')]);
        reject('bad_row');
        reject('bad_row');
        break;
      }
      case 'short':
      case 'long':
        row(k, u.name, null, u.quote, u.fields);
        reject('bad_row');
        break;
      case 'bare_cr':
        plain([k, `${u.a}\r${u.b}`, ...fieldsAfter(1)]);
        reject('bad_row');
        break;
      case 'spaces':
        push('   ');
        reject('bad_row');
        break;
    }
    if (i < units.length - 1 || f.finalEol) push(lineEnd());
  });
  flush();
  const bytes = Buffer.concat(parts);
  if (!gb) checkUtf8Vote(bytes);
  return { bytes, expected };
}

/** The generator's own promise (see the top): a UTF-8 file's valid non-ASCII lines are not outnumbered. */
function checkUtf8Vote(bytes: Buffer): void {
  let valid = 0;
  let invalid = 0;
  for (let s = 0; s < bytes.length; ) {
    const lf = bytes.indexOf(0x0a, s);
    const e = lf === -1 ? bytes.length : lf + 1;
    const line = bytes.subarray(s, e);
    if (line.some((b) => b >= 0x80)) {
      if (isUtf8(line)) valid++;
      else invalid++;
    }
    s = e;
  }
  if (invalid > valid) throw new Error(`generator: ${invalid} invalid against ${valid} valid non-ASCII lines`);
}
