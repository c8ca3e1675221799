import type { FundwatchConfig } from '../../pipeline/config.ts';
import { listAlerts, type AlertJson } from '../../pipeline/detect/alerts.ts';
import { runDetection, type RunSummary } from '../../pipeline/detect/engine.ts';
import type { Store } from '../../pipeline/store/store.ts';

export interface DetectOnceOptions {
  from: string;
  to: string;
  config?: FundwatchConfig;
}

/**
 * Runs one detector through the real engine (clean views, params, window, upsert) and returns its alerts
 * (every status) in the interfaces.md shape, sorted by (psn_no, fixmedins_code, bilg_dr_codg, mdtrt_id, setl_id).
 * Throws when the detector failed, with its error.
 */
export async function detectOnce(store: Store, detectorId: string, opts: DetectOnceOptions): Promise<AlertJson[]> {
  const summary = await runDetection(store, { from: opts.from, to: opts.to, config: opts.config, detectors: [detectorId] });
  const count = summary.counts.per_detector[detectorId];
  if (count?.status === 'failed') throw new Error(`detector ${detectorId} failed: ${count.error}`);
  lastSummary = summary;
  const alerts = await listAlerts(store, { detector: detectorId });
  return alerts.sort(byAlertKey);
}

/** The summary of the latest detectOnce run (warnings, counts). */
export let lastSummary: RunSummary | undefined;

const KEYS = ['psn_no', 'fixmedins_code', 'bilg_dr_codg', 'mdtrt_id', 'setl_id'] as const;

export function byAlertKey(a: AlertJson, b: AlertJson): number {
  for (const k of KEYS) {
    const x = a[k] ?? '';
    const y = b[k] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.alert_id < b.alert_id ? -1 : a.alert_id > b.alert_id ? 1 : 0;
}
