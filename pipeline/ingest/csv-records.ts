import { isUtf8 } from 'node:buffer';

/**
 * Splits UTF-8 CSV text into records, strictly (RFC 4180), and writes the numbered copy DuckDB reads
 * (numbered-copy.ts): each record prefixed with its 0-based number and the delimiter, ended by LF. The header (the
 * first line) is copied with the column name NUMBER_COLUMN in front; blank lines are dropped and not numbered.
 *
 * A line holding no quote and no carriage return (other than the CR of CRLF) is one record, copied with indexOf and
 * copyWithin, no loop over its bytes; this is the hot path (10 M fee lines). A line with a quote is parsed: a quote
 * opens a field only at the field's start, '""' inside quotes is a quote, a closing quote must be followed by the
 * delimiter, the line end or the end of the text, a quote inside an unquoted field is a stray quote. A quoted field
 * may span lines; such a record must have the header's number of fields and stay within MAX_SPAN bytes. A record
 * that cannot be parsed is its first physical line only: that line is rejected (`bad_row`) and parsing resumes at
 * the next line, so one bad quote cannot swallow the rest of the file. This stays linear: between an unclosed quote
 * and the next unpaired quote there is no quote, so the lines re-read after a rejected line are read once more at
 * most. A record holding an invalid byte sequence (given by the caller as positions) is rejected as `bad_encoding`.
 *
 * Ambiguity that no reader can resolve: a line with an unbalanced quote followed, some lines later, by another
 * such line can form one valid multi-line record (right field count); it is then read as one.
 *
 * Rejected records never reach the copy; they are collected in `rejects` with their 1-based row number.
 */

export const NUMBER_COLUMN = '_fw_row_number';

/** Longest record spanning lines, in bytes: a quoted field still open beyond it is an unclosed quote. */
export const MAX_SPAN = 1 << 20;

export interface MalformedRecord {
  /** 1-based data record number in the file. */
  row: number;
  field: string | null;
  reason: 'bad_row' | 'bad_encoding';
  message: string;
  /** The rejected text as read (one line for `bad_row`), without its line end. */
  line: string;
}

export type TextEncoding = 'utf-8' | 'gb18030';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const FFFD = Buffer.from([0xef, 0xbf, 0xbd]);

type Fault = 'unclosed' | 'after_quote' | 'stray_quote' | 'bare_cr' | 'field_count' | 'too_long';

const FAULTS: Record<Exclude<Fault, 'field_count'>, string> = {
  unclosed: '引号未闭合 unterminated quoted field',
  after_quote: '闭合引号后不是分隔符或行尾 closing quote not followed by the delimiter or the line end',
  stray_quote: '未加引号的字段中有引号 quote inside an unquoted field',
  bare_cr: '引号外的回车符 carriage return outside quotes',
  too_long: `引号内的换行使记录超过 ${MAX_SPAN >> 20} MB quoted line breaks make the record longer than ${MAX_SPAN >> 20} MB`,
};

const OK = 0;
const MORE = 1;
const BAD = 2;

/** Output bytes `feed` may write for `n` text bytes holding `lineFeeds` line feeds. */
export function maxNumberedOutput(n: number, lineFeeds: number): number {
  return n + 22 * (lineFeeds + 1) + 64;
}

export class RecordSplitter {
  /** Records rejected since the last `takeRejects`. */
  private rejected: MalformedRecord[] = [];
  private header = true;
  private next = 0;
  /** The next record number as ASCII digits, most significant first, in digits[20 - width .. 20). */
  private readonly digits = new Uint8Array(20).fill(0x30);
  private width = 1;
  private readonly prefix: Buffer;

  // State of one `feed` call.
  private text: Buffer = Buffer.alloc(0);
  private limit = 0;
  private final = false;
  private whole: Uint8Array | null = null;
  /** Next quote / CR / delimiter at or after the position it was last looked up from (`limit` when none). */
  private nq = -1;
  private nqFrom = 0;
  private ncr = -1;
  private ncrFrom = 0;
  private nd = -1;
  private ndFrom = 0;
  /** Positions of invalid byte sequences in the text, ascending; `bi` the first not yet passed. */
  private bad: number[] = [];
  private bi = 0;
  private encoding: TextEncoding = 'utf-8';
  // Result of `parse`.
  private recEnd = 0;
  private contentEnd = 0;
  private fault: Fault = 'unclosed';
  private faultField = 0;
  private fields = 0;
  /** The field whose quotes first went past the record's first line (-1: none yet). */
  private spanField = -1;
  private firstLf = 0;

  constructor(private readonly delim: number, private readonly names: string[]) {
    this.prefix = Buffer.from(NUMBER_COLUMN + String.fromCharCode(delim), 'utf8');
  }

  /** Data records numbered so far, rejected ones included. */
  get records(): number {
    return this.next;
  }

  takeRejects(): MalformedRecord[] {
    const r = this.rejected;
    this.rejected = [];
    return r;
  }

