import { open } from 'node:fs/promises';
import { DataType, RecordBatchReader, util, type Field } from 'apache-arrow';
import { DuckDBDataChunk, VARCHAR } from '@duckdb/node-api';
import type { Store } from '../store/store.ts';
import { ident } from './errors.ts';

const CHUNK = 2048; // DuckDB's vector size: the most rows one data chunk holds

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function formatEpochMs(ms: number, dateOnly: boolean): string {
  const d = new Date(ms);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return dateOnly ? date : `${date} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function decimalString(value: unknown, scale: number): string {
  const raw = util.bigNumToBigInt(value as never);
  const neg = raw < 0n;
  const digits = (neg ? -raw : raw).toString().padStart(scale + 1, '0');
  const s = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return neg ? `-${s}` : s;
}

/** One Arrow cell as the text a CSV export would hold (dates/times as local wall time, as written). */
function cellText(value: unknown, field: Field): string | null {
  if (value === null || value === undefined) return null;
  const type = field.type;
  if (DataType.isDecimal(type)) return decimalString(value, type.scale);
  if (DataType.isDate(type) || DataType.isTimestamp(type)) {
    const ms = value instanceof Date ? value.getTime() : Number(value);
    return formatEpochMs(ms, DataType.isDate(type));
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
}

/**
 * Loads an Arrow IPC file (file or stream format) into a VARCHAR staging table through the appender,
 * one record batch at a time (bounded memory). Returns the column names as read.
 */
export async function stageArrow(store: Store, path: string, table: string): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    const reader = await RecordBatchReader.from(handle);
    await reader.open();
    const fields = reader.schema.fields;
    const names = fields.map((f) => f.name);
    await store.run(`CREATE TEMP TABLE ${table} (${names.map((n) => `${ident(n)} VARCHAR`).join(', ')})`);
    const appender = await store.conn.createAppender(table, 'main', 'temp');
    try {
      for await (const batch of reader) {
        const columns = fields.map((_, i) => batch.getChildAt(i));
        for (let start = 0; start < batch.numRows; start += CHUNK) {
          const n = Math.min(CHUNK, batch.numRows - start);
          const chunk = DuckDBDataChunk.create(fields.map(() => VARCHAR), n);
          fields.forEach((field, c) => {
            const vec = columns[c];
            const values: (string | null)[] = new Array(n);
            for (let r = 0; r < n; r++) values[r] = vec ? cellText(vec.get(start + r), field) : null;
            chunk.setColumnValues(c, values);
          });
          appender.appendDataChunk(chunk);
        }
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    return names;
  } finally {
    await handle.close();
  }
}
