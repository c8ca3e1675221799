import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCity } from '../../data/generator/index.ts';
import { ingestBatch } from '../../pipeline/ingest/ingest.ts';
import { tempDir, tempStore } from '../helpers.ts';

/** A generated city goes through the real ingest without a single rejected row, in UTF-8 and in GB18030. */
describe('generated city through fundwatch ingest', () => {
  const utf8 = tempDir('fw-gen-utf8-');
  const gbk = tempDir('fw-gen-gbk-');
  let s: Awaited<ReturnType<typeof tempStore>>;

  beforeAll(async () => {
    await generateCity({ out: utf8.dir, persons: 800, days: 60, seed: 11 });
    await generateCity({ out: gbk.dir, persons: 800, days: 60, seed: 11, gbk: true });
    s = await tempStore();
  });
  afterAll(() => {
    s?.cleanup();
    utf8.cleanup();
    gbk.cleanup();
  });

  it('--gbk writes the same text encoded as GB18030', async () => {
    for (const t of ['psn_info', 'fixmedins', 'fee_list_d', 'med_catalog']) {
      const plain = readFileSync(join(utf8.dir, `${t}.csv`));
      const encoded = readFileSync(join(gbk.dir, `${t}.csv`));
      expect(encoded.equals(plain), t).toBe(false);
      expect(iconv.decode(encoded, 'gb18030'), t).toBe(plain.toString('utf8'));
    }
    await expect(generateCity({ out: gbk.dir, persons: 800, days: 60, seed: 11, gbk: true, format: 'parquet' })).rejects.toThrow(/CSV output only/);
  });

  it('ingests with no rejects at all: no end_before_start, no orphans, no warnings', async () => {
    const r = await ingestBatch(s.store, gbk.dir);
    expect(r.status).toBe('loaded');
    const rejects = await s.store.all<{ reason_code: string; n: number }>(`SELECT reason_code, count(*)::INTEGER AS n FROM rejects GROUP BY 1`);
    expect(rejects).toEqual([]);
    const truthVisits = readFileSync(join(gbk.dir, '_truth', 'truth.jsonl'), 'utf8').trim().split('\n')
      .map((l) => JSON.parse(l) as { mdtrt_id: string | null }).filter((t) => t.mdtrt_id).map((t) => t.mdtrt_id!);
    const loaded = await s.store.all<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM mdtrt_d WHERE mdtrt_id IN (SELECT unnest(from_json($1::JSON, '["VARCHAR"]')))`, [JSON.stringify(truthVisits)]);
    expect(loaded[0]!.n).toBe(new Set(truthVisits).size);
    // The Chinese names survived the GB18030 round trip.
    const [code, name] = readFileSync(join(utf8.dir, 'fixmedins.csv'), 'utf8').split('\n')[1]!.split(',');
    const loadedName = await s.store.all<{ n: string }>(`SELECT fixmedins_name AS n FROM fixmedins WHERE fixmedins_code = $1`, [code!]);
    expect(name).toMatch(/[\u4e00-\u9fff]/);
    expect(loadedName).toEqual([{ n: name }]);
  });
});
