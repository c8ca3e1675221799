import type { AlertJson } from '../../../pipeline/detect/alerts.ts';
import { getDetector } from '../../../pipeline/detect/registry.ts';
import type { Store } from '../../../pipeline/store/store.ts';

/** The detector's explain(hit) of a stored alert, fed as the engine feeds it (detectors/types.ts ExplainInput). */
export async function explainOf(store: Store, alert: AlertJson): Promise<string> {
  const d = await getDetector(alert.detector_id);
  if (!d.explain) throw new Error(`${d.id} has no explain`);
  const row = await store.one<{ activity_date: string }>('SELECT activity_date::VARCHAR AS activity_date FROM alerts WHERE alert_id = $1', [alert.alert_id]);
  return d.explain({
    measured: alert.measured,
    threshold: alert.threshold,
    peer: alert.peer as { size?: number; median?: number; spread?: number; score?: number } | null,
    amount_at_risk: alert.amount_at_risk,
    activity_date: row!.activity_date,
    psn_no: alert.psn_no,
    fixmedins_code: alert.fixmedins_code,
    bilg_dr_codg: alert.bilg_dr_codg,
    mdtrt_id: alert.mdtrt_id,
    setl_id: alert.setl_id,
    feedetl_sn: alert.feedetl_sn,
  });
}
