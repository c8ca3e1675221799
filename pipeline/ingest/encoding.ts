import { createReadStream, createWriteStream, openSync, readSync, closeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import iconv from 'iconv-lite';
import { Gb18030Decoder, gbkDecoderAvailable, maxUtf8Length } from './gbk.ts';

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
 * A file whose later part is not UTF-8 is caught when DuckDB reads it (invalid unicode) and read again as GB18030.
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

/** ICU's GB18030 decoder, or null on a Node built without full ICU. */
function icuDecoder(): TextDecoder | null {
  try {
    return new TextDecoder('gb18030');
  } catch {
    return null;
  }
}

/** Chunk size of the transcoder: 2 MB in, about as much out, stays in the CPU's caches (measured: 8 MB was slower). */
const CHUNK = 2 << 20;

/**
 * Streams a GB18030/GBK file into a UTF-8 copy (bounded memory) for DuckDB to read, with the table-driven
 * decoder of gbk.ts (the same text as ICU's TextDecoder, about four times faster). Two input and two output
 * buffers: the read of the next chunk and the write of the previous one run while a chunk is decoded.
 * On a Node without full ICU (no tables to build from) or whose ICU decodes otherwise than gbk.ts expects
 * (`gbkSelfCheck`), the stream transcoder of before.
 */
export async function transcodeToUtf8(path: string, out: string): Promise<void> {
  if (!gbkDecoderAvailable()) return transcodeStream(path, out);
  const dec = new Gb18030Decoder();
  const inputs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  const outputs = [Buffer.allocUnsafe(maxUtf8Length(CHUNK)), Buffer.allocUnsafe(maxUtf8Length(CHUNK))];
  const src = await open(path, 'r');
  let dst: FileHandle | null = null;
  let reading: Promise<{ bytesRead: number }> = Promise.resolve({ bytesRead: 0 });
  let writing: Promise<void> = Promise.resolve();
  try {
    dst = await open(out, 'w');
    const sink = dst;
    let pos = 0;
    reading = src.read(inputs[0], 0, CHUNK, pos);
    for (let k = 0; ; k ^= 1) {
      const { bytesRead } = await reading;
      pos += bytesRead;
      if (bytesRead > 0) reading = src.read(inputs[k ^ 1], 0, CHUNK, pos);
      const n = dec.decodeInto(inputs[k].subarray(0, bytesRead), outputs[k], bytesRead > 0);
      await writing; // outputs[k ^ 1]'s write: once done, the next round may decode into it
      writing = writeAll(sink, outputs[k].subarray(0, n));
      if (bytesRead === 0) break;
    }
    await writing;
  } finally {
    await Promise.allSettled([reading, writing]);
    await src.close();
    await dst?.close();
  }
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  for (let off = 0; off < buf.length; ) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
}

/**
 * The stream transcoder used before gbk.ts: ICU's TextDecoder per chunk, or iconv-lite without full ICU.
 * (Node's streaming TextDecoder throws ERR_ENCODING_INVALID_ENCODED_DATA when an invalid sequence cut by a chunk
 * boundary makes a chunk's text longer than the chunk, e.g. 0x81 0x30 | 0x20; gbk.ts has no such case.)
 */
async function transcodeStream(path: string, out: string): Promise<void> {
  const dec = icuDecoder();
  const decode = dec
    ? new Transform({
        transform(chunk: Buffer, _enc, cb) {
          cb(null, Buffer.from(dec.decode(chunk, { stream: true }), 'utf8'));
        },
        flush(cb) {
          cb(null, Buffer.from(dec.decode(), 'utf8'));
        },
      })
    : iconv.decodeStream('gb18030');
  await pipeline(createReadStream(path, { highWaterMark: 4 << 20 }), decode, createWriteStream(out, { encoding: 'utf8' }));
}
