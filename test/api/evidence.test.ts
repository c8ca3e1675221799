import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempStore } from '../helpers.ts';
import type { Store } from '../../pipeline/store/store.ts';
import { refreshCaseEvidence, readCaseEvidence } from '../../pipeline/nightly/case-evidence.ts';
import { caseAlerts } from '../../api/case-detail.ts';
import { testRedis } from '../queue/redis-test.ts';
import { bearer, seedStore, testServer } from './seed.ts';

type Line = { feedetl_sn: string; offending: boolean; detectors: string[]; det_item_fee_sumamt: number; fee_ocur_time: string };
const lines = (rows: Record<string, unknown>[]) => (rows as Line[]).map((e) => [e.feedetl_sn, e.offending, e.detectors, e.det_item_fee_sumamt]);

describe('case evidence materialised per case (case_evidence)', () => {
  let store: Store;
  let cleanup: () => void;
  let cases: Record<string, string>;

  beforeAll(async () => {
    const t = await tempStore();
    store = t.store;
    cleanup = t.cleanup;
    ({ cases } = await seedStore(store));
  });
  afterAll(() => cleanup());

  it('live and materialised evidence are the same rows; a withdrawn alert or a new batch makes the case stale', async () => {
    const alerts = await caseAlerts(store, cases.H1!);
    const live = await readCaseEvidence(store, cases.H1!, alerts);
    expect(live.cached).toBe(false);
    expect(lines(live.rows)).toEqual([
      ['F1', true, ['gender_restricted_item'], 120],
      ['F2', true, ['gender_restricted_item'], 30.5],
      ['F6', false, [], 8],
    ]);
    expect((live.rows[0] as Line).fee_ocur_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);

    expect(await refreshCaseEvidence(store)).toMatchObject({ cases: 3, lines: 6 }); // H1: F1 F2 F6, H3: F5, P1: V2's F3 F4
    const cached = await readCaseEvidence(store, cases.H1!, alerts);
    expect(cached.cached).toBe(true);
    expect(cached.rows).toEqual(live.rows);
    expect(await refreshCaseEvidence(store)).toMatchObject({ cases: 0, lines: 0 }); // idempotent

    // A withdrawn alert: the stored rows no longer match the alerts → computed live, F2 no longer offending.
    await store.run(`UPDATE alerts SET status = 'withdrawn' WHERE alert_id = 'A2'`);
    const after = await caseAlerts(store, cases.H1!);
    const liveAfter = await readCaseEvidence(store, cases.H1!, after);
    expect(liveAfter.cached).toBe(false);
    expect(lines(liveAfter.rows)).toEqual([
      ['F1', true, ['gender_restricted_item'], 120],
      ['F2', false, [], 30.5],
      ['F6', false, [], 8],
    ]);
    expect(await refreshCaseEvidence(store)).toMatchObject({ cases: 1, lines: 3 });
    expect((await readCaseEvidence(store, cases.H1!, after)).rows).toEqual(liveAfter.rows);

    // A newly loaded batch may have replaced lines: every case is rebuilt.
    await store.run(`INSERT INTO batches (batch_id, source_dir, status, started_at, finished_at) VALUES ('B9', '/x', 'loaded', now(), now())`);
    expect((await readCaseEvidence(store, cases.H1!, after)).cached).toBe(false);
    expect(await refreshCaseEvidence(store)).toMatchObject({ cases: 3 });
    expect((await readCaseEvidence(store, cases.H1!, after)).cached).toBe(true);
    await store.run(`UPDATE alerts SET status = 'open' WHERE alert_id = 'A2'`);
    await refreshCaseEvidence(store);
  });

  it('the case detail route shows the same evidence from the cache and asks for a refresh when it computed it live', async () => {
    const calls: string[] = [];
    const t = await tempStore();
    try {
      const s = await seedStore(t.store);
      const server = await testServer(t.store, t.dir, testRedis().settings, { evidenceStale: () => calls.push('stale') });
      try {
        const get = () => server.inject({ method: 'GET', url: `/api/v1/cases/${s.cases.H1}`, headers: bearer(s.tokens.inspector) });
        const first = await get();
        expect(first.statusCode).toBe(200);
        expect(calls).toEqual(['stale']);
        await refreshCaseEvidence(t.store);
        const second = await get();
        expect(calls).toEqual(['stale']); // served from case_evidence
        expect(second.json().evidence).toEqual(first.json().evidence);
        expect(lines(second.json().evidence)).toEqual([
          ['F1', true, ['gender_restricted_item'], 120],
          ['F2', true, ['gender_restricted_item'], 30.5],
          ['F6', false, [], 8],
        ]);
      } finally {
        await server.close();
      }
    } finally {
      t.cleanup();
    }
  });
});
