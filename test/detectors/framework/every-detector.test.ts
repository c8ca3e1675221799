import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { generateCity, MIN_DAYS } from '../../../data/generator/index.ts';
import { ingestBatch } from '../../../pipeline/ingest/ingest.ts';
import { runDetection, type RunSummary } from '../../../pipeline/detect/engine.ts';
import { listAlerts, type AlertJson } from '../../../pipeline/detect/alerts.ts';
import { yuan } from '../../../pipeline/detect/explain.ts';
import { listDetectors } from '../../../pipeline/detect/registry.ts';
import type { Store } from '../../../pipeline/store/store.ts';
import { tempDir } from '../../helpers.ts';
import { storeWithRealKb } from '../billing/kbStore.ts';

/**
 * Every registered detector over the smallest generated city (planted cases of every family) with the real
 * knowledge base: each alert carries a non-empty explanation_zh that states its amount as `N.NN 元`.
 */
describe('explanation_zh on the alerts of every registered detector', () => {
  const t = tempDir('fw-explain-city-');
  let store: Store;
  let cleanup: () => void;
  let summary: RunSummary;
  let alerts: AlertJson[];

  beforeAll(async () => {
    const city = join(t.dir, 'city');
    await generateCity({ out: city, persons: 500, days: MIN_DAYS, seed: 1 });
    ({ store, cleanup } = await storeWithRealKb());
    await ingestBatch(store, city);
    summary = await runDetection(store, {});
    alerts = await listAlerts(store, {});
  }, 300_000);
  afterAll(() => {
    cleanup?.();
    t.cleanup();
  });

  it('runs every registered detector without failure', async () => {
    const ids = (await listDetectors()).map((d) => d.id);
    expect(Object.keys(summary.counts.per_detector).sort()).toEqual([...ids].sort());
    expect(Object.values(summary.counts.per_detector).filter((c) => c.status === 'failed')).toEqual([]);
    expect(summary.warnings.filter((w) => w.includes('explain'))).toEqual([]);
  });

  it('gives every alert a sentence with its amount', async () => {
    expect(alerts.length).toBeGreaterThan(0);
    const bad = alerts.filter((a) => !a.explanation_zh.trim() || !a.explanation_zh.includes(yuan(a.amount_at_risk)));
    expect(bad.map((a) => `${a.detector_id}: ${JSON.stringify(a.explanation_zh)} (amount ${a.amount_at_risk})`)).toEqual([]);
  });

  it('covers most detectors and every family that the city plants', async () => {
    const fired = new Set(alerts.map((a) => a.detector_id));
    const families = new Set(alerts.map((a) => a.family));
    const registered = await listDetectors();
    for (const f of new Set(registered.map((d) => d.family))) expect(families, `family ${f}`).toContain(f);
    // Detectors the small city does not trigger are listed here, so a change in coverage is seen.
    const silent = registered.filter((d) => !fired.has(d.id)).map((d) => d.id);
    expect(silent.length, `no alerts in this city: ${silent.join(', ')}`).toBeLessThanOrEqual(Math.floor(registered.length / 4));
  });
});
