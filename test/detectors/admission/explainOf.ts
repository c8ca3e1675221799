import type { AlertJson } from '../../../pipeline/detect/alerts.ts';
import type { Detector } from '../../../detectors/types.ts';

/** The detector's own `explain` on a stored alert (the fields the engine passes it). */
export function explainOf(d: Detector, a: AlertJson): string {
  if (!d.explain) throw new Error(`${d.id} has no explain`);
  return d.explain({
    measured: a.measured,
    threshold: a.threshold,
    peer: a.peer as Parameters<NonNullable<Detector['explain']>>[0]['peer'],
    amount_at_risk: a.amount_at_risk,
    activity_date: '',
    psn_no: a.psn_no,
    fixmedins_code: a.fixmedins_code,
    bilg_dr_codg: a.bilg_dr_codg,
    mdtrt_id: a.mdtrt_id,
    setl_id: a.setl_id,
    feedetl_sn: a.feedetl_sn,
  });
}
