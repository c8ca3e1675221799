import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { Gb18030Decoder, gbkDecoderAvailable, gbkSelfCheck, maxUtf8Length } from '../../pipeline/ingest/gbk.ts';
import { writeNumberedCopy } from '../../pipeline/ingest/numbered-copy.ts';
import { referenceSplit } from './numbered-reference.ts';
import { rng, tempDir } from '../helpers.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** ICU's text, as UTF-8 bytes. */
const icu = (bytes: Uint8Array): Buffer => Buffer.from(new TextDecoder('gb18030').decode(bytes), 'utf8');

/** The decoder's text for `bytes` fed in chunks of the sizes `sizes()` returns, then flushed. */
function decodeChunked(bytes: Uint8Array, sizes: () => number, dec = new Gb18030Decoder()): Buffer {
  const out = Buffer.alloc(maxUtf8Length(bytes.length));
  let o = 0;
  for (let i = 0; i < bytes.length; ) {
    const k = Math.max(1, sizes());
    o += dec.decodeInto(bytes.subarray(i, i + k), out.subarray(o), true);
    i += k;
  }
  o += dec.decodeInto(new Uint8Array(0), out.subarray(o), false);
  return out.subarray(0, o);
}

describe('table-driven GB18030 decoder (gbk.ts)', () => {
  it('is available on this Node and agrees with ICU on its self-check buffer', () => {
    expect(gbkDecoderAvailable()).toBe(true);
    expect(gbkSelfCheck()).toBe(true);
  });

  it('decodes every two-byte sequence (valid pairs and invalid second bytes) exactly as TextDecoder does', () => {
    const dec = new Gb18030Decoder();
    const td = new TextDecoder('gb18030');
    const two = new Uint8Array(2);
    const wrong: string[] = [];
    let valid = 0;
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let b = 0; b < 256; b++) {
        two[0] = lead;
        two[1] = b;
        const want = td.decode(two);
        if (dec.decode(two).toString('utf8') !== want) wrong.push(two.toString());
        if (b >= 0x40 && b !== 0x7f && b !== 0xff) {
          valid++;
          expect(want.length === 1 && want !== '\ufffd').toBe(true); // every GBK/GB18030 pair is mapped
        }
      }
    }
    expect(valid).toBe(126 * 190);
    expect(wrong).toEqual([]);
  });

  it('decodes every single byte, and every four-byte sequence (lead, digit, lead, digit), as TextDecoder does', () => {
    for (let b = 0; b < 256; b++) expect(new Gb18030Decoder().decode(Uint8Array.of(b))).toEqual(icu(Uint8Array.of(b)));
    // All 126 × 10 × 126 × 10 four-byte sequences, back to back (each is one whole sequence): BMP, the
    // supplementary planes (0x90308130 = U+10000 … 0xE3329A35 = U+10FFFF), and the unmapped ones (U+FFFD).
    const all = new Uint8Array(126 * 10 * 126 * 10 * 4);
    let p = 0;
    for (let b1 = 0x81; b1 <= 0xfe; b1++)
      for (let b2 = 0x30; b2 <= 0x39; b2++)
        for (let b3 = 0x81; b3 <= 0xfe; b3++)
          for (let b4 = 0x30; b4 <= 0x39; b4++) {
            all[p++] = b1;
            all[p++] = b2;
            all[p++] = b3;
            all[p++] = b4;
          }
    expect(new Gb18030Decoder().decode(all).equals(icu(all))).toBe(true);
  });

  it('decodes every sequence of up to four bytes from each byte class as TextDecoder does, whole and byte by byte', () => {
    // One byte of each class the grammar tells apart: ASCII (incl. CR, LF, comma), digits, pair second bytes,
    // 0x7F, 0x80, leads (of BMP and supplementary four-byte ranges and past them), 0xFF.
    const kinds = [0x00, 0x0a, 0x0d, 0x2c, 0x30, 0x39, 0x3f, 0x40, 0x7e, 0x7f, 0x80, 0x81, 0x84, 0x90, 0xa1, 0xe3, 0xfe, 0xff];
    const td = new TextDecoder('gb18030');
    const wrong: string[] = [];
    const seq = new Uint8Array(6);
    const byByte = () => 1;
    for (let len = 1; len <= 4; len++) {
      const idx = new Array<number>(len).fill(0);
      for (;;) {
        for (let k = 0; k < len; k++) seq[k] = kinds[idx[k]];
        // The sequence at the very end of the input, and followed by a digit and a letter.
        for (const tail of [0, 2]) {
          seq[len] = 0x35;
          seq[len + 1] = 0x41;
          const bytes = seq.subarray(0, len + tail);
          const want = Buffer.from(td.decode(bytes), 'utf8');
          if (!new Gb18030Decoder().decode(bytes).equals(want) || !decodeChunked(bytes, byByte).equals(want)) {
            wrong.push(Buffer.from(bytes).toString('hex'));
          }
        }
        let k = len - 1;
        while (k >= 0 && ++idx[k] === kinds.length) idx[k--] = 0;
        if (k < 0) break;
      }
    }
    expect(wrong).toEqual([]);
  });

  it('decodes random mixed buffers fed in random chunks (down to one byte) exactly as TextDecoder decodes them whole', () => {
    const rand = rng(20260514);
    const int = (n: number) => Math.floor(rand() * n);
    const names = ['张三', '李四光', '欧阳娜娜', '王𠮷', '𡃁仔', '陈𫖮', '㐀䶵', '€', '·', 'é', '\ue5e5', '\uffff', '\ufeff'];
    for (let round = 0; round < 60; round++) {
      const parts: Buffer[] = [];
      while (parts.reduce((s, b) => s + b.length, 0) < 2000 + int(6000)) {
        const r = rand();
        if (r < 0.4) parts.push(Buffer.from(`FL${int(1e9)},2024-03-${10 + int(18)},${(rand() * 1000).toFixed(2)},`));
        else if (r < 0.6) parts.push(iconv.encode(names[int(names.length)] + (rand() < 0.5 ? '\r\n' : ','), 'gb18030'));
        else if (r < 0.7) parts.push(iconv.encode(String.fromCodePoint(0x10000 + int(0x100000)), 'gb18030')); // four bytes
        else if (r < 0.8) parts.push(Buffer.from([0x81 + int(126), 0x30 + int(10), 0x81 + int(126), 0x30 + int(10)])); // any four-byte
        else if (r < 0.9) parts.push(Buffer.from([0x81 + int(126), 0x40 + int(191)])); // any pair
        else parts.push(Buffer.from(Array.from({ length: 1 + int(4) }, () => [0x80, 0xff, 0x7f, 0x81, 0x30, 0x39, 0x20, 0xfe, int(256)][int(9)])));
      }
      if (round % 2 === 0) parts.push(Buffer.from([0x81 + int(126)])); // a lone lead byte at the very end
      if (round % 6 === 1) parts.push(Buffer.from([0x95, 0x32, 0x82])); // a four-byte sequence cut short at the end
      const bytes = Buffer.concat(parts);
      const want = icu(bytes);
      const sizes = [() => 1, () => 1 + int(3), () => 1 + int(64), () => 1 + int(5000), () => bytes.length];
      for (const size of sizes) {
        const got = decodeChunked(bytes, size);
        if (!got.equals(want)) expect({ round, got: got.toString('utf8') }).toEqual({ round, got: want.toString('utf8') });
      }
    }
  });

  it('keeps the bytes of a sequence cut by the chunk end for the next chunk, and flushes a cut tail as one U+FFFD', () => {
    const dec = new Gb18030Decoder();
    const zhong = iconv.encode('中', 'gbk'); // d6 d0
    const ji = iconv.encode('𠮷', 'gb18030'); // four bytes
    expect(dec.decode(zhong.subarray(0, 1), true).length).toBe(0);
    expect(dec.decode(zhong.subarray(1), true).toString()).toBe('中');
    expect(dec.decode(ji.subarray(0, 3), true).length).toBe(0);
    expect(dec.decode(ji.subarray(3, 4), true).toString()).toBe('𠮷');
    expect(dec.decode(Buffer.from([0x41, 0x81, 0x30]), true).toString()).toBe('A');
    expect(dec.decode(new Uint8Array(0)).toString()).toBe('\ufffd'); // end of input: flushed
    expect(dec.decode(zhong).toString()).toBe('中'); // and afresh after the flush
    expect(new Gb18030Decoder().decode(Buffer.from([0x81, 0x30]), true).toString()).toBe('');
  });

  it('decodes a buffer at any alignment (the ASCII runs are read a 32-bit word at a time)', () => {
    const text = 'FL0001,2024-01-01,王小明,12.50\r\nFL0002,2024-01-02,欧阳𠮷,7.00\r\n'.repeat(20);
    const bytes = iconv.encode(text, 'gb18030');
    const backing = new Uint8Array(bytes.length + 8);
    for (let shift = 0; shift < 4; shift++) {
      backing.set(bytes, shift);
      const view = backing.subarray(shift, shift + bytes.length);
      expect(new Gb18030Decoder().decode(view).toString('utf8')).toBe(text);
      const out = new Uint8Array(maxUtf8Length(bytes.length) + 8).subarray(shift + 1); // an unaligned output too
      const n = new Gb18030Decoder().decodeInto(view, out);
      expect(Buffer.from(out.subarray(0, n)).toString('utf8')).toBe(text);
    }
  });
});

