import type { Store } from '../store/store.ts';
import { writeAudit } from '../access/audit.ts';
import { maskCertno, maskName } from '../access/mask.ts';

/** The interfaces.md referral line, plus (extension) trigger, level, period, outcome and the stay. */
export interface ReferralLine {
  referral_id: string;
  month: string;
  psn_no: string;
  psn_name_masked: string | null;
  certno_masked: string | null;
  psn_name?: string | null;
  certno?: string | null;
  insu_admdvs: string | null;
  aid_category: string;
  threshold: number;
  ytd_total_cost: number;
  ytd_fund_paid: number;
  ytd_critical_illness_paid: number;
  ytd_assistance_paid: number;
  ytd_out_of_pocket: number;
  stays: number;
  main_diagnoses: string[];
  department: string | null;
  delivery_status: string;
  department_id: string | null;
  trigger: string;
  level: number;
  period: { from: string; to: string };
  month_out_of_pocket: number;
  mdtrt_id: string | null;
  stay_out_of_pocket: number | null;
  outcome: string | null;
}

interface Row {
  referral_id: string;
  month: string;
  psn_no: string;
  psn_name: string | null;
  certno: string | null;
  insu_admdvs: string | null;
  aid_category: string;
  threshold: number;
  ytd_total_cost: number;
  ytd_fund_paid: number;
  ytd_critical_illness_paid: number;
  ytd_assistance_paid: number;
  ytd_out_of_pocket: number;
  month_out_of_pocket: number;
  stays: number;
  main_diagnoses: string[];
  department: string | null;
  department_id: string | null;
  delivery_status: string | null;
  trigger: string;
  level: number;
  mdtrt_id: string | null;
  stay_out_of_pocket: number | null;
  outcome: string | null;
}

const SELECT = `SELECT r.referral_id, r.month, r.psn_no, r.psn_name, r.certno, r.insu_admdvs, r.aid_category,
    r.threshold::DOUBLE AS threshold, r.ytd_total_cost::DOUBLE AS ytd_total_cost, r.ytd_fund_paid::DOUBLE AS ytd_fund_paid,
    r.ytd_critical_illness_paid::DOUBLE AS ytd_critical_illness_paid, r.ytd_assistance_paid::DOUBLE AS ytd_assistance_paid,
    r.ytd_out_of_pocket::DOUBLE AS ytd_out_of_pocket, r.month_out_of_pocket::DOUBLE AS month_out_of_pocket, r.stays, r.main_diagnoses,
    d.department, d.department_id, d.status AS delivery_status, r.trigger, r.level, r.mdtrt_id, r.stay_out_of_pocket::DOUBLE AS stay_out_of_pocket,
    (SELECT arg_max(o.outcome, o.reported_at) FROM referral_outcomes o WHERE o.referral_id = r.referral_id AND o.department_id = d.department_id) AS outcome
  FROM referrals r LEFT JOIN referral_deliveries d USING (referral_id)`;

export function toLine(r: Row, unmasked: boolean): ReferralLine {
  const line: ReferralLine = {
    referral_id: r.referral_id,
    month: r.month,
    psn_no: r.psn_no,
    psn_name_masked: maskName(r.psn_name),
    certno_masked: maskCertno(r.certno),
    insu_admdvs: r.insu_admdvs,
    aid_category: r.aid_category,
    threshold: r.threshold,
    ytd_total_cost: r.ytd_total_cost,
    ytd_fund_paid: r.ytd_fund_paid,
    ytd_critical_illness_paid: r.ytd_critical_illness_paid,
    ytd_assistance_paid: r.ytd_assistance_paid,
    ytd_out_of_pocket: r.ytd_out_of_pocket,
    stays: r.stays,
    main_diagnoses: r.main_diagnoses,
    department: r.department,
    delivery_status: r.delivery_status ?? 'no_department',
    department_id: r.department_id,
    trigger: r.trigger,
    level: r.level,
    period: { from: `${r.month.slice(0, 4)}-01-01`, to: lastDay(r.month) },
    month_out_of_pocket: r.month_out_of_pocket,
    mdtrt_id: r.mdtrt_id,
    stay_out_of_pocket: r.stay_out_of_pocket,
    outcome: r.outcome,
  };
  if (unmasked) {
    line.psn_name = r.psn_name;
    line.certno = r.certno;
  }
  return line;
}

