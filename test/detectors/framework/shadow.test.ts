import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decidedHistory as history, JAN, SHADOW } from './shadowFixture.ts';
import { storeWithRealKb } from '../billing/kbStore.ts';
import { runDetection } from '../../../pipeline/detect/engine.ts';
import { listAlerts } from '../../../pipeline/detect/alerts.ts';
import { detectorConfig } from '../../../pipeline/detect/params.ts';
import { getDetector } from '../../../pipeline/detect/registry.ts';
import { shadowAlerts, shadowPrecision } from '../../../pipeline/detect/shadow.ts';
import { describeDetector } from '../../../pipeline/detect/describe.ts';
import { updateCases } from '../../../pipeline/cases/update.ts';
import { rankSubjects } from '../../../pipeline/rank/rank.ts';
import type { FundwatchConfig } from '../../../pipeline/config.ts';
import type { Store } from '../../../pipeline/store/store.ts';

let store: Store;
let cleanup: () => void;
beforeEach(async () => {
  ({ store, cleanup } = await storeWithRealKb());
});
afterEach(() => cleanup());

const sexLimit = (config: FundwatchConfig, window = JAN) => runDetection(store, { ...window, detectors: ['kp_sex_limit'], config });

describe('shadow mode', () => {
  it('stores the alerts as shadow: never linked into cases, out of totals and rankings, listed only when asked for', async () => {
    await history(store);
    const s = await sexLimit(SHADOW);
    expect(s.counts.per_detector.kp_sex_limit).toMatchObject({ shadow: true, alerts: 3, alerts_new: 3, amount_at_risk: 400 });
    expect(s.counts).toMatchObject({ alerts: 0, alerts_new: 0, amount_at_risk: 0, alerts_shadow: 3 });
    expect(s.by_family).toEqual({});
    const shadow = await listAlerts(store, { detector: 'kp_sex_limit', status: 'shadow' });
    expect(shadow.map((a) => [a.mdtrt_id, a.status])).toEqual([['V1', 'shadow'], ['V2', 'shadow'], ['V3', 'shadow']]);
    expect(shadow[0]!.explanation_zh).toBe('参保人为男性，"子宫造影"限女性使用；2026-01-05 收费 1 次，金额 120.00 元');
    expect(await listAlerts(store, { detector: 'kp_sex_limit' })).toEqual([]);

    const cases = await updateCases(store, { runId: s.run_id });
    expect(cases).toMatchObject({ alerts_linked: 0, cases_new: 0, cases_reopened: 0 });
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM case_alerts ca JOIN alerts a USING (alert_id) WHERE a.status = 'shadow'`)).toBe(0);
    expect(await rankSubjects(store, 'provider')).toEqual([]);
    // What the dashboard's totals read: status 'open' — the three legacy alerts only.
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM alerts WHERE status = 'open'`)).toBe(3);

    // A second shadow night: the same alerts, still shadow, nothing new for inspectors.
    const again = await sexLimit(SHADOW);
    expect(again.counts.per_detector.kp_sex_limit).toMatchObject({ alerts: 3, alerts_new: 0, alerts_existing: 3 });
    expect((await listAlerts(store, { status: 'shadow' })).length).toBe(3);
  });

  it('shows shadow precision: shadow alerts that coincide with decided cases by subject and lines', async () => {
    await history(store);
    await sexLimit(SHADOW);
    // V1 shares V1-1 with M1's confirmed case, V2 shares V2-1 with M2's false alarm, V3 only the person (no common line).
    expect(await shadowPrecision(store)).toEqual({
      kp_sex_limit: { alerts: 3, amount_at_risk: 400, confirmed: 1, false_alarm: 1, precision: 0.5 },
    });
    const examples = await shadowAlerts(store, 'kp_sex_limit');
    expect(examples.map((a) => [a.mdtrt_id, a.coincides_with])).toEqual([['V2', 'false_alarm'], ['V1', 'confirmed'], ['V3', null]]);
    expect(await shadowPrecision(store, { region: '429900' })).toEqual({});

    const d = await getDetector('kp_sex_limit');
    const stats = (await shadowPrecision(store)).kp_sex_limit!;
    expect(describeDetector(d, SHADOW, stats)).toMatchObject({ shadow: true, shadow_until: null, shadow_precision: { precision: 0.5 } });
  });

  it('when shadow ends, the next run raises the shadow alerts as open alerts that become cases', async () => {
    await history(store);
    const first = await sexLimit({ detectors: { kp_sex_limit: { shadow_until: '2999-12-31' } } });
    expect(first.counts.per_detector.kp_sex_limit!.shadow).toBe(true);
    // Over: shadow_until in the past. A window that re-finds only V3 still raises all three.
    const live = await sexLimit({ detectors: { kp_sex_limit: { shadow_until: '2000-01-01' } } }, { from: '2026-01-20', to: '2026-01-31' });
    expect(live.counts.per_detector.kp_sex_limit).toMatchObject({ shadow: false, alerts: 1, alerts_new: 1, alerts_promoted: 3 });
    expect(live.counts).toMatchObject({ alerts: 1, alerts_promoted: 3, alerts_shadow: 0 });
    const open = await listAlerts(store, { detector: 'kp_sex_limit' });
    expect(open.map((a) => [a.mdtrt_id, a.status, a.run_id])).toEqual([['V1', 'open', live.run_id], ['V2', 'open', live.run_id], ['V3', 'open', live.run_id]]);
    expect(await shadowPrecision(store)).toEqual({});
    // Visit alerts join their provider's case: one new case for H1.
    expect(await updateCases(store, { runId: live.run_id })).toMatchObject({ alerts_linked: 3, cases_new: 1 });
  });

  it('withdraws a shadow alert whose lines are reversed; the config is checked, naming the path', async () => {
    await history(store);
    await sexLimit(SHADOW);
    await store.run("UPDATE setl_d SET refd_setl_flag = 1 WHERE setl_id = 'S-V3'");
    expect((await sexLimit(SHADOW)).counts.alerts_withdrawn).toBe(1);
    expect((await listAlerts(store, { status: 'withdrawn' })).map((a) => a.mdtrt_id)).toEqual(['V3']);

    const d = await getDetector('kp_sex_limit');
    expect(detectorConfig({ detectors: { kp_sex_limit: { shadow_until: '2026-12-20' } } }, d)).toMatchObject({ shadow: false, shadowUntil: '2026-12-20' });
    expect(() => detectorConfig({ detectors: { kp_sex_limit: { shadow: 'yes' } } }, d)).toThrow(/detectors\.kp_sex_limit\.shadow /);
    expect(() => detectorConfig({ detectors: { kp_sex_limit: { shadow_until: '2026-02-30' } } }, d)).toThrow(/detectors\.kp_sex_limit\.shadow_until/);
    expect(() => detectorConfig({ detectors: { kp_sex_limit: { shadow: true, shadow_until: '2026-12-20' } } }, d)).toThrow(/either shadow or shadow_until/);
    await expect(sexLimit({ detectors: { kp_sex_limit: { shadow: 1 } } })).rejects.toThrow(/detectors\.kp_sex_limit\.shadow/);
  });
});
