import { openSync, readSync, closeSync } from 'node:fs';

export type CsvEncoding = 'utf-8' | 'utf-8-bom' | 'gb18030';

const SAMPLE = 1 << 20;

/** The first `bytes` bytes of a file (fewer when it is shorter). */
export function readFileHead(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(bytes);
  try {
    return buf.subarray(0, readSync(fd, buf, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * Encoding of a CSV file from a 1 MB sample: a UTF-8 BOM, else strict UTF-8 decoding of the sample (cut at
 * the last newline, so a multi-byte character is never split), else GB18030 (a superset of GBK).
 * A file whose later part is not UTF-8 is caught while its numbered copy is written (numbered-copy.ts) and read as GB18030.
 */
export function detectEncoding(path: string): CsvEncoding {
  const sample = readFileHead(path, SAMPLE);
  const n = sample.length;
  if (n >= 3 && sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return 'utf-8-bom';
  const cut = n === SAMPLE ? sample.lastIndexOf(0x0a) + 1 || n : n;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, cut));
    return 'utf-8';
  } catch {
    return 'gb18030';
  }
}
