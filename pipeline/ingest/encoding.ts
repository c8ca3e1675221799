import { isAscii, isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export type CsvEncoding = 'utf-8' | 'utf-8-bom' | 'gb18030';

const SAMPLE = 1 << 20;
/** Lines holding non-ASCII bytes looked at to choose the encoding. */
const VOTES = 1000;
const LF = 0x0a;

/** The first `bytes` bytes of a file (fewer when it is shorter). */
export function readFileHead(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const n = Math.min(bytes, fstatSync(fd).size);
    const buf = Buffer.alloc(n);
    return buf.subarray(0, n > 0 ? readSync(fd, buf, 0, n, 0) : 0);
  } finally {
    closeSync(fd);
  }
}

/**
 * UTF-8 or GB18030 for bytes of a CSV file, from its first lines that hold non-ASCII bytes (up to VOTES of them):
 * UTF-8 when at least as many of them are valid UTF-8 as not. One line with a broken byte in a UTF-8 file does not
 * turn the whole file into GB18030 (read so, its UTF-8 text would silently become other characters); GBK text is
 * practically never valid UTF-8. Null when no whole line holds a non-ASCII byte. `complete`: `bytes` ends the file
 * (else its last line, possibly cut inside a character, is not looked at).
 */
export function chooseEncoding(bytes: Buffer, complete: boolean): 'utf-8' | 'gb18030' | null {
  const end = complete ? bytes.length : bytes.lastIndexOf(LF) + 1;
  let valid = 0;
  let invalid = 0;
  for (let s = 0; s < end && valid + invalid < VOTES; ) {
    const lf = bytes.indexOf(LF, s);
    const e = lf === -1 || lf >= end ? end : lf + 1;
    const line = bytes.subarray(s, e);
    if (!isAscii(line)) {
      if (isUtf8(line)) valid++;
      else invalid++;
    }
    s = e;
  }
  if (valid + invalid === 0) return null;
  return valid >= invalid ? 'utf-8' : 'gb18030';
}

/**
 * Encoding of a CSV file from its first megabyte: a UTF-8 BOM, else `chooseEncoding`. 'undecided' when the sample
 * is plain ASCII and the file goes on: the numbered copy decides at the first non-ASCII bytes (numbered-copy.ts),
 * so a file that is ASCII for megabytes and GBK later is read as GB18030 throughout, and an all-ASCII file is UTF-8.
 */
export function detectEncoding(path: string): CsvEncoding | 'undecided' {
  const sample = readFileHead(path, SAMPLE);
  const n = sample.length;
  if (n >= 3 && sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return 'utf-8-bom';
  const complete = n < SAMPLE;
  return chooseEncoding(sample, complete) ?? (complete ? 'utf-8' : 'undecided');
}
