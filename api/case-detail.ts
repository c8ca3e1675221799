import type { Store } from '../pipeline/store/store.ts';
import { maskCertno, maskName } from './audit.ts';
import { ALERT_SELECT, alertRow, ts } from './sql.ts';

const EVIDENCE_LIMIT = 500;
const MAX_FLAGGED = 2000;
const MAX_VISITS = 200;

/** The fee lines of the case's visits; the lines an alert points at are `offending`, with its detectors. */
const LINE_COLUMNS = `feedetl_sn, mdtrt_id, setl_id, ${ts('fee_ocur_time')} AS fee_ocur_time, fixmedins_code, med_list_codg,
  hilist_name, med_chrgitm_type, cnt::DOUBLE AS cnt, pric::DOUBLE AS pric, det_item_fee_sumamt::DOUBLE AS det_item_fee_sumamt,
  pric_uplmt_amt::DOUBLE AS pric_uplmt_amt, bilg_dr_codg, bilg_dept_name`;

/** `col IN ($1, …, $n)`: DuckDB prunes row groups with an IN filter of parameters (a list or OR would scan all). */
function inParams(col: string, n: number, offset = 0): string {
  return `${col} IN (${Array.from({ length: n }, (_, i) => `$${offset + i + 1}`).join(', ')})`;
}

/** The fee lines of the case's visits; the lines an alert points at are `offending`, with its detectors. */
export async function caseEvidence(store: Store, caseId: string): Promise<Record<string, unknown>[]> {
  const off = await store.all<{ feedetl_sn: string; detectors: string[] }>(
    `SELECT f AS feedetl_sn, list(DISTINCT detector_id ORDER BY detector_id) AS detectors
     FROM (SELECT a.detector_id, unnest(a.feedetl_sn) AS f FROM alerts a
           WHERE a.alert_id IN (SELECT alert_id FROM case_alerts WHERE case_id = $1) AND a.status = 'open')
     GROUP BY f ORDER BY f LIMIT ${MAX_FLAGGED}`,
    [caseId],
  );
  const alertVisits = await store.all<{ mdtrt_id: string }>(
    `SELECT DISTINCT a.mdtrt_id FROM case_alerts ca JOIN alerts a USING (alert_id) WHERE ca.case_id = $1 AND a.mdtrt_id IS NOT NULL ORDER BY 1 LIMIT ${MAX_VISITS}`,
    [caseId],
  );
  const detectors = new Map(off.map((o) => [o.feedetl_sn, o.detectors]));
  const flagged = off.length
    ? await store.all<Record<string, unknown>>(`SELECT ${LINE_COLUMNS} FROM fee_list_d WHERE ${inParams('feedetl_sn', off.length)}`, off.map((o) => o.feedetl_sn))
    : [];
  const visitIds = [...new Set([...alertVisits.map((v) => v.mdtrt_id), ...flagged.map((r) => r.mdtrt_id as string)].filter(Boolean))].slice(0, MAX_VISITS);
  const context = visitIds.length
    ? await store.all<Record<string, unknown>>(`SELECT ${LINE_COLUMNS} FROM fee_list_d WHERE ${inParams('mdtrt_id', visitIds.length)}`, visitIds)
    : [];
  const byId = new Map<string, Record<string, unknown>>();
  for (const r of [...flagged, ...context]) byId.set(r.feedetl_sn as string, r);
  return [...byId.values()]
    .map((r): Record<string, unknown> => ({ ...r, offending: detectors.has(r.feedetl_sn as string), detectors: detectors.get(r.feedetl_sn as string) ?? [] }))
    .sort((a, b) => Number(b.offending) - Number(a.offending) || String(a.fee_ocur_time).localeCompare(String(b.fee_ocur_time)) || String(a.feedetl_sn).localeCompare(String(b.feedetl_sn)))
    .slice(0, EVIDENCE_LIMIT);
}

export async function caseAlerts(store: Store, caseId: string): Promise<Record<string, unknown>[]> {
  const rows = await store.all(
    `${ALERT_SELECT} WHERE alert_id IN (SELECT alert_id FROM case_alerts WHERE case_id = $1) ORDER BY amount_at_risk DESC, alert_id`,
    [caseId],
  );
  return rows.map(alertRow);
}

/** The person the case is about (person cases), else the person with most flagged lines; null for none. */
export async function casePerson(store: Store, caseId: string, psnNo: string | null): Promise<string | null> {
  if (psnNo) return psnNo;
  return (await store.scalar<string | null>(
    `SELECT a.psn_no FROM case_alerts ca JOIN alerts a USING (alert_id) WHERE ca.case_id = $1 AND a.psn_no IS NOT NULL
     GROUP BY a.psn_no ORDER BY count(*) DESC, a.psn_no LIMIT 1`,
    [caseId],
  )) ?? null;
}