  /**
   * Splits `text[0, limit)` (whole lines: it ends with LF unless `final`, when it is the end of the file) and writes
   * the numbered records to `out` (at least maxNumberedOutput bytes). Returns how far the text was consumed and the
   * bytes written: a record whose quoted field is still open at `limit` is left for the next call, which must get
   * the text again from `consumed` on. `encoding` says what marks an invalid byte sequence: bytes that are not
   * UTF-8, or U+FFFD written by the GB18030 decoder.
   */
  feed(text: Buffer, limit: number, final: boolean, encoding: TextEncoding, out: Buffer): { consumed: number; written: number } {
    this.text = text;
    this.limit = limit;
    this.final = final;
    this.encoding = encoding;
    this.whole = text.buffer === out.buffer ? new Uint8Array(text.buffer) : null;
    this.nq = this.ncr = this.nd = -1;
    this.bad = invalidPositions(text, limit, encoding);
    this.bi = 0;
    const bad = this.bad;
    const digits = this.digits;
    const whole = this.whole;
    const textBase = text.byteOffset;
    const outBase = out.byteOffset;
    // The next quote / CR at or after i (`limit` when none), kept here for the hot loop: i only grows.
    let nq = -1;
    let ncr = -1;
    let i = 0;
    let o = 0;
    while (i < limit) {
      let lf = text.indexOf(LF, i);
      if (lf === -1 || lf >= limit) lf = limit;
      const next = lf < limit ? lf + 1 : limit;
      const end = lf > i && text[lf - 1] === CR ? lf - 1 : lf;
      if (end === i) {
        i = next; // a blank line
        continue;
      }
      if (this.header) {
        o += this.prefix.copy(out, o);
        o = this.copy(out, o, i, end);
        this.header = false;
        i = next;
        continue;
      }
      if (nq < i) nq = this.find(QUOTE, i);
      if (ncr < i) ncr = this.find(CR, i);
      if (nq >= end && ncr >= end) {
        // The hot path: the line is one record, copied as it is (emit and copy, inlined).
        if (this.bi < bad.length && this.badBefore(i, next)) this.reject(i, end, 'bad_encoding', null, this.encodingMessage());
        else {
          for (let k = 20 - this.width; k < 20; k++) out[o++] = digits[k];
          out[o++] = this.delim;
          this.increment();
          if (whole) whole.copyWithin(outBase + o, textBase + i, textBase + end);
          else text.copy(out, o, i, end);
          o += end - i;
          out[o++] = LF;
        }
        i = next;
        continue;
      }
      const r = this.parse(i, lf);
      if (r === MORE) break;
      if (r === OK) {
        if (this.badBefore(i, this.recEnd)) this.reject(i, this.contentEnd, 'bad_encoding', null, this.encodingMessage());
        else o = this.emit(out, o, i, this.contentEnd);
        i = this.recEnd;
      } else {
        this.reject(i, end, 'bad_row', this.fault === 'field_count' ? null : (this.names[this.faultField] ?? null), this.faultMessage());
        i = next;
      }
    }
    this.text = Buffer.alloc(0);
    this.whole = null;
    return { consumed: i, written: o };
  }

  /**
   * Parses the record starting at `s` (first line ending at `firstLf`) from a line holding a quote or a bare CR.
   * OK: recEnd (after its line end) and contentEnd (before it); MORE: a quoted field is still open at `limit`;
   * BAD: `fault` in field `faultField`.
   */
  private parse(s: number, firstLf: number): number {
    const t = this.text;
    const limit = this.limit;
    let p = s;
    let field = 0;
    let lineLf = firstLf;
    this.spanField = -1;
    this.firstLf = firstLf;
    for (;;) {
      if (p < limit && t[p] === QUOTE) {
        let q = p + 1;
        for (;;) {
          const c = this.quoteFrom(q);
          if (c >= limit) {
            // (limit > firstLf: the open field already spans lines; then the next quote, wherever it is, is too far.)
            if (limit > firstLf && limit - s > MAX_SPAN) return this.bad_('too_long', field);
            return this.final ? this.bad_('unclosed', field) : MORE;
          }
          if (c > firstLf && this.spanField < 0) this.spanField = field;
          if (c > firstLf && c - s > MAX_SPAN) return this.bad_('too_long', field);
          if (c + 1 < limit && t[c + 1] === QUOTE) {
            q = c + 2;
            continue;
          }
          p = c + 1;
          break;
        }
        if (p >= limit) return this.ok(s, firstLf, field, limit, limit); // the closing quote ends the text
        const b = t[p];
        if (b === this.delim) {
          p++;
          field++;
          continue;
        }
        if (b === LF) return this.ok(s, firstLf, field, p + 1, p);
        if (b === CR && p + 1 < limit && t[p + 1] === LF) return this.ok(s, firstLf, field, p + 2, p);
        if (b === CR && p + 1 === limit && this.final) return this.ok(s, firstLf, field, limit, p);
        return this.bad_('after_quote', field, p);
      }
      if (lineLf < p) {
        lineLf = t.indexOf(LF, p);
        if (lineLf === -1 || lineLf >= limit) lineLf = limit;
      }
      const contentEnd = lineLf > p && t[lineLf - 1] === CR ? lineLf - 1 : lineLf;
      const d = this.delimFrom(p);
      const fieldEnd = d < lineLf ? d : lineLf;
      if (this.quoteFrom(p) < fieldEnd) return this.bad_('stray_quote', field, this.quoteFrom(p));
      if (this.crFrom(p) < (fieldEnd === lineLf ? contentEnd : fieldEnd)) return this.bad_('bare_cr', field, this.crFrom(p));
      if (d < lineLf) {
        p = d + 1;
        field++;
        continue;
      }
      return this.ok(s, firstLf, field, lineLf < limit ? lineLf + 1 : limit, contentEnd);
    }
  }

