import type { Store } from '../store/store.ts';
import { listDetectors } from '../detect/registry.ts';
import type { TruthRow } from './truth.ts';

export interface DetectorEval {
  detector_id: string;
  family: string;
  /** Planted cases that must raise an alert. */
  planted: number;
  /** Of those, how many an alert matched. */
  found: number;
  recall: number | null;
  /** Alerts of the detector (open or suppressed; withdrawn ones do not count). */
  alerts: number;
  /** Alerts that match a planted case. */
  alerts_true: number;
  precision: number | null;
  /** Near-miss look-alikes that must not fire, and how many were flagged anyway. */
  lookalikes: number;
  lookalikes_flagged: number;
  /** case_ids of planted cases not found and of look-alikes flagged (for debugging detectors). */
  missed: string[];
  flagged_lookalikes: string[];
}

export interface DetectorsEvalResult {
  detectors: DetectorEval[];
  totals: { planted: number; found: number; recall: number | null; alerts: number; alerts_true: number; precision: number | null; lookalikes: number; lookalikes_flagged: number };
  /** Truth rows for ids that are not detectors (e.g. early_warning), left to their own sections. */
  not_detectors: Record<string, number>;
}

const TRUTH_SPEC = JSON.stringify([
  { case_id: 'VARCHAR', detector_id: 'VARCHAR', expect: 'VARCHAR', psn_no: 'VARCHAR', fixmedins_code: 'VARCHAR', bilg_dr_codg: 'VARCHAR', mdtrt_id: 'VARCHAR', setl_id: 'VARCHAR', month: 'VARCHAR' },
]);

/**
 * Creates the temp tables `eval_truth` (the rows) and `eval_match` (case_id, detector_id, expect, alert_id): an alert
 * matches a truth row when the detector ids are equal and every non-null key of the row equals the alert's (`month` =
 * the alert's activity month). Withdrawn alerts never match. Call inside `store.exclusive`.
 */
export async function matchTruth(store: Store, rows: TruthRow[]): Promise<void> {
  const cols = ['case_id', 'detector_id', 'expect', 'psn_no', 'fixmedins_code', 'bilg_dr_codg', 'mdtrt_id', 'setl_id', 'month'] as const;
  const data = rows.map((r) => Object.fromEntries(cols.map((c) => [c, r[c]])));
  await store.run(
    `CREATE OR REPLACE TEMP TABLE eval_truth AS
     SELECT unnest(json_transform($1::JSON, '${TRUTH_SPEC}'), recursive := true)`,
    [JSON.stringify(data)],
  );
  await store.run(`CREATE OR REPLACE TEMP TABLE eval_match AS
    SELECT t.case_id, t.detector_id, t.expect, a.alert_id
    FROM eval_truth t JOIN alerts a
      ON a.detector_id = t.detector_id AND a.status <> 'withdrawn'
     AND (t.psn_no IS NULL OR t.psn_no = a.psn_no)
     AND (t.fixmedins_code IS NULL OR t.fixmedins_code = a.fixmedins_code)
     AND (t.bilg_dr_codg IS NULL OR t.bilg_dr_codg = a.bilg_dr_codg)
     AND (t.mdtrt_id IS NULL OR t.mdtrt_id = a.mdtrt_id)
     AND (t.setl_id IS NULL OR t.setl_id = a.setl_id)
     AND (t.month IS NULL OR t.month = strftime(a.activity_date, '%Y-%m'))`);
}

/**
 * Recall and precision per detector against the generator's ground truth. An alert matches a truth row when the
 * detector ids are equal and every non-null key of the truth row (psn_no, fixmedins_code, bilg_dr_codg, mdtrt_id,
 * setl_id; month = the alert's activity month) equals the alert's. Recall = planted cases matched / planted;
 * precision = alerts matching a planted case / all alerts of the detector (so background alerts count against it).
 */
