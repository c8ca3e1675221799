import iconv from 'iconv-lite';

/**
 * A table-driven GB18030/GBK → UTF-8 decoder that writes bytes straight into a Buffer (no JS strings), several
 * times faster than ICU's TextDecoder on the mostly-ASCII CSV files the pipeline ingests, and byte-for-byte equal
 * to `new TextDecoder('gb18030').decode` (non-fatal), invalid bytes included.
 *
 * The tables are filled from ICU itself (each two-byte pair and each BMP four-byte sequence decoded by
 * TextDecoder), so the mapping is whatever the running Node's ICU says. What the tables cannot hold is the
 * sequence grammar and the error rules; ICU follows the WHATWG Encoding gb18030 decoder there
 * (https://encoding.spec.whatwg.org/#gb18030-decoder), and `gbkSelfCheck` compares the two on a buffer of the
 * awkward cases before the decoder is trusted:
 *   - a byte < 0x80 is itself; 0x80 and 0xFF are single bytes (€ and U+FFFD under ICU);
 *   - a lead 0x81–0xFE and a second byte that is not a digit form a pair: a mapped pair is its character, an
 *     unmapped one is U+FFFD, followed by the second byte when that is ASCII (the WHATWG "prepend");
 *   - lead, digit, then a byte that is not a lead: U+FFFD, the digit, then that byte on its own;
 *   - lead, digit, lead, then a non-digit: U+FFFD, the digit, then the second lead and that byte as a pair;
 *   - lead, digit, lead, digit: one four-byte character, or U+FFFD when the pointer maps to nothing;
 *   - an incomplete sequence at the end of the input: one U+FFFD.
 * Every sequence is at most four bytes and leaves the decoder in its initial state, so a stream only carries the
 * bytes of an incomplete sequence (at most three) from one chunk to the next.
 */

/**
 * UTF-8 bytes of a pair (index lead << 8 | second byte), packed b0 | b1 << 8 | b2 << 16 | length << 24;
 * 0 = U+FFFD then the second byte (an unmapped pair whose second byte is ASCII).
 */
let pairs: Uint32Array | null = null;
/** UTF-8 bytes of the four-byte sequences with pointers 0..39419 (the BMP part of GB18030), packed like `pairs`. */
let quads: Uint32Array | null = null;
/** UTF-8 of the single bytes 0x80..0xFF that are not leads (0x80, 0xFF), packed like `pairs`. */
let singles: Uint32Array | null = null;
let available: boolean | null = null;

const BMP_QUADS = 39420;
/** Pointer of the first supplementary four-byte sequence (0x90308130 → U+10000) and of U+10FFFF (0xE3329A35). */
const SUPP_FIRST = 189000;
const SUPP_LAST = 1237575;
const FFFD = 0x03bdbfef; // EF BF BD, length 3
/** U+FFFD's bytes, to be or-ed with a fourth byte (b << 24): U+FFFD followed by an ASCII byte. */
const FFFD_THEN = 0x00bdbfef;
const EMPTY_WORDS = new Uint32Array(0);
/** Whether a Uint32Array reads bytes little-endian here. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** A BMP code unit (not a surrogate) packed as its UTF-8 bytes | length << 24. */
function packUnit(c: number): number {
  if (c < 0x80) return c | (1 << 24);
  if (c < 0x800) return (0xc0 | (c >> 6)) | ((0x80 | (c & 0x3f)) << 8) | (2 << 24);
  return (0xe0 | (c >> 12)) | ((0x80 | ((c >> 6) & 0x3f)) << 8) | ((0x80 | (c & 0x3f)) << 16) | (3 << 24);
}