function lastDay(month: string): string {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${month}-${String(d).padStart(2, '0')}`;
}

export interface ListReferralsOptions {
  month: string;
  departmentId?: string;
  region?: string;
  /** Full names and ID numbers: written to the audit log. */
  unmasked?: boolean;
  actor?: string;
}

/** Read-only listing (one line per referral and department). `unmasked` is audited. */
export async function listReferrals(store: Store, o: ListReferralsOptions): Promise<ReferralLine[]> {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(o.month)) throw new Error(`月份格式应为 YYYY-MM (bad month): ${o.month}`);
  const where = ['r.month = $1'];
  const params: string[] = [o.month];
  if (o.departmentId) where.push(`d.department_id = $${params.push(o.departmentId)}`);
  if (o.region) where.push(`r.insu_admdvs = $${params.push(o.region)}`);
  const rows = await store.all<Row & Record<string, unknown>>(`${SELECT} WHERE ${where.join(' AND ')} ORDER BY r.insu_admdvs, r.psn_no, r.trigger, r.level, d.department_id`, params);
  if (o.unmasked) {
    await store.exclusive(() =>
      writeAudit(store, {
        actor: o.actor ?? 'unknown',
        action: 'referrals.list_unmasked',
        object_type: 'referral',
        object_id: o.month,
        detail: { month: o.month, department_id: o.departmentId ?? null, region: o.region ?? null, rows: rows.length, referral_ids: [...new Set(rows.map((r) => r.referral_id))] },
      }),
    );
  }
  return rows.map((r) => toLine(r, Boolean(o.unmasked)));
}

/** Lines for one department's delivery (masked unless the department is authorised for full numbers). */
export async function departmentLines(store: Store, departmentId: string, filter: { month?: string; referralId?: string }, fullId: boolean): Promise<ReferralLine[]> {
  const where = ['d.department_id = $1'];
  const params: string[] = [departmentId];
  if (filter.month) where.push(`r.month = $${params.push(filter.month)}`);
  if (filter.referralId) where.push(`r.referral_id = $${params.push(filter.referralId)}`);
  const rows = await store.all<Row & Record<string, unknown>>(`${SELECT} WHERE ${where.join(' AND ')} ORDER BY r.insu_admdvs, r.psn_no, r.trigger, r.level`, params);
  return rows.map((r) => toLine(r, fullId));
}

export const OUTCOMES = ['received', 'verified', 'assistance_granted', 'not_eligible'] as const;

/** What the receiving department reports back (received / verified / assistance granted / not eligible). */
export async function recordOutcome(store: Store, o: { referralId: string; departmentId: string; outcome: string; note?: string | null; actor: string }): Promise<void> {
  if (!OUTCOMES.includes(o.outcome as never)) throw new Error(`反馈结果无效 invalid outcome ${o.outcome} (one of ${OUTCOMES.join(', ')})`);
  await store.transaction(async () => {
    const n = await store.scalar<number>('SELECT count(*)::INTEGER FROM referral_deliveries WHERE referral_id = $1 AND department_id = $2', [o.referralId, o.departmentId]);
    if (n === 0) throw new Error(`没有该部门的转介记录 no referral ${o.referralId} for department ${o.departmentId}`);
    await store.run('INSERT INTO referral_outcomes (referral_id, department_id, reported_at, outcome, note, actor) VALUES ($1, $2, now(), $3, $4, $5)', [
      o.referralId, o.departmentId, o.outcome, o.note ?? null, o.actor,
    ]);
    await writeAudit(store, { actor: o.actor, action: 'referrals.outcome', object_type: 'referral', object_id: o.referralId, detail: { department_id: o.departmentId, outcome: o.outcome, note: o.note ?? null } });
  });
}
