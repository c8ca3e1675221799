import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ingestBatch } from '../../pipeline/ingest/ingest.ts';
import { tempDir, tempStore } from '../helpers.ts';
import { fileArb, renderFile, type Expected } from './csv-gen.ts';

/**
 * Property: whatever mix of valid and malformed rows a CSV file holds (stray and unclosed quotes, short and long
 * rows, invalid GB18030 / UTF-8 bytes, CRLF/LF, BOMs, quoted line breaks, delimiters and doubled quotes, blank
 * lines; see csv-gen.ts for the generator and why its expected outcome is unambiguous), every valid row is loaded
 * with its exact values, every invalid one is rejected with its row number and reason, and read = loaded +
 * rejected. The files go through the real ingestBatch, a few hundred psn_info files per batch (psn_info.part<i>.csv).
 * Fixed seed; FC_SEED=<n> to vary it.
 */
const BATCHES = Number(process.env.FW_PROP_BATCHES ?? 40);
const FILES_PER_BATCH = 256;
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 20_261_212;

let store: Awaited<ReturnType<typeof tempStore>>;
beforeAll(async () => {
  store = await tempStore();
});
afterAll(() => store?.cleanup());

function describeFile(name: string, bytes: Buffer, want: Expected[]): string {
  return `${name}: ${JSON.stringify(bytes.toString('latin1'))}\nexpected ${JSON.stringify(want)}`;
}

describe('CSV ingest over generated files (fast-check)', () => {
  it(`loads every valid row and rejects every invalid one with its row number (${BATCHES * FILES_PER_BATCH} files)`, async () => {
    let run = 0;
    let files = 0;
    let rows = 0;
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(fc.array(fileArb, { minLength: FILES_PER_BATCH, maxLength: FILES_PER_BATCH }), async (specs) => {
        const b = run++;
        const d = tempDir('fw-prop-');
        try {
          const want = new Map<string, { bytes: Buffer; expected: Expected[] }>();
          specs.forEach((spec, f) => {
            const name = `psn_info.part${f}.csv`;
            const r = renderFile(spec, (i) => `B${b}F${f}U${i}`);
            writeFileSync(join(d.dir, name), r.bytes);
            want.set(name, r);
          });
          const summary = await ingestBatch(store.store, d.dir);
          files += specs.length;
          const all = [...want.values()].flatMap((w) => w.expected);
          rows += all.length;
          const ok = all.filter((e) => e.ok);
          // Loaded rows and their values, by key.
          const loaded = await store.store.all<{ psn_no: string; psn_name: string | null; aid_category: string | null }>(
            `SELECT psn_no, psn_name, aid_category FROM psn_info WHERE batch_id = $1`, [summary.batch_id]);
          const byKey = new Map(loaded.map((r) => [r.psn_no, r]));
          const rejects = await store.store.all<{ file: string; row_number: number; reason_code: string }>(
            `SELECT DISTINCT file, row_number, reason_code FROM rejects WHERE batch_id = $1`, [summary.batch_id]);
          const got = new Map<string, string[]>();
          for (const r of rejects) got.set(`${r.file}#${r.row_number}`, [...(got.get(`${r.file}#${r.row_number}`) ?? []), r.reason_code]);
          for (const [name, w] of want) {
            for (const e of w.expected) {
              const found = e.ok ? byKey.get(e.psn_no) : null;
              const mine = got.get(`${name}#${e.row}`) ?? [];
              const fine = e.ok
                ? found?.psn_name === e.psn_name && found.aid_category === e.aid_category && mine.length === 0
                : mine.length === 1 && mine[0] === e.reason;
              if (!fine) {
                throw new Error(`row ${e.row}: got ${JSON.stringify({ row: found, rejects: mine })}\n${describeFile(name, w.bytes, w.expected)}`);
              }
            }
            const file = summary.files.find((x) => x.file === name);
            if (file?.rows !== w.expected.length) throw new Error(`read ${file?.rows} records\n${describeFile(name, w.bytes, w.expected)}`);
          }
          expect(loaded.length).toBe(ok.length);
          expect(rejects.length).toBe(all.length - ok.length);
          expect(summary.tables.psn_info).toMatchObject({ read: all.length, loaded: ok.length, rejected: all.length - ok.length, warnings: 0 });
        } finally {
          d.cleanup();
        }
      }),
      { numRuns: BATCHES, seed: SEED, endOnFailure: true },
    );
    const s = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`CSV property test: ${files} generated files (${rows} records) in ${BATCHES} batches, seed ${SEED}, ${s} s`);
    expect(files).toBe(BATCHES * FILES_PER_BATCH); // 10,240 by default
  }, 600_000);
});
