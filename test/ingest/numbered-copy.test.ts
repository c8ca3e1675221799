import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { NotUtf8Error, RecordNumberer, writeNumberedCopy } from '../../pipeline/ingest/numbered-copy.ts';
import { rng, tempDir } from '../helpers.ts';
import { numberedText } from './numbered-reference.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function numberChunked(bytes: Buffer, sizes: () => number, delim = ','): string {
  const r = new RecordNumberer(delim.charCodeAt(0));
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    const chunk = bytes.subarray(i, i + Math.max(1, sizes()));
    const out = Buffer.alloc(RecordNumberer.maxOutput(chunk.length, chunk.length));
    parts.push(out.subarray(0, r.number(chunk, out)));
    i += chunk.length;
  }
  const end = Buffer.alloc(4);
  parts.push(end.subarray(0, r.finish(end)));
  return Buffer.concat(parts).toString('utf8');
}

async function copyOf(text: string | Buffer, encoding: 'utf-8' | 'gb18030' = 'utf-8', delim = ','): Promise<{ text: string; records: number }> {
  const d = tempDir('fw-num-');
  cleanups.push(d.cleanup);
  writeFileSync(join(d.dir, 'in.csv'), text);
  const { records } = await writeNumberedCopy(join(d.dir, 'in.csv'), join(d.dir, 'out.csv'), encoding, delim);
  return { text: readFileSync(join(d.dir, 'out.csv'), 'utf8'), records };
}

describe('numbered copy of a CSV file (numbered-copy.ts)', () => {
  it('numbers data records from 0 after the header; quoted line breaks, escaped quotes, blank lines and a BOM', async () => {
    const src = '\uFEFFa,b\r\n1,"x\r\ny"\r\n\r\n2,"say ""hi""\n, ok"\n\n3,z';
    const got = await copyOf(src);
    expect(got.text).toBe('_fw_row_number,a,b\r\n0,1,"x\r\ny"\r\n\r\n1,2,"say ""hi""\n, ok"\n\n2,3,z');
    expect(got.records).toBe(3);
    expect((await copyOf('a\tb\nx\ty\n', 'utf-8', '\t')).text).toBe('_fw_row_number\ta\tb\n0\tx\ty\n');
    expect(await copyOf('')).toEqual({ text: '', records: 0 });
  });

  it('gives the reference numbering whatever the chunking (CR at chunk ends, quotes split across chunks)', () => {
    const rand = rng(11);
    const pieces = ['a', 'bc', '张三', '"', '""', ',', '\n', '\r\n', '\r', ' ', '12.50', '"引号,内\n换行"'];
    for (let round = 0; round < 200; round++) {
      let text = 'h1,h2\n';
      for (let k = 0; k < 300; k++) text += pieces[Math.floor(rand() * pieces.length)];
      const want = numberedText(text);
      const bytes = Buffer.from(text, 'utf8');
      expect(numberChunked(bytes, () => 1 + Math.floor(rand() * 7))).toBe(want);
      expect(numberChunked(bytes, () => bytes.length)).toBe(want);
    }
  });

  it('numbers past 9, 99, 999 … with the right digits', async () => {
    const rows = Array.from({ length: 10_050 }, (_, i) => `r${i}`);
    const got = await copyOf(['h', ...rows].join('\n') + '\n');
    const lines = got.text.split('\n');
    expect(got.records).toBe(10_050);
    for (const i of [0, 9, 10, 99, 100, 999, 1000, 9999, 10_000, 10_049]) expect(lines[i + 1]).toBe(`${i},r${i}`);
  });

  it('a file that is UTF-8 in its first chunks but not later: NotUtf8Error, so the caller reads it as GB18030', async () => {
    const head = 'a,b\n' + 'x,1\n'.repeat(2_000_000); // 8 MB of ASCII: two chunks
    const gbk = Buffer.concat([Buffer.from(head), iconv.encode('张三,2\n', 'gbk')]);
    await expect(copyOf(gbk)).rejects.toBeInstanceOf(NotUtf8Error);
    const asGbk = await copyOf(gbk, 'gb18030');
    expect(asGbk.records).toBe(2_000_001);
    expect(asGbk.text.endsWith('\n2000000,张三,2\n')).toBe(true);
  });
});