export async function personInfo(store: Store, psnNo: string, unmasked: boolean): Promise<Record<string, unknown> | null> {
  const p = await store.one<Record<string, unknown>>(
    `SELECT psn_no, psn_name, certno, gend, brdy::VARCHAR AS brdy, insutype, psn_type, insu_admdvs, aid_category FROM psn_info WHERE psn_no = $1 LIMIT 1`,
    [psnNo],
  );
  if (!p) return null;
  if (unmasked) return { ...p, masked: false };
  const { psn_name, certno, ...rest } = p;
  return { ...rest, psn_name_masked: maskName(psn_name), certno_masked: maskCertno(certno), masked: true };
}

/** The person's visits (newest first); `flaggedVisits` (visits holding this case's flagged lines) are marked. */
export async function visitTimeline(store: Store, psnNo: string, flaggedVisits: string[]): Promise<Record<string, unknown>[]> {
  const rows = await store.all<Record<string, unknown>>(
    `WITH cost AS (
       SELECT mdtrt_id, sum(medfee_sumamt)::DOUBLE AS medfee_sumamt, sum(fund_pay_sumamt)::DOUBLE AS fund_pay_sumamt
       FROM setl_d WHERE psn_no = $1 AND coalesce(refd_setl_flag, 0) <> 1 AND init_setl_id IS NULL GROUP BY mdtrt_id
     )
     SELECT m.mdtrt_id, m.fixmedins_code, f.fixmedins_name, m.med_type, ${ts('m.begntime')} AS begntime, ${ts('m.endtime')} AS endtime,
       m.dscg_maindiag_code, m.dscg_maindiag_name, m.ipt_days, cost.medfee_sumamt, cost.fund_pay_sumamt
     FROM mdtrt_d m LEFT JOIN cost USING (mdtrt_id)
     LEFT JOIN (SELECT fixmedins_code, any_value(fixmedins_name) AS fixmedins_name FROM fixmedins GROUP BY 1) f USING (fixmedins_code)
     WHERE m.psn_no = $1 ORDER BY m.begntime DESC LIMIT 200`,
    [psnNo],
  );
  const flagged = new Set(flaggedVisits);
  return rows.map((r) => ({ ...r, flagged: flagged.has(r.mdtrt_id as string) }));
}

/**
 * The provider against its peers (same hospital level in the same region): average cost per settlement and
 * settlements, reversals left out. Null when the case has no provider.
 */
export async function providerPeers(store: Store, fixmedinsCode: string | null): Promise<Record<string, unknown> | null> {
  if (!fixmedinsCode) return null;
  const me = await store.one<{ hosp_lv: string | null; admdvs: string | null; fixmedins_name: string | null }>(
    'SELECT hosp_lv, admdvs, fixmedins_name FROM fixmedins WHERE fixmedins_code = $1 LIMIT 1',
    [fixmedinsCode],
  );
  if (!me) return null;
  const peers = await store.all<{ fixmedins_code: string; fixmedins_name: string; settlements: number; avg_cost: number }>(
    `WITH peers AS (
       SELECT fixmedins_code, any_value(fixmedins_name) AS fixmedins_name FROM fixmedins
       WHERE hosp_lv IS NOT DISTINCT FROM $1 AND left(admdvs, 4) IS NOT DISTINCT FROM left($2, 4) GROUP BY 1
     )
     SELECT s.fixmedins_code, p.fixmedins_name, count(*)::INTEGER AS settlements, round(avg(s.medfee_sumamt), 2)::DOUBLE AS avg_cost
     FROM setl_d s JOIN peers p USING (fixmedins_code)
     WHERE coalesce(s.refd_setl_flag, 0) <> 1 AND s.init_setl_id IS NULL
     GROUP BY ALL ORDER BY avg_cost DESC LIMIT 60`,
    [me.hosp_lv, me.admdvs],
  );
  const values = peers.map((p) => p.avg_cost).sort((a, b) => a - b);
  const median = values.length ? values[Math.floor((values.length - 1) / 2)]! : null;
  return {
    metric: 'avg_cost_per_settlement',
    metric_zh: '次均费用（元）',
    fixmedins_code: fixmedinsCode,
    fixmedins_name: me.fixmedins_name,
    group: `hosp_lv=${me.hosp_lv ?? '?'} admdvs=${(me.admdvs ?? '').slice(0, 4)}`,
    median,
    peers: peers.map((p) => ({ ...p, is_subject: p.fixmedins_code === fixmedinsCode })),
  };
}

export async function caseSnooze(store: Store, caseId: string): Promise<Record<string, unknown> | null> {
  return (await store.one(
    `SELECT until::VARCHAR AS until, reason, actor, ${ts('created_at')} AS created_at FROM case_snoozes
     WHERE case_id = $1 ORDER BY created_at DESC LIMIT 1`,
    [caseId],
  )) ?? null;
}
