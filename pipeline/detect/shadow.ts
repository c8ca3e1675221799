import type { Store } from '../store/store.ts';
import { ALERT_SELECT, alertJson, type AlertJson } from './alerts.ts';

/**
 * Shadow precision: how a detector in shadow would have fared, from what inspectors decided. A shadow alert
 * coincides with a decided case when an alert of that case (confirmed or false_alarm, case decided, appealed or
 * closed — as rulePrecision counts) names the same subject and shares a fee line with it; a shadow alert without
 * fee lines (provider- or physician-level statistics) coincides with decided alerts naming the same subject.
 * For a line match the decided alert must not name another subject (a key it leaves empty does not count against
 * it: a person-level alert on the visit's lines still coincides with a visit-level shadow alert). An alert that
 * coincides with both decisions counts as confirmed.
 */
export interface ShadowPrecision {
  alerts: number;
  amount_at_risk: number;
  confirmed: number;
  false_alarm: number;
  /** confirmed / (confirmed + false_alarm); null when none coincides with a decision. */
  precision: number | null;
}

/** Each alert in a decided case with that case's decision (the alert-level view of rulePrecision). */
export const DECIDED_ALERTS_SQL = `SELECT ca.alert_id, min(ca.case_id) AS case_id,
    CASE WHEN bool_or(c.decision = 'confirmed') THEN 'confirmed' ELSE 'false_alarm' END AS decision
  FROM case_alerts ca JOIN cases c USING (case_id)
  WHERE c.decision IN ('confirmed', 'false_alarm') AND c.status IN ('decided', 'appeal', 'closed')
  GROUP BY ca.alert_id`;

function sameSubject(s: string, d: string, lenient: boolean): string {
  const eq = (k: string) => (lenient ? `(${d}.${k} IS NULL OR ${d}.${k} = ${s}.${k})` : `${d}.${k} = ${s}.${k}`);
  return `CASE ${s}.subject_type WHEN 'person' THEN ${eq('psn_no')} WHEN 'provider' THEN ${eq('fixmedins_code')}
    WHEN 'physician' THEN ${eq('fixmedins_code')} AND ${eq('bilg_dr_codg')} ELSE ${eq('mdtrt_id')} END`;
}

/** CTEs `s` (the shadow alerts selected by `where`) and `m` (alert_id, decision of the coinciding cases). */
function matchCte(where: string): string {
  return `WITH s AS (SELECT * FROM alerts WHERE status = 'shadow' AND ${where}),
    dec AS (SELECT a.alert_id, a.psn_no, a.fixmedins_code, a.bilg_dr_codg, a.mdtrt_id, a.feedetl_sn, x.decision
            FROM (${DECIDED_ALERTS_SQL}) x JOIN alerts a USING (alert_id)),
    s_line AS (SELECT alert_id, subject_type, psn_no, fixmedins_code, bilg_dr_codg, mdtrt_id, unnest(feedetl_sn) AS sn FROM s),
    d_line AS (SELECT decision, psn_no, fixmedins_code, bilg_dr_codg, mdtrt_id, unnest(feedetl_sn) AS sn FROM dec),
    hits AS (
      SELECT sl.alert_id, dl.decision FROM s_line sl JOIN d_line dl ON dl.sn = sl.sn WHERE ${sameSubject('sl', 'dl', true)}
      UNION ALL
      SELECT s.alert_id, d.decision FROM s JOIN dec d ON ${sameSubject('s', 'd', false)} WHERE len(s.feedetl_sn) = 0
    ),
    m AS (SELECT alert_id, CASE WHEN bool_or(decision = 'confirmed') THEN 'confirmed' ELSE 'false_alarm' END AS decision
          FROM hits GROUP BY alert_id)`;
}

function filter(opts: { detectorId?: string; region?: string | null }): { where: string; params: Record<string, string> } {
  const where = ['true'];
  const params: Record<string, string> = {};
  if (opts.detectorId) {
    where.push('detector_id = $detector');
    params.detector = opts.detectorId;
  }
  if (opts.region) {
    where.push("starts_with(coalesce(admdvs, ''), $region)");
    params.region = opts.region;
  }
  return { where: where.join(' AND '), params };
}

/** Shadow precision per detector that has shadow alerts (optionally one detector, one region prefix). */
export async function shadowPrecision(store: Store, opts: { detectorId?: string; region?: string | null } = {}): Promise<Record<string, ShadowPrecision>> {
  const f = filter(opts);
  const rows = await store.all<{ detector_id: string; alerts: number; amount_at_risk: number; confirmed: number; false_alarm: number }>(
    `${matchCte(f.where)}
     SELECT s.detector_id, count(*)::INTEGER AS alerts, round(sum(s.amount_at_risk), 2)::DOUBLE AS amount_at_risk,
       count(*) FILTER (WHERE m.decision = 'confirmed')::INTEGER AS confirmed,
       count(*) FILTER (WHERE m.decision = 'false_alarm')::INTEGER AS false_alarm
     FROM s LEFT JOIN m USING (alert_id) GROUP BY s.detector_id ORDER BY s.detector_id`,
    f.params,
  );
  return Object.fromEntries(rows.map((r) => {
    const decided = r.confirmed + r.false_alarm;
    const stats: ShadowPrecision = {
      alerts: r.alerts, amount_at_risk: r.amount_at_risk, confirmed: r.confirmed, false_alarm: r.false_alarm,
      precision: decided ? Math.round((r.confirmed / decided) * 10000) / 10000 : null,
    };
    return [r.detector_id, stats];
  }));
}

export const NO_SHADOW: ShadowPrecision = { alerts: 0, amount_at_risk: 0, confirmed: 0, false_alarm: 0, precision: null };

/** A detector's shadow alerts, largest first, each with the decision it coincides with (or null). */
export async function shadowAlerts(store: Store, detectorId: string, opts: { region?: string | null; limit?: number } = {}): Promise<(AlertJson & { coincides_with: string | null })[]> {
  const f = filter({ detectorId, region: opts.region });
  const rows = await store.all(
    `${matchCte(f.where)}
     SELECT ${ALERT_SELECT}, m.decision AS coincides_with FROM s a LEFT JOIN m USING (alert_id)
     ORDER BY a.amount_at_risk DESC, a.alert_id LIMIT ${Math.max(1, Math.floor(opts.limit ?? 20))}`,
    f.params,
  );
  return rows.map((r) => ({ ...alertJson(r), coincides_with: (r.coincides_with as string | null) ?? null }));
}
