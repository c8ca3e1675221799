import type { Store } from '../store/store.ts';

/**
 * Withdraws open (and shadow) alerts whose evidence has since been reversed: one of their fee lines belongs to a reversed
 * settlement, their settlement is reversed, or their visit has only reversed settlements. Needs the TEMP
 * tables of createCleanViews. Returns how many alerts were withdrawn. The caller holds `store.exclusive`.
 */
export async function withdrawReversedAlerts(store: Store, runId: string): Promise<number> {
  await store.run(`CREATE OR REPLACE TEMP TABLE withdraw_now AS
    WITH open_alerts AS (SELECT alert_id, feedetl_sn, setl_id, mdtrt_id FROM alerts WHERE status IN ('open', 'shadow')),
    evidence AS (
      SELECT a.alert_id, f.setl_id
      FROM (SELECT alert_id, unnest(feedetl_sn) AS sn FROM open_alerts) a
      JOIN fee_list_d f ON f.feedetl_sn = a.sn
      JOIN reversed_setl r ON r.setl_id = f.setl_id
      UNION ALL
      SELECT a.alert_id, a.setl_id FROM open_alerts a JOIN reversed_setl r ON r.setl_id = a.setl_id
      UNION ALL
      SELECT a.alert_id, 'visit ' || a.mdtrt_id FROM open_alerts a JOIN reversed_visit r ON r.mdtrt_id = a.mdtrt_id
    )
    SELECT alert_id, string_agg(DISTINCT setl_id, ', ' ORDER BY setl_id) AS reversed FROM evidence GROUP BY alert_id`);
  const n = (await store.scalar<number>('SELECT count(*)::INTEGER FROM withdraw_now')) ?? 0;
  if (n === 0) return 0;
  await store.run(
    `UPDATE alerts SET status = 'withdrawn',
       status_reason = '违规明细已冲销/退费，预警撤回 (offending lines were reversed; run ' || $1 || '): ' || w.reversed,
       updated_at = now()
     FROM withdraw_now w WHERE alerts.alert_id = w.alert_id`,
    [runId],
  );
  return n;
}