/** A string of one BMP character packed by packUnit, or -1. */
function pack(s: string): number {
  if (s.length !== 1) return -1;
  const c = s.charCodeAt(0);
  return c >= 0xd800 && c < 0xe000 ? -1 : packUnit(c);
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/** Builds the tables from ICU (about 30 ms, once); false on a Node without full ICU or with an unexpected mapping. */
function build(): boolean {
  if (pairs) return true;
  let icu: TextDecoder;
  try {
    icu = new TextDecoder('gb18030');
  } catch {
    return false;
  }
  const p = new Uint32Array(1 << 16);
  // The pairs, decoded in two calls (each pair is a whole sequence, so they are independent): those with a
  // second byte 0x40–0x7E/0x80–0xFE give one BMP character each, the others U+FFFD followed by the second byte
  // when that is ASCII. Any surprise, and every pair is decoded on its own instead.
  const mapped: number[] = [];
  const unmapped: number[] = [];
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let b = 0; b < 256; b++) {
      if (!isDigit(b)) ((b >= 0x40 && b <= 0xfe && b !== 0x7f) ? mapped : unmapped).push(lead, b);
    }
  }
  const sm = icu.decode(Uint8Array.from(mapped));
  let unexpected = sm.length !== mapped.length / 2;
  for (let k = 0; !unexpected && k < sm.length; k++) {
    const c = sm.charCodeAt(k);
    if (c < 0x80 || c === 0xfffd || (c >= 0xd800 && c < 0xe000)) unexpected = true;
    else p[(mapped[2 * k] << 8) | mapped[2 * k + 1]] = packUnit(c);
  }
  let want = '';
  for (let k = 1; k < unmapped.length; k += 2) want += unmapped[k] < 0x80 ? '\ufffd' + String.fromCharCode(unmapped[k]) : '\ufffd';
  if (icu.decode(Uint8Array.from(unmapped)) !== want) unexpected = true;
  for (let k = 0; !unexpected && k < unmapped.length; k += 2) {
    if (unmapped[k + 1] >= 0x80) p[(unmapped[k] << 8) | unmapped[k + 1]] = FFFD; // else 0: U+FFFD then the byte
  }
  if (unexpected) {
    const two = new Uint8Array(2);
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      two[0] = lead;
      for (let b = 0; b < 256; b++) {
        if (isDigit(b)) continue;
        two[1] = b;
        const s = icu.decode(two);
        const v = pack(s);
        if (v > 0) p[(lead << 8) | b] = v;
        else if (b < 0x80 && s === '\ufffd' + String.fromCharCode(b)) p[(lead << 8) | b] = 0;
        else return false;
      }
    }
  }
  // The BMP four-byte sequences, all complete and independent, decoded in one call: one UTF-16 unit each.
  const all = new Uint8Array(BMP_QUADS * 4);
  for (let ptr = 0; ptr < BMP_QUADS; ptr++) {
    all[ptr * 4] = 0x81 + Math.floor(ptr / 12600);
    all[ptr * 4 + 1] = 0x30 + (Math.floor(ptr / 1260) % 10);
    all[ptr * 4 + 2] = 0x81 + (Math.floor(ptr / 10) % 126);
    all[ptr * 4 + 3] = 0x30 + (ptr % 10);
  }
  const s4 = icu.decode(all);
  if (s4.length !== BMP_QUADS) return false;
  const q = new Uint32Array(BMP_QUADS);
  for (let ptr = 0; ptr < BMP_QUADS; ptr++) {
    const c = s4.charCodeAt(ptr);
    if (c >= 0xd800 && c < 0xe000) return false;
    q[ptr] = packUnit(c);
  }
  const one = new Uint32Array(256);
  for (const b of [0x80, 0xff]) {
    const v = pack(icu.decode(new Uint8Array([b])));
    if (v < 0) return false;
    one[b] = v;
  }
  pairs = p;
  quads = q;
  singles = one;
  return true;
}

/**
 * Whether the fast decoder can be used: full ICU present, tables built, and the decoder's output equal to ICU's
 * on a buffer of valid, invalid and truncated sequences (so a future ICU with other error rules is noticed and
 * the caller falls back to TextDecoder instead of producing different text).
 */
export function gbkDecoderAvailable(): boolean {
  if (available === null) available = build() && gbkSelfCheck();
  return available;
}

function selfCheckInput(): Uint8Array {
  const bytes: number[] = [];
  const kinds = [0x00, 0x0a, 0x20, 0x30, 0x39, 0x3a, 0x40, 0x41, 0x7e, 0x7f, 0x80, 0x81, 0x84, 0x90, 0xa1, 0xd6, 0xe3, 0xe4, 0xfe, 0xff];
  for (const a of kinds) for (const b of kinds) for (const c of kinds) bytes.push(0x0a, a, b, c, 0x30, 0x0a, a, b, c, 0x81);
  // Four-byte edges: U+0080, U+FFFF, U+10000, U+10FFFF, just past each range, the GB18030 BOM.
  for (const q of [0x81308130, 0x8431a439, 0x8431a530, 0x90308130, 0xe3329a35, 0xe3329a36, 0xfe39fe39, 0x84319533]) {
    bytes.push(q >>> 24, (q >>> 16) & 0xff, (q >>> 8) & 0xff, q & 0xff);
  }
  bytes.push(0x81, 0x30, 0x81); // truncated at the end
  return Uint8Array.from(bytes);
}

