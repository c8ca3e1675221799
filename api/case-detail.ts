import type { Store } from '../pipeline/store/store.ts';
import { slaClock } from './sla.ts';
import { caseEvents } from '../pipeline/cases/events.ts';
import { STATUS_ZH } from '../pipeline/cases/status.ts';
import { readCaseEvidence } from '../pipeline/nightly/case-evidence.ts';
import { maskCertno, maskName } from '../pipeline/access/mask.ts';
import { ALERT_SELECT, alertRow, idList, ts } from './sql.ts';

export interface CaseDetail {
  detail: Record<string, unknown>;
  /** The person shown, when any (for the audit of an unmasked read). */
  psnNo: string | null;
  /** False when the evidence was computed live: `case_evidence` needs a refresh. */
  evidenceCached: boolean;
}

/**
 * Everything the case view shows, read on one reader connection: the case row `c` (CASE_SELECT), SLA, snooze,
 * alerts, evidence lines (materialised per case), the person and their visits, the provider against its peers
 * (cached per data version), and the event history.
 */
export async function caseDetail(db: Store, c: Record<string, unknown>, opts: { unmasked: boolean; slaDays: number }): Promise<CaseDetail> {
  const caseId = c.case_id as string;
  const alerts = await caseAlerts(db, caseId);
  const psnNo = (c.psn_no as string | null) ?? mostFrequentPerson(alerts);
  const evidence = await readCaseEvidence(db, caseId, alerts);
  const flaggedVisits = [...new Set([...evidence.rows.filter((e) => e.offending).map((e) => e.mdtrt_id as string), ...alerts.map((a) => a.mdtrt_id as string)])];
  const provider = (c.fixmedins_code as string | null) ?? (alerts.find((a) => a.fixmedins_code)?.fixmedins_code as string | undefined) ?? null;
  const detail = {
    case: { ...c, status_zh: STATUS_ZH[c.status as keyof typeof STATUS_ZH] ?? c.status },
    sla: { days: opts.slaDays, ...slaClock(c.opened_at as string, opts.slaDays) },
    snooze: await caseSnooze(db, caseId),
    alerts,
    evidence: evidence.rows,
    person: psnNo ? await personInfo(db, psnNo, opts.unmasked) : null,
    visits: psnNo ? await visitTimeline(db, psnNo, flaggedVisits) : [],
    peers: await providerPeers(db, provider, evidence.version),
    events: await caseEvents(db, caseId),
  };
  return { detail, psnNo: detail.person ? psnNo : null, evidenceCached: evidence.cached };
}

export async function caseAlerts(db: Store, caseId: string): Promise<Record<string, unknown>[]> {
  const ids = await db.all<{ alert_id: string }>('SELECT alert_id FROM case_alerts WHERE case_id = $1', [caseId]);
  if (ids.length === 0) return [];
  const rows = await db.all(`${ALERT_SELECT} WHERE ${idList('alert_id', ids.map((r) => r.alert_id))} ORDER BY amount_at_risk DESC, alert_id`);
  return rows.map(alertRow);
}

/** The person with most alerts of the case (ties: the smallest psn_no); null for none. */
function mostFrequentPerson(alerts: Record<string, unknown>[]): string | null {
  const n = new Map<string, number>();
  for (const a of alerts) if (typeof a.psn_no === 'string') n.set(a.psn_no, (n.get(a.psn_no) ?? 0) + 1);
  return [...n.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))[0]?.[0] ?? null;
}

export async function personInfo(db: Store, psnNo: string, unmasked: boolean): Promise<Record<string, unknown> | null> {
  const p = await db.one<Record<string, unknown>>(
    `SELECT psn_no, psn_name, certno, gend, brdy::VARCHAR AS brdy, insutype, psn_type, insu_admdvs, aid_category FROM psn_info WHERE psn_no = $1 LIMIT 1`,
    [psnNo],
  );
  if (!p) return null;
  if (unmasked) return { ...p, masked: false };
  const { psn_name, certno, ...rest } = p;
  return { ...rest, psn_name_masked: maskName(psn_name), certno_masked: maskCertno(certno), masked: true };
}

/** The person's visits (newest first); `flaggedVisits` (visits holding this case's flagged lines) are marked. */
export async function visitTimeline(db: Store, psnNo: string, flaggedVisits: string[]): Promise<Record<string, unknown>[]> {
  const rows = await db.all<Record<string, unknown>>(
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

/** Peer comparisons by provider and data version: aggregating the peers' settlements is the costly part. */
const peersCache = new Map<string, Record<string, unknown> | null>();
const PEERS_CACHE_SIZE = 500;

/**
 * The provider against its peers (same hospital level in the same region): average cost per settlement and
 * settlements, reversals left out. Null when the case has no provider.
 */
export async function providerPeers(db: Store, fixmedinsCode: string | null, version: string): Promise<Record<string, unknown> | null> {
  if (!fixmedinsCode) return null;
  const key = `${db.path}|${fixmedinsCode}|${version}`;
  if (peersCache.has(key)) return peersCache.get(key)!;
  const value = await computePeers(db, fixmedinsCode);
  if (peersCache.size >= PEERS_CACHE_SIZE) peersCache.delete(peersCache.keys().next().value!);
  peersCache.set(key, value);
  return value;
}

async function computePeers(db: Store, fixmedinsCode: string): Promise<Record<string, unknown> | null> {
  const me = await db.one<{ hosp_lv: string | null; admdvs: string | null; fixmedins_name: string | null }>(
    'SELECT hosp_lv, admdvs, fixmedins_name FROM fixmedins WHERE fixmedins_code = $1 LIMIT 1',
    [fixmedinsCode],
  );
  if (!me) return null;
  const peers = await db.all<{ fixmedins_code: string; fixmedins_name: string; settlements: number; avg_cost: number }>(
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

export async function caseSnooze(db: Store, caseId: string): Promise<Record<string, unknown> | null> {
  return (await db.one(
    `SELECT until::VARCHAR AS until, reason, actor, ${ts('created_at')} AS created_at FROM case_snoozes
     WHERE case_id = $1 ORDER BY created_at DESC LIMIT 1`,
    [caseId],
  )) ?? null;
}
