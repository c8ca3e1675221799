import { afterEach, describe, expect, it } from 'vitest';
import { isUtf8 } from 'node:buffer';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { writeNumberedCopy, type NumberedCopy } from '../../pipeline/ingest/numbered-copy.ts';
import { chooseEncoding, detectEncoding, type CsvEncoding } from '../../pipeline/ingest/encoding.ts';
import { rng, tempDir } from '../helpers.ts';
import { referenceSplit, type ReferenceReject } from './numbered-reference.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

interface Copied extends NumberedCopy {
  text: string;
  rejects: ReferenceReject[];
  messages: string[];
}

async function copyOf(bytes: string | Buffer, o: { encoding?: CsvEncoding | 'undecided'; delim?: string; names?: string[]; chunkSize?: number } = {}): Promise<Copied> {
  const d = tempDir('fw-num-');
  cleanups.push(d.cleanup);
  writeFileSync(join(d.dir, 'in.csv'), bytes);
  const rejectsPath = join(d.dir, 'rejects.jsonl');
  const got = await writeNumberedCopy(join(d.dir, 'in.csv'), join(d.dir, 'out.csv'), {
    encoding: o.encoding ?? 'utf-8', delim: o.delim ?? ',', names: o.names ?? ['a', 'b'], rejectsPath, chunkSize: o.chunkSize,
  });
  const side = existsSync(rejectsPath) ? readFileSync(rejectsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
  return {
    ...got,
    text: readFileSync(join(d.dir, 'out.csv'), 'utf8'),
    rejects: side.map((r) => ({ row: r.row, reason: r.reason, field: r.field, line: r.line })),
    messages: side.map((r) => r.message),
  };
}

describe('numbered copy of a CSV file (numbered-copy.ts, csv-records.ts)', () => {
  it('numbers data records from 0 after the header; quoted line breaks and quotes kept, line ends LF, blank lines and a BOM dropped', async () => {
    const src = '\uFEFFa,b\r\n1,"x\r\ny"\r\n\r\n2,"say ""hi""\n, ok"\n\n3,z';
    const got = await copyOf(src);
    expect(got.text).toBe('_fw_row_number,a,b\n0,1,"x\r\ny"\n1,2,"say ""hi""\n, ok"\n2,3,z\n');
    expect(got).toMatchObject({ records: 3, rejected: 0, encoding: 'utf-8', rejects: [] });
    expect((await copyOf('a\tb\nx\ty\n', { delim: '\t' })).text).toBe('_fw_row_number\ta\tb\n0\tx\ty\n');
    expect(await copyOf('')).toMatchObject({ text: '', records: 0 });
  });

  it('rejects a record that cannot be parsed on its own (its first line) and goes on with the next line', async () => {
    const src = ['a,b', '1,"unclosed', '2,ok', '3,x"y', '4,"q"z', '5,"two\nlines"', '6,"a\nb",extra', '7,x\ry', '8,"fine, quoted"'].join('\n') + '\n';
    const got = await copyOf(src);
    expect(got.rejects).toEqual([
      { row: 1, reason: 'bad_row', field: 'b', line: '1,"unclosed' }, // its quote would close at row 3's, followed by y
      { row: 3, reason: 'bad_row', field: 'b', line: '3,x"y' },
      { row: 4, reason: 'bad_row', field: 'b', line: '4,"q"z' },
      { row: 6, reason: 'bad_row', field: null, line: '6,"a' }, // spans lines with 3 fields
      { row: 7, reason: 'bad_row', field: 'a', line: 'b",extra' }, // then read on its own: a stray quote
      { row: 8, reason: 'bad_row', field: 'b', line: '7,x\ry' },
    ]);
    expect(got.text).toBe('_fw_row_number,a,b\n1,2,ok\n4,5,"two\nlines"\n8,8,"fine, quoted"\n');
    expect(got.records).toBe(9);
    expect(got.messages[0]).toBe('CSV 行格式错误 malformed CSV row: 引号未闭合 unterminated quoted field'); // row 3's quote does not close it
    expect(got.messages[2]).toBe('CSV 行格式错误 malformed CSV row: 闭合引号后不是分隔符或行尾 closing quote not followed by the delimiter or the line end');
    expect(got.messages[3]).toMatch(/字段数 3 ≠ 表头的 2 a quoted line break makes the record span lines with 3 fields, the header has 2$/);
    const eof = await copyOf('a,b\n1,"open to the end\n2,ok\n');
    expect(eof.rejects).toEqual([{ row: 1, reason: 'bad_row', field: 'b', line: '1,"open to the end' }]);
    expect(eof.messages[0]).toBe('CSV 行格式错误 malformed CSV row: 引号未闭合 unterminated quoted field');
    expect(eof.text).toBe('_fw_row_number,a,b\n1,2,ok\n');
  });

  it('a quoted field spanning lines beyond 1 MB is an unclosed quote: only its first line is rejected', async () => {
    const filler = Array.from({ length: 40_000 }, (_, i) => `${i},filler row without quotes`);
    const got = await copyOf(['a,b', '1,"opens', ...filler, 'x,closes"'].join('\n') + '\n', { chunkSize: 64 << 10 });
    expect(got.rejects.map((r) => [r.row, r.line])).toEqual([[1, '1,"opens'], [40_002, 'x,closes"']]);
    expect(got.messages[0]).toMatch(/quoted line breaks make the record longer than 1 MB$/);
    expect(got.records).toBe(40_002);
    expect(got.text.split('\n')[1]).toBe('1,0,filler row without quotes');
  });

  it('gives the reference splitting whatever the chunking (CR and quotes at chunk ends, invalid bytes)', async () => {
    const rand = rng(11);
    const pieces = ['a', 'bc', '张三', '"', '""', ',', '\n', '\r\n', '\r', ' ', '12.50', '"引号,内\n换行"', '\n\n', '"x",', ',"y"'];
    const invalid = [[0xff], [0xc3], [0xe4, 0xb8], [0x80]];
    for (let round = 0; round < 150; round++) {
      const parts: Buffer[] = [Buffer.from(round % 5 === 0 ? '\uFEFFh1,h2\n' : 'h1,h2\n')];
      for (let k = 0; k < 120; k++) {
        parts.push(rand() < 0.03 ? Buffer.from(invalid[Math.floor(rand() * invalid.length)]) : Buffer.from(pieces[Math.floor(rand() * pieces.length)]));
      }
      const bytes = Buffer.concat(parts);
      // Invalid bytes: where a physical line is not UTF-8 (a sequence cannot span a line feed).
      const bad: number[] = [];
      for (let s = 0; s < bytes.length; ) {
        const lf = bytes.indexOf(0x0a, s);
        const e = lf === -1 ? bytes.length : lf + 1;
        if (!isUtf8(bytes.subarray(s, e))) bad.push(s);
        s = e;
      }
      const want = referenceSplit(bytes, ['h1', 'h2'], ',', bad);
      for (const chunkSize of [1 + Math.floor(rand() * 7), 1 + Math.floor(rand() * 64), bytes.length]) {
        const got = await copyOf(bytes, { names: ['h1', 'h2'], chunkSize, encoding: round % 5 === 0 ? 'utf-8-bom' : 'utf-8' });
        expect({ round, chunkSize, text: got.text, rejects: got.rejects }).toEqual({ round, chunkSize, text: want.copy, rejects: want.rejects });
        expect(got.records).toBe(want.rejects.length + want.copy.split('\n').filter((l) => /^\d+,/.test(l)).length);
      }
    }
  });

  it('numbers past 9, 99, 999 … with the right digits', async () => {
    const rows = Array.from({ length: 10_050 }, (_, i) => `r${i}`);
    const got = await copyOf(['h', ...rows].join('\n') + '\n', { names: ['h'] });
    const lines = got.text.split('\n');
    expect(got.records).toBe(10_050);
    for (const i of [0, 9, 10, 99, 100, 999, 1000, 9999, 10_000, 10_049]) expect(lines[i + 1]).toBe(`${i},r${i}`);
  });

  it('a file that is plain ASCII for megabytes and GBK later is read as GB18030 (decided at the first non-ASCII line)', async () => {
    const head = 'a,b\n' + 'x,1\n'.repeat(2_000_000); // 8 MB of ASCII: two chunks
    const gbk = Buffer.concat([Buffer.from(head), iconv.encode('张三,2\n', 'gbk')]);
    const d = tempDir('fw-num-');
    cleanups.push(d.cleanup);
    writeFileSync(join(d.dir, 'f.csv'), gbk);
    expect(detectEncoding(join(d.dir, 'f.csv'))).toBe('undecided');
    const got = await copyOf(gbk, { encoding: 'undecided' });
    expect(got).toMatchObject({ encoding: 'gb18030', records: 2_000_001, rejected: 0 });
    expect(got.text.endsWith('\n2000000,张三,2\n')).toBe(true);
    const ascii = await copyOf('a,b\nx,1\n', { encoding: 'undecided' });
    expect(ascii.encoding).toBe('utf-8');
  });

  it('one broken byte in a UTF-8 file rejects that record only; the file stays UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xd5, 0xc5]), Buffer.from('\n2,张三\n3,"李\n四"\n4,王五\n')]);
    expect(chooseEncoding(bytes, true)).toBe('utf-8');
    const got = await copyOf(bytes, { encoding: 'utf-8', chunkSize: 5 });
    expect(got.rejects).toEqual([{ row: 1, reason: 'bad_encoding', field: null, line: '1,\ufffd\ufffd' }]);
    expect(got.messages[0]).toBe('编码错误 bad encoding: 无效的 UTF-8 字节序列 invalid UTF-8 byte sequence');
    expect(got.text).toBe('_fw_row_number,a,b\n1,2,张三\n2,3,"李\n四"\n3,4,王五\n');
    // GBK text is not UTF-8: a GBK file votes GB18030 even with one line that happens to be valid UTF-8.
    expect(chooseEncoding(Buffer.concat([iconv.encode('a,b\n1,张三\n2,李四\n', 'gbk'), Buffer.from('3,é\n')]), true)).toBe('gb18030');
    expect(chooseEncoding(Buffer.from('a,b\n1,x\n'), true)).toBe(null);
  });
});