/**
 * Decodes `selfCheckInput()` (every three-byte combination of bytes from each class, after a newline and
 * followed by a digit or a lead byte, and the four-byte edges) and compares it with ICU. This checks ICU's
 * grammar and error rules, the part not read from ICU into the tables; how chunks are cut is the decoder's own
 * business, covered by the tests.
 */
export function gbkSelfCheck(): boolean {
  const input = selfCheckInput();
  const want = Buffer.from(new TextDecoder('gb18030').decode(input), 'utf8');
  return new Gb18030Decoder().decode(input).equals(want);
}

/** Output bytes `decodeInto` may need for `inputLength` input bytes (plus at most three carried over). */
export function maxUtf8Length(inputLength: number): number {
  return 3 * (inputLength + 3) + 4;
}

/**
 * A streaming GB18030 decoder producing UTF-8. `decodeInto(chunk, out, stream)` writes the chunk's text into
 * `out` (at least `maxUtf8Length(chunk.length)` bytes; bytes past the returned length may be overwritten) and
 * returns the number of bytes written; with `stream` the bytes of a sequence cut by the chunk's end (at most
 * three) are kept for the next call, without it they are flushed (one U+FFFD, as TextDecoder does) and the
 * decoder starts afresh. The chunk is not retained after the call.
 */
export class Gb18030Decoder {
  /** The incomplete sequence carried from the previous chunk, followed by the next chunk's first bytes. */
  private head = new Uint8Array(8);
  private carried = 0;

  constructor() {
    if (!build()) throw new Error('GB18030 decoding needs Node built with full ICU');
  }

  /** Convenience: decodes into a new Buffer. */
  decode(chunk: Uint8Array, stream = false): Buffer {
    const out = Buffer.allocUnsafe(maxUtf8Length(chunk.length));
    return out.subarray(0, this.decodeInto(chunk, out, stream));
  }

  decodeInto(chunk: Uint8Array, out: Uint8Array, stream = false): number {
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    const old = this.carried;
    if (old === 0) return this.run(chunk, 0, dv, out, 0, stream);
    // A sequence is at most four bytes: the carried ones and the chunk's first three complete it (unless the
    // chunk is shorter), so decode those from `head` and go on in the chunk after the bytes that used.
    const k = Math.min(3, chunk.length);
    this.head.set(chunk.subarray(0, k), old);
    this.carried = 0;
    if (k === chunk.length) return this.run(this.head.subarray(0, old + k), 0, dv, out, 0, stream);
    const o = this.run(this.head.subarray(0, old + k), 0, dv, out, 0, true);
    const from = k - this.carried; // bytes of the chunk consumed (what is carried again is the chunk's own)
    this.carried = 0;
    return this.run(chunk, from, dv, out, o, stream);
  }