export async function evaluateDetectors(store: Store, truth: TruthRow[]): Promise<DetectorsEvalResult> {
  const registered = await listDetectors();
  const ids = new Set(registered.map((d) => d.id));
  const family = new Map(registered.map((d) => [d.id, d.family as string]));
  const not_detectors: Record<string, number> = {};
  for (const r of truth) if (!ids.has(r.detector_id)) not_detectors[r.detector_id] = (not_detectors[r.detector_id] ?? 0) + 1;
  const rows = truth.filter((r) => ids.has(r.detector_id));

  return store.exclusive(async () => {
    await matchTruth(store, rows);
    const perTruth = await store.all<{ detector_id: string; expect: string; n: number; matched: number; unmatched_ids: string[]; matched_ids: string[] }>(
      `SELECT t.detector_id, t.expect, count(*)::INTEGER AS n,
              count(*) FILTER (WHERE m.case_id IS NOT NULL)::INTEGER AS matched,
              coalesce(list(t.case_id ORDER BY t.case_id) FILTER (WHERE m.case_id IS NULL), []) AS unmatched_ids,
              coalesce(list(t.case_id ORDER BY t.case_id) FILTER (WHERE m.case_id IS NOT NULL), []) AS matched_ids
       FROM eval_truth t LEFT JOIN (SELECT DISTINCT case_id FROM eval_match) m USING (case_id)
       GROUP BY ALL`,
    );
    const perAlerts = await store.all<{ detector_id: string; alerts: number; alerts_true: number }>(
      `SELECT a.detector_id, count(*)::INTEGER AS alerts,
              count(*) FILTER (WHERE a.alert_id IN (SELECT alert_id FROM eval_match WHERE expect = 'alert'))::INTEGER AS alerts_true
       FROM alerts a WHERE a.status <> 'withdrawn' GROUP BY a.detector_id`,
    );
    const evalIds = [...new Set([...rows.map((r) => r.detector_id), ...perAlerts.map((a) => a.detector_id)])]
      .filter((id) => ids.has(id))
      .sort((a, b) => registered.findIndex((d) => d.id === a) - registered.findIndex((d) => d.id === b));
    const detectors = evalIds.map((id): DetectorEval => {
      const pos = perTruth.find((r) => r.detector_id === id && r.expect === 'alert');
      const neg = perTruth.find((r) => r.detector_id === id && r.expect === 'no_alert');
      const al = perAlerts.find((r) => r.detector_id === id);
      return {
        detector_id: id,
        family: family.get(id) ?? '',
        planted: pos?.n ?? 0,
        found: pos?.matched ?? 0,
        recall: ratio(pos?.matched ?? 0, pos?.n ?? 0),
        alerts: al?.alerts ?? 0,
        alerts_true: al?.alerts_true ?? 0,
        precision: ratio(al?.alerts_true ?? 0, al?.alerts ?? 0),
        lookalikes: neg?.n ?? 0,
        lookalikes_flagged: neg?.matched ?? 0,
        missed: pos?.unmatched_ids ?? [],
        flagged_lookalikes: neg?.matched_ids ?? [],
      };
    });
    const sum = (k: 'planted' | 'found' | 'alerts' | 'alerts_true' | 'lookalikes' | 'lookalikes_flagged') => detectors.reduce((n, d) => n + d[k], 0);
    return {
      detectors,
      totals: {
        planted: sum('planted'),
        found: sum('found'),
        recall: ratio(sum('found'), sum('planted')),
        alerts: sum('alerts'),
        alerts_true: sum('alerts_true'),
        precision: ratio(sum('alerts_true'), sum('alerts')),
        lookalikes: sum('lookalikes'),
        lookalikes_flagged: sum('lookalikes_flagged'),
      },
      not_detectors,
    };
  });
}

function ratio(a: number, b: number): number | null {
  return b === 0 ? null : Math.round((a / b) * 10000) / 10000;
}
