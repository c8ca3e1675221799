import type { Store } from '../store/store.ts';
import type { FundwatchConfig } from '../config.ts';
import { earlyWarningConfig, type EarlyWarningConfig } from './config.ts';
import { referralsConfig, regionMatchSql, type ReferralsConfig } from '../referrals/config.ts';

export interface EarlyWarningSummary {
  run_id: string | null;
  persons_over_threshold: number;
  referrals_new: number;
  referrals_by_trigger: { ytd: number; single_stay: number };
  deliveries_new: number;
  months: string[];
}

/**
 * 高额医疗费用支出预警. Per person and calendar year, out-of-pocket after the three schemes
 * (medfee_sumamt − fund_pay_sumamt; reversed settlements, their offsets and the originals of offsets left out)
 * is summed per month and year to date. A person is referred in the month their year-to-date amount first
 * crosses their category's threshold (level 1), and again only when it crosses threshold + k × step
 * (level k + 1); a single inpatient stay over the category's single-stay amount is referred too (trigger
 * `single_stay`; by default only 防止返贫监测对象 have one, see config.ts). Every referral records its trigger. The
 * category of a month is the aid_roster entry covering it (latest valid_from), else psn_info.aid_category,
 * else general. Referral ids are deterministic, so re-running on the same data creates nothing new.
 * Each new referral gets one delivery row per receiving department whose regions cover the person.
 */
export async function runEarlyWarning(store: Store, opts: { runId?: string | null; config?: FundwatchConfig } = {}): Promise<EarlyWarningSummary> {
  const ew = earlyWarningConfig(opts.config ?? {});
  const rc = referralsConfig(opts.config ?? {});
  const runId = opts.runId ?? null;
  return store.transaction(async () => {
    await buildCandidates(store, ew);
    const over = await store.scalar<number>(`SELECT count(DISTINCT psn_no)::INTEGER FROM fw_ew_months WHERE level > 0`);
    const byTrigger = await store.all<{ trigger: string; n: number }>(
      `SELECT trigger, count(*)::INTEGER AS n FROM fw_ew_candidates WHERE referral_id NOT IN (SELECT referral_id FROM referrals) GROUP BY trigger`,
    );
    await store.run(
      `INSERT INTO referrals (referral_id, run_id, month, trigger, level, psn_no, psn_name, certno, insu_admdvs, aid_category, threshold,
         ytd_total_cost, ytd_fund_paid, ytd_critical_illness_paid, ytd_assistance_paid, ytd_out_of_pocket, month_out_of_pocket,
         stays, main_diagnoses, mdtrt_id, stay_out_of_pocket, created_at)
       SELECT c.referral_id, $1, c.m, c.trigger, c.level, c.psn_no, p.psn_name, p.certno, p.insu_admdvs, c.category, c.threshold,
         c.ytd_total, c.ytd_fund, c.ytd_hifmi, c.ytd_maf, c.ytd_oop, c.month_oop,
         coalesce(st.stays, 0), coalesce(dg.diagnoses, []::VARCHAR[]), c.mdtrt_id, c.stay_oop, now()
       FROM fw_ew_candidates c
       JOIN fw_ew_persons p USING (psn_no)
       LEFT JOIN (
         SELECT c2.referral_id, count(DISTINCT s.mdtrt_id)::INTEGER AS stays
         FROM fw_ew_candidates c2 JOIN fw_ew_setl s ON s.psn_no = c2.psn_no AND s.y = c2.y AND s.m <= c2.m AND s.inpatient
         GROUP BY c2.referral_id) st USING (referral_id)
       LEFT JOIN (
         SELECT referral_id, list(diag ORDER BY oop DESC, diag)[1:3] AS diagnoses FROM (
           SELECT c3.referral_id, concat_ws(' ', v.dscg_maindiag_code, v.dscg_maindiag_name) AS diag, sum(s.oop) AS oop
           FROM fw_ew_candidates c3 JOIN fw_ew_setl s ON s.psn_no = c3.psn_no AND s.y = c3.y AND s.m <= c3.m
           JOIN (SELECT mdtrt_id, any_value(dscg_maindiag_code) AS dscg_maindiag_code, any_value(dscg_maindiag_name) AS dscg_maindiag_name
                 FROM mdtrt_d GROUP BY mdtrt_id) v ON v.mdtrt_id = s.mdtrt_id
           WHERE v.dscg_maindiag_code IS NOT NULL OR v.dscg_maindiag_name IS NOT NULL
           GROUP BY ALL) GROUP BY referral_id) dg USING (referral_id)
       WHERE c.referral_id NOT IN (SELECT referral_id FROM referrals)`,
      [runId],
    );
    const months = (await store.all<{ m: string }>(`SELECT DISTINCT m FROM fw_ew_candidates ORDER BY m`)).map((r) => r.m);
    const deliveries = await createDeliveries(store, rc);
    for (const t of ['fw_ew_setl', 'fw_ew_persons', 'fw_ew_months', 'fw_ew_candidates']) await store.run(`DROP TABLE IF EXISTS ${t}`);
    const ytd = byTrigger.find((r) => r.trigger === 'ytd')?.n ?? 0;
    const single = byTrigger.find((r) => r.trigger === 'single_stay')?.n ?? 0;
    return {
      run_id: runId,
      persons_over_threshold: over,
      referrals_new: ytd + single,
      referrals_by_trigger: { ytd, single_stay: single },
      deliveries_new: deliveries,
      months,
    };
  });
}