  private run(src: Uint8Array, from: number, dv: DataView, out: Uint8Array, o: number, stream: boolean): number {
    const P = pairs!;
    const Q = quads!;
    const S = singles!;
    const n = src.length;
    // Whole 32-bit words of src, for the ASCII runs: word w holds src[a + 4w .. a + 4w + 3] (read and written
    // back little-endian; on a big-endian machine, none, and the runs go byte by byte).
    const a = (4 - (src.byteOffset & 3)) & 3;
    const words = LITTLE_ENDIAN && n > a + 4 ? new Uint32Array(src.buffer, src.byteOffset + a, (n - a) >>> 2) : EMPTY_WORDS;
    const m = words.length;
    let i = from;
    let v = 0;
    while (i < n) {
      let b = src[i];
      if (b < 0x80) {
        // An ASCII run (most of a CSV line): byte by byte up to a word boundary, four bytes a step while whole
        // words are ASCII, then byte by byte again up to the run's end.
        while (((i - a) & 3) !== 0) {
          out[o++] = b;
          if (++i === n) return o;
          b = src[i];
          if (b >= 0x80) break;
        }
        if (b < 0x80 && i >= a) {
          let w = (i - a) >>> 2;
          while (w < m) {
            const x = words[w];
            if ((x & 0x80808080) !== 0) break;
            dv.setUint32(o, x, true);
            o += 4;
            w++;
          }
          i = a + (w << 2);
          if (i === n) return o;
          b = src[i];
        }
        while (b < 0x80) {
          out[o++] = b;
          if (++i === n) return o;
          b = src[i];
        }
      }
      if (b >= 0x81 && b <= 0xfe) {
        if (i + 1 >= n) break; // incomplete
        let b2 = src[i + 1];
        if (b2 < 0x30 || b2 > 0x39) {
          // A pair (a Chinese character), and the pairs right after it (a name, a drug) in a tighter loop.
          for (;;) {
            v = P[(b << 8) | b2];
            if (v !== 0) {
              dv.setUint32(o, v, true);
              o += v >>> 24;
            } else {
              dv.setUint32(o, FFFD_THEN | (b2 << 24), true);
              o += 4;
            }
            i += 2;
            if (i + 1 >= n) break;
            b = src[i];
            b2 = src[i + 1];
            if (b < 0x81 || b > 0xfe || (b2 >= 0x30 && b2 <= 0x39)) break;
          }
          continue;
        }
        if (i + 2 >= n) break; // incomplete
        const b3 = src[i + 2];
        if (b3 < 0x81 || b3 > 0xfe) {
          // Lead, digit, not a lead: U+FFFD, the digit, then b3 on its own (ASCII, 0x80 or 0xFF).
          dv.setUint32(o, FFFD_THEN | (b2 << 24), true);
          o += 4;
          if (b3 < 0x80) out[o++] = b3;
          else {
            v = S[b3];
            dv.setUint32(o, v, true);
            o += v >>> 24;
          }
          i += 3;
          continue;
        }
        if (i + 3 >= n) break; // incomplete
        const b4 = src[i + 3];
        if (b4 < 0x30 || b4 > 0x39) {
          // Lead, digit, lead, not a digit: U+FFFD, the digit, then b3 and b4 as a pair.
          dv.setUint32(o, FFFD_THEN | (b2 << 24), true);
          o += 4;
          v = P[(b3 << 8) | b4];
          if (v !== 0) {
            dv.setUint32(o, v, true);
            o += v >>> 24;
          } else {
            dv.setUint32(o, FFFD_THEN | (b4 << 24), true);
            o += 4;
          }
          i += 4;
          continue;
        }
        // A four-byte sequence.
        const ptr = (b - 0x81) * 12600 + (b2 - 0x30) * 1260 + (b3 - 0x81) * 10 + (b4 - 0x30);
        if (ptr < BMP_QUADS) v = Q[ptr];
        else if (ptr >= SUPP_FIRST && ptr <= SUPP_LAST) {
          const cp = ptr - SUPP_FIRST + 0x10000;
          out[o] = 0xf0 | (cp >>> 18);
          out[o + 1] = 0x80 | ((cp >>> 12) & 0x3f);
          out[o + 2] = 0x80 | ((cp >>> 6) & 0x3f);
          out[o + 3] = 0x80 | (cp & 0x3f);
          o += 4;
          i += 4;
          continue;
        } else v = FFFD;
        dv.setUint32(o, v, true);
        o += v >>> 24;
        i += 4;
        continue;
      }
      // 0x80 or 0xFF.
      v = S[b];
      dv.setUint32(o, v, true);
      o += v >>> 24;
      i++;
    }
    if (i < n) {
      // An incomplete sequence (1–3 bytes) at the end.
      if (stream) {
        this.carried = n - i;
        this.head.set(src.subarray(i, n));
      } else {
        dv.setUint32(o, FFFD, true);
        o += 3;
      }
    }
    return o;
  }
}

export type Decode = (chunk: Buffer, out: Buffer, stream: boolean) => number;

/** GB18030 → UTF-8, streaming: the table-driven Gb18030Decoder above, or iconv-lite's on a Node without full ICU (or
 *  whose ICU decodes otherwise than gbk.ts expects). */
export function gb18030ToUtf8(): Decode {
  if (gbkDecoderAvailable()) {
    const dec = new Gb18030Decoder();
    return (chunk, out, stream) => dec.decodeInto(chunk, out, stream);
  }
  const dec = iconv.getDecoder('gb18030');
  return (chunk, out, stream) => out.write((chunk.length ? dec.write(chunk) : '') + (stream ? '' : (dec.end() ?? '')), 0, 'utf8');
}

/** `bytes` as GB18030 text, decoded as the numbered copies are (gb18030ToUtf8), not streaming. */
export function decodeGb18030(bytes: Buffer): string {
  const out = Buffer.allocUnsafe(maxUtf8Length(bytes.length));
  return out.toString('utf8', 0, gb18030ToUtf8()(bytes, out, false));
}