  private ok(s: number, firstLf: number, field: number, recEnd: number, contentEnd: number): number {
    this.recEnd = recEnd;
    this.contentEnd = contentEnd;
    this.fields = field + 1;
    // One line: a wrong field count is left to DuckDB (as for unquoted lines). Spanning lines: it must be right, or
    // the quote that opened the span was most likely a stray one.
    if (recEnd > firstLf + 1 && this.fields !== this.names.length) return this.bad_('field_count', -1);
    return OK;
  }

  /** A fault at `at` past the first line means the quote that opened the span there never closed properly. */
  private bad_(fault: Fault, field: number, at = -1): number {
    const later = at > this.firstLf;
    this.fault = later ? 'unclosed' : fault;
    this.faultField = later ? this.spanField : field;
    return BAD;
  }

  private faultMessage(): string {
    const what = this.fault === 'field_count'
      ? `引号内的换行使记录跨行，字段数 ${this.fields} ≠ 表头的 ${this.names.length} a quoted line break makes the record span lines with ${this.fields} fields, the header has ${this.names.length}`
      : FAULTS[this.fault];
    return `CSV 行格式错误 malformed CSV row: ${what}`;
  }

  private encodingMessage(): string {
    return this.encoding === 'gb18030'
      ? '编码错误 bad encoding: 无效的 GB18030 字节序列 invalid GB18030 byte sequence'
      : '编码错误 bad encoding: 无效的 UTF-8 字节序列 invalid UTF-8 byte sequence';
  }

  private quoteFrom(p: number): number {
    if (this.nq < p || p < this.nqFrom) {
      this.nq = this.find(QUOTE, p);
      this.nqFrom = p;
    }
    return this.nq;
  }

  private crFrom(p: number): number {
    if (this.ncr < p || p < this.ncrFrom) {
      this.ncr = this.find(CR, p);
      this.ncrFrom = p;
    }
    return this.ncr;
  }

  private delimFrom(p: number): number {
    if (this.nd < p || p < this.ndFrom) {
      this.nd = this.find(this.delim, p);
      this.ndFrom = p;
    }
    return this.nd;
  }

  private find(byte: number, p: number): number {
    const k = this.text.indexOf(byte, p);
    return k === -1 || k >= this.limit ? this.limit : k;
  }

  /** Whether an invalid byte sequence lies in [s, e); positions before `s` are passed for good. */
  private badBefore(s: number, e: number): boolean {
    const bad = this.bad;
    while (this.bi < bad.length && bad[this.bi] < s) this.bi++;
    return this.bi < bad.length && bad[this.bi] < e;
  }

  private emit(out: Buffer, o: number, s: number, e: number): number {
    const d = this.digits;
    for (let k = 20 - this.width; k < 20; k++) out[o++] = d[k];
    out[o++] = this.delim;
    this.increment();
    return this.copy(out, o, s, e);
  }

  /** Copies text[s, e) and a line feed to out at o. */
  private copy(out: Buffer, o: number, s: number, e: number): number {
    if (this.whole) this.whole.copyWithin(out.byteOffset + o, this.text.byteOffset + s, this.text.byteOffset + e);
    else this.text.copy(out, o, s, e);
    o += e - s;
    out[o++] = LF;
    return o;
  }

  private reject(s: number, e: number, reason: MalformedRecord['reason'], field: string | null, message: string): void {
    this.rejected.push({ row: this.next + 1, field, reason, message, line: this.text.toString('utf8', s, e) });
    this.increment();
  }

  private increment(): void {
    this.next++;
    const d = this.digits;
    let k = 19;
    while (d[k] === 0x39) d[k--] = 0x30;
    d[k]++;
    if (20 - k > this.width) this.width = 20 - k;
  }
}

/**
 * Where `text[0, limit)` holds invalid byte sequences: UTF-8 text, the start of each line that is not UTF-8 (only
 * looked for when the whole text is not); GB18030 text (decoded), each U+FFFD the decoder wrote for one.
 */
function invalidPositions(text: Buffer, limit: number, encoding: TextEncoding): number[] {
  const out: number[] = [];
  if (encoding === 'gb18030') {
    for (let p = text.indexOf(FFFD); p !== -1 && p < limit; p = text.indexOf(FFFD, p + 3)) out.push(p);
    return out;
  }
  if (isUtf8(text.subarray(0, limit))) return out;
  for (let s = 0; s < limit; ) {
    const lf = text.indexOf(LF, s);
    const e = lf === -1 || lf >= limit ? limit : lf + 1;
    if (!isUtf8(text.subarray(s, e))) out.push(s);
    s = e;
  }
  return out;
}