async function buildCandidates(store: Store, ew: EarlyWarningConfig): Promise<void> {
  const categories = new Set([...Object.keys(ew.thresholds), ...Object.keys(ew.single_stay)]);
  const values = [...categories]
    .map((c) => `('${c.replace(/'/g, "''")}', ${ew.thresholds[c] ?? 'NULL'}, ${ew.single_stay[c] ?? 'NULL'})`)
    .join(', ');
  await store.run(`CREATE OR REPLACE TEMP TABLE fw_ew_thresholds AS
    SELECT col0 AS category, col1::DECIMAL(14, 2) AS ytd_threshold, col2::DECIMAL(14, 2) AS stay_threshold FROM (VALUES ${values})`);
  await store.run(`CREATE OR REPLACE TEMP TABLE fw_ew_setl AS
    SELECT s.setl_id, s.mdtrt_id, s.psn_no, year(s.setl_time) AS y, strftime(s.setl_time, '%Y-%m') AS m,
      coalesce(s.medfee_sumamt, 0) AS total, coalesce(s.fund_pay_sumamt, 0) AS fund, coalesce(s.hifmi_pay, 0) AS hifmi,
      coalesce(s.maf_pay, 0) AS maf, coalesce(s.medfee_sumamt, 0) - coalesce(s.fund_pay_sumamt, 0) AS oop,
      starts_with(coalesce(s.med_type, ''), '2') AS inpatient
    FROM setl_d s
    WHERE s.setl_time IS NOT NULL AND s.psn_no IS NOT NULL
      AND coalesce(s.refd_setl_flag, 0) <> 1 AND s.init_setl_id IS NULL
      AND s.setl_id NOT IN (SELECT init_setl_id FROM setl_d WHERE init_setl_id IS NOT NULL)`);
  await store.run(`CREATE OR REPLACE TEMP TABLE fw_ew_persons AS
    SELECT psn_no, any_value(psn_name) AS psn_name, any_value(certno) AS certno, any_value(insu_admdvs) AS insu_admdvs,
      any_value(nullif(aid_category, '')) AS aid_category
    FROM psn_info WHERE psn_no IN (SELECT psn_no FROM fw_ew_setl) GROUP BY psn_no`);
  await store.run(`CREATE OR REPLACE TEMP TABLE fw_ew_months AS
    WITH pm AS (
      SELECT psn_no, y, m, sum(total) AS total, sum(fund) AS fund, sum(hifmi) AS hifmi, sum(maf) AS maf, sum(oop) AS oop
      FROM fw_ew_setl GROUP BY psn_no, y, m
    ), ytd AS (
      SELECT *, strptime(m || '-01', '%Y-%m-%d')::DATE AS month_start,
        sum(total) OVER w AS ytd_total, sum(fund) OVER w AS ytd_fund, sum(hifmi) OVER w AS ytd_hifmi,
        sum(maf) OVER w AS ytd_maf, sum(oop) OVER w AS ytd_oop
      FROM pm WINDOW w AS (PARTITION BY psn_no, y ORDER BY m ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ), roster AS (
      SELECT y.psn_no, y.m, arg_max(r.aid_category, r.valid_from) AS category
      FROM ytd y JOIN fw_ew_persons p USING (psn_no) JOIN aid_roster r ON r.certno = p.certno
        AND r.valid_from <= last_day(y.month_start) AND coalesce(r.valid_to, DATE '9999-12-31') >= y.month_start
      GROUP BY y.psn_no, y.m
    ), cat AS (
      SELECT y.*, coalesce(r.category, p.aid_category, 'general') AS category
      FROM ytd y JOIN fw_ew_persons p USING (psn_no) LEFT JOIN roster r USING (psn_no, m)
    )
    SELECT c.*, coalesce(t.ytd_threshold, g.ytd_threshold) AS threshold, coalesce(t.stay_threshold, CASE WHEN t.category IS NULL THEN g.stay_threshold END) AS stay_threshold,
      CASE WHEN c.ytd_oop < coalesce(t.ytd_threshold, g.ytd_threshold) THEN 0
           WHEN ${ew.step} <= 0 THEN 1
           ELSE floor((c.ytd_oop - coalesce(t.ytd_threshold, g.ytd_threshold)) / ${ew.step})::INTEGER + 1 END AS level
    FROM cat c LEFT JOIN fw_ew_thresholds t ON t.category = c.category
    CROSS JOIN (SELECT * FROM fw_ew_thresholds WHERE category = 'general') g`);
  await store.run(`CREATE OR REPLACE TEMP TABLE fw_ew_candidates AS
    WITH lv AS (
      SELECT *, coalesce(max(level) OVER (PARTITION BY psn_no, y ORDER BY m ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS prev_level
      FROM fw_ew_months
    ), stays AS (
      SELECT psn_no, y, mdtrt_id, max(m) AS m, sum(oop) AS stay_oop FROM fw_ew_setl WHERE inpatient AND mdtrt_id IS NOT NULL GROUP BY psn_no, y, mdtrt_id
    )
    SELECT 'R' || substr(md5(concat_ws('|', psn_no, y, 'ytd', level)), 1, 20) AS referral_id, psn_no, y, m, 'ytd' AS trigger, level,
      category, threshold, ytd_total, ytd_fund, ytd_hifmi, ytd_maf, ytd_oop, oop AS month_oop, NULL::VARCHAR AS mdtrt_id, NULL::DECIMAL(14, 2) AS stay_oop
    FROM lv WHERE level > prev_level
    UNION ALL
    SELECT 'R' || substr(md5(concat_ws('|', s.psn_no, s.y, 'single_stay', s.mdtrt_id)), 1, 20), s.psn_no, s.y, s.m, 'single_stay', 1,
      mo.category, mo.stay_threshold, mo.ytd_total, mo.ytd_fund, mo.ytd_hifmi, mo.ytd_maf, mo.ytd_oop, mo.oop, s.mdtrt_id, s.stay_oop
    FROM stays s JOIN fw_ew_months mo USING (psn_no, y, m)
    WHERE mo.stay_threshold IS NOT NULL AND s.stay_oop > mo.stay_threshold`);
  await store.run('DROP TABLE fw_ew_thresholds');
}

/** One delivery row per referral without one and department covering the person's region. */
export async function createDeliveries(store: Store, rc: ReferralsConfig): Promise<number> {
  let n = 0;
  for (const d of rc.departments) {
    const channels = [...(d.webhook ? ['webhook'] : []), ...(d.file_drop ? ['file'] : [])];
    const status = d.webhook ? 'pending' : 'pending_file';
    const before = await store.scalar<number>('SELECT count(*)::INTEGER FROM referral_deliveries WHERE department_id = $1', [d.id]);
    await store.run(
      `INSERT INTO referral_deliveries (referral_id, department_id, department, channels, status, attempts, created_at)
       SELECT r.referral_id, $1, $2, $3::VARCHAR[], $4, 0, now() FROM referrals r
       WHERE ${regionMatchSql(d, 'r.insu_admdvs')}
         AND NOT EXISTS (SELECT 1 FROM referral_deliveries x WHERE x.referral_id = r.referral_id AND x.department_id = $1)`,
      [d.id, d.department, `[${channels.join(',')}]`, status],
    );
    n += (await store.scalar<number>('SELECT count(*)::INTEGER FROM referral_deliveries WHERE department_id = $1', [d.id])) - before;
  }
  return n;
}
