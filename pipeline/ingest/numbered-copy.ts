import { isAscii } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { RecordSplitter, maxNumberedOutput, type MalformedRecord, type TextEncoding } from './csv-records.ts';
import { chooseEncoding, type CsvEncoding } from './encoding.ts';
import { gb18030ToUtf8, maxUtf8Length, type Decode } from './gbk.ts';

export { NUMBER_COLUMN } from './csv-records.ts';

/**
 * A UTF-8 copy of a CSV file with each record's number in front, for DuckDB to read in place instead of staging
 * the file in a table. read_csv has no row number (Parquet has file_row_number), and staging 10 M fee lines as a
 * VARCHAR table cost more than reading the file twice: 19 s and about 5 GB, against 6 s per read (measured).
 *
 * The records are split by csv-records.ts: records that cannot be parsed, or that hold invalid byte sequences,
 * are left out of the copy and written to a sidecar file, one JSON object per line (MalformedRecord), which the
 * ingest reads into `rejects`. A UTF-8 BOM is dropped; GB18030 input is decoded (gbk.ts). Copy and sidecar are
 * created with mode 0600 (they hold personal data).
 */

/** Thrown for a physical line longer than MAX_LINE (no line feed for that long: not a CSV file of rows). */
export class LineTooLongError extends Error {}

const CHUNK = 4 << 20;
const MAX_LINE = 64 << 20;
const LF = 0x0a;
const EMPTY: Buffer = Buffer.alloc(0);

function countLineFeeds(b: Buffer): number {
  let k = 0;
  for (let i = b.indexOf(LF); i !== -1; i = b.indexOf(LF, i + 1)) k++;
  return k;
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  for (let off = 0; off < buf.length; ) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
}

export interface CopyOptions {
  /** From detectEncoding; 'undecided' (ASCII so far) is settled at the first chunk holding non-ASCII bytes. */
  encoding: CsvEncoding | 'undecided';
  delim: string;
  /** The header's column names (their count is the field count of a record spanning lines). */
  names: string[];
  /** Where the sidecar of rejected records goes (written only when there is one). */
  rejectsPath: string;
  /** Bytes read at a time (tests use small ones to cut records and characters anywhere). */
  chunkSize?: number;
}

export interface NumberedCopy {
  /** Data records numbered (blank lines not counted), rejected ones included. */
  records: number;
  /** Records in the sidecar. */
  rejected: number;
  encoding: CsvEncoding;
}

/**
 * Writes the numbered UTF-8 copy of `path` to `out`. The next chunk is read and the previous one written while a
 * chunk is split. Text reaches the splitter in whole lines: what follows the last line feed of a chunk (and a
 * record still open there) is carried over to the next one.
 */
export async function writeNumberedCopy(path: string, out: string, opts: CopyOptions): Promise<NumberedCopy> {
  let encoding: CsvEncoding | 'undecided' = opts.encoding;
  let dec: Decode | null = encoding === 'gb18030' ? gb18030ToUtf8() : null;
  const splitter = new RecordSplitter(opts.delim.charCodeAt(0), opts.names);
  const src = await open(path, 'r');
  // A small file (a batch may hold hundreds of parts) gets small buffers: one read, then the empty one.
  const size = await src.stat().then((st) => st.size, async (err: unknown) => {
    await src.close();
    throw err;
  });
  const chunk = Math.max(1, Math.min(opts.chunkSize ?? CHUNK, size));
  const inputs = [Buffer.allocUnsafe(chunk), Buffer.allocUnsafe(chunk)];
  let decoded: Buffer | null = null;
  let carry = EMPTY;
  let first = true;
  let rejected = 0;
  let dst: FileHandle | null = null;
  let side: FileHandle | null = null;
  let reading: Promise<{ bytesRead: number }> = Promise.resolve({ bytesRead: 0 });
  let writing: Promise<void> = Promise.resolve();
  try {
    dst = await open(out, 'w', 0o600);
    const sink = dst;
    let pos = 0;
    reading = src.read(inputs[0], 0, chunk, pos);
    for (let k = 0; ; k ^= 1) {
      const { bytesRead } = await reading;
      pos += bytesRead;
      const last = bytesRead === 0;
      if (!last) reading = src.read(inputs[k ^ 1], 0, chunk, pos);
      let input: Buffer = inputs[k].subarray(0, bytesRead);
      if (encoding === 'undecided' && !(isAscii(input) && isAscii(carry))) {
        // ASCII reads the same either way: the first whole lines with other bytes decide. Until then the carry is
        // raw bytes, so that it is decoded with the rest when the choice is GB18030.
        const probe = carry.length > 0 ? Buffer.concat([carry, input]) : input;
        const choice = chooseEncoding(probe, last);
        if (choice) encoding = choice;
        if (choice === 'gb18030') {
          dec = gb18030ToUtf8();
          input = probe;
          carry = EMPTY;
        }
      }
      let piece: Buffer = input;
      if (dec) {
        if (!decoded || decoded.length < maxUtf8Length(input.length)) decoded = Buffer.allocUnsafe(maxUtf8Length(input.length));
        piece = decoded.subarray(0, dec(input, decoded, !last));
      }
      // text and numbered output in one buffer (see RecordSplitter.copy)
      const total = carry.length + piece.length;
      const arena = Buffer.allocUnsafe(total + maxNumberedOutput(total, countLineFeeds(carry) + countLineFeeds(piece)));
      carry.copy(arena, 0);
      piece.copy(arena, carry.length);
      let text = arena.subarray(0, total);
      if (first) {
        if (total < 3 && !last) {
          carry = Buffer.from(text); // too little yet to tell a BOM
          continue;
        }
        first = false;
        if (text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf) text = text.subarray(3);
      }
      const limit = last ? text.length : text.lastIndexOf(LF) + 1;
      if (text.length - limit > MAX_LINE) throw new LineTooLongError(`一行超过 ${MAX_LINE >> 20} MB a line longer than ${MAX_LINE >> 20} MB (no line feed before byte ${pos})`);
      const mode: TextEncoding = encoding === 'gb18030' ? 'gb18030' : 'utf-8';
      const { consumed, written } = splitter.feed(text, limit, last, mode, arena.subarray(total));
      carry = consumed < text.length ? Buffer.from(text.subarray(consumed)) : EMPTY;
      const bad = splitter.takeRejects();
      if (bad.length > 0) {
        side ??= await open(opts.rejectsPath, 'w', 0o600);
        await writeAll(side, sidecarLines(bad));
        rejected += bad.length;
      }
      await writing;
      writing = writeAll(sink, arena.subarray(total, total + written));
      if (last) break;
    }
    await writing;
    return { records: splitter.records, rejected, encoding: encoding === 'undecided' ? 'utf-8' : encoding };
  } finally {
    await Promise.allSettled([reading, writing]);
    await src.close();
    await dst?.close();
    await side?.close();
  }
}

function sidecarLines(records: MalformedRecord[]): Buffer {
  return Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n', 'utf8');
}