describe('GBK files through writeNumberedCopy (numbered-copy.ts)', () => {
  const copy = (src: string, out: string, names: string[]) => writeNumberedCopy(src, out, { encoding: 'gb18030', delim: ',', names, rejectsPath: `${out}.rejects` });

  it('round-trips a GBK CSV with Chinese names and CRLF line ends, chunk boundaries falling inside characters', async () => {
    const d = tempDir('fw-gbk-');
    cleanups.push(d.cleanup);
    const rand = rng(7);
    const pool = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖';
    const names = ['fee_list_id', 'psn_name', 'hilist_name', 'pric'];
    const lines = [names.join(',') + '\r\n'];
    let size = 0;
    let i = 0;
    for (; size < 10_000_000; i++) {
      let name = '';
      for (let k = 2 + Math.floor(rand() * 7); k > 0; k--) name += pool[Math.floor(rand() * pool.length)];
      const line = `FL${String(i).padStart(10, '0')},${name},阿莫西林胶囊,${(rand() * 100).toFixed(2)}\r\n`;
      lines.push(line);
      size += line.length + 12;
    }
    const text = lines.join('');
    const src = join(d.dir, 'fee_list_d.csv');
    const out = join(d.dir, 'fee_list_d.numbered.csv');
    const gbk = iconv.encode(text, 'gbk');
    expect(gbk.length).toBeGreaterThan(2 * (4 << 20)); // several chunks
    writeFileSync(src, gbk);
    expect(await copy(src, out, names)).toEqual({ records: i, rejected: 0, encoding: 'gb18030' });
    const got = readFileSync(out, 'utf8');
    expect(got === referenceSplit(icu(gbk), names).copy).toBe(true);
    expect(got.split('\n', 3)).toEqual(['_fw_row_number,fee_list_id,psn_name,hilist_name,pric', `0,${lines[1].slice(0, -2)}`, `1,${lines[2].slice(0, -2)}`]);
  });

  it('writes an empty file for an empty input; a record holding invalid bytes (U+FFFD from the decoder) is rejected as bad_encoding', async () => {
    const d = tempDir('fw-gbk-');
    cleanups.push(d.cleanup);
    const empty = join(d.dir, 'empty.csv');
    writeFileSync(empty, '');
    await copy(empty, join(d.dir, 'empty.out'), ['a']);
    expect(readFileSync(join(d.dir, 'empty.out')).length).toBe(0);
    const bad = Buffer.concat([iconv.encode('a,张三\r\n', 'gbk'), Buffer.from([0xff, 0x80, 0x81, 0x30, 0x20, 0x0d, 0x0a]), iconv.encode('1,李四\r\n', 'gbk'), Buffer.from([0xd6])]);
    writeFileSync(join(d.dir, 'bad.csv'), bad);
    const out = join(d.dir, 'bad.out');
    expect(await copy(join(d.dir, 'bad.csv'), out, ['a', '张三'])).toEqual({ records: 3, rejected: 2, encoding: 'gb18030' });
    expect(readFileSync(out, 'utf8')).toBe('_fw_row_number,a,张三\n1,1,李四\n');
    const side = readFileSync(`${out}.rejects`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(side.map((r) => [r.row, r.reason, r.line])).toEqual([[1, 'bad_encoding', '\ufffd€\ufffd0 '], [3, 'bad_encoding', '\ufffd']]);
    expect(side[0].message).toBe('编码错误 bad encoding: 无效的 GB18030 字节序列 invalid GB18030 byte sequence');
  });
});
