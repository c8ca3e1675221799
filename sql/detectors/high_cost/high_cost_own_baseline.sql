-- high_cost_own_baseline: a calendar month whose cost (Σ medfee_sumamt by settlement month) is far above
-- the person's own baseline: the median of the person's active months among the 12 months before it.
-- Needs p.min_baseline_months active baseline months; a candidate month costs ≥ p.min_ratio × baseline median and
-- month cost − baseline median ≥ p.min_excess.
-- A month far above one's own small bills is often ordinary care (a hip fracture, a joint replacement, intensive
-- care, the start of cancer treatment), so the month must also cost ≥ p.min_case_mix_ratio × what its care costs
-- others: the Σ over the month's visits of the median cost of visits of the same case-mix group (inpatient or
-- outpatient × principal diagnosis category × principal operation, as in cost_per_stay_peer) in the scanned
-- history, or the visit's own cost when it is under a tenth of the month's cost (too small to explain or hide a
-- spike), when its group has fewer than p.min_case_mix_visits visits or when it is high-intensity care (p.intensive_diag_prefixes / p.intensive_oprn_prefixes / p.intensive_item_prefixes,
-- data/reference/clinical/high-intensity-care-codes.csv). Score = month cost / baseline median.
-- Amount at risk = month cost − max(baseline median, case-mix expectation).
WITH mon AS MATERIALIZED (
  SELECT s.psn_no, date_trunc('month', s.setl_time)::DATE AS month, sum(s.medfee_sumamt)::DOUBLE AS cost,
         max(s.setl_time)::DATE AS last_date
  FROM clean_setl s
  WHERE s.setl_time >= $scan_from::DATE AND s.setl_time < $window_to::DATE + 1
  GROUP BY ALL
),
target AS (
  -- cost − median ≥ min_excess with a positive median implies cost > min_excess: only such months need a baseline
  SELECT mon.* FROM mon
  JOIN psn_info i ON i.psn_no = mon.psn_no
  JOIN params p ON p.admdvs = i.insu_admdvs
  WHERE mon.last_date >= $window_from::DATE AND mon.cost > p.min_excess
),
base AS (
  SELECT t.psn_no, t.month, count(*) AS n, median(b.cost) AS med, mad(b.cost) AS mad
  FROM target t JOIN mon b ON b.psn_no = t.psn_no AND b.month < t.month AND b.month >= t.month - INTERVAL 12 MONTH
  GROUP BY ALL
),
cand AS MATERIALIZED (
  SELECT t.*, b.n, b.med, b.mad, i.insu_admdvs AS admdvs
  FROM target t
  JOIN base b USING (psn_no, month)
  JOIN psn_info i ON i.psn_no = t.psn_no
  JOIN params p ON p.admdvs = i.insu_admdvs
  WHERE b.n >= p.min_baseline_months AND b.med > 0
    AND t.cost >= p.min_ratio * b.med AND t.cost - b.med >= p.min_excess
),
-- the care of the candidate months, visit by visit
cand_visit AS (
  SELECT s.mdtrt_id, c.psn_no, c.month, c.admdvs, any_value(c.cost) AS total, sum(s.medfee_sumamt)::DOUBLE AS cost
  FROM (SELECT mdtrt_id, psn_no, setl_time, medfee_sumamt FROM clean_setl WHERE psn_no IN (SELECT psn_no FROM cand)) s
  JOIN cand c ON c.psn_no = s.psn_no AND date_trunc('month', s.setl_time)::DATE = c.month
  GROUP BY s.mdtrt_id, c.psn_no, c.month, c.admdvs
),
visit_info AS MATERIALIZED (
  SELECT v.*, v.cost >= 0.1 * v.total AS big, CASE WHEN m.med_type LIKE '2%' THEN '住院' ELSE '门诊' END AS class,
         upper(left(m.dscg_maindiag_code, 3)) AS diag3,
         CASE WHEN m.med_type LIKE '2%' THEN coalesce(left(list_filter(list_transform(string_split(coalesce(m.oprn_oprt_codes, ''), '|'), lambda x: trim(x)),
                                                   lambda x: TRY_CAST(left(x, 2) AS INTEGER) <= 86)[1], 4), '') ELSE '' END AS op,
         upper(coalesce(m.dscg_maindiag_code, '') || '|' || coalesce(m.diag_codes, '')) AS diags, coalesce(m.oprn_oprt_codes, '') AS oprns,
         coalesce(m.dscg_maindiag_name, m.dscg_maindiag_code) AS diag_label,
         list_filter(list_transform(string_split(p.intensive_item_prefixes, ','), lambda x: trim(x)), lambda x: x <> '') AS xitem,
         list_filter(list_transform(string_split(p.intensive_oprn_prefixes, ','), lambda x: trim(x)), lambda x: x <> '') AS xoprn,
         list_filter(list_transform(string_split(p.intensive_diag_prefixes, ','), lambda x: upper(trim(x))), lambda x: x <> '') AS xdiag
  FROM cand_visit v
  -- (the visits come from clean settlements, so the raw visit rows are the clean ones)
  JOIN (SELECT mdtrt_id, med_type, dscg_maindiag_code, dscg_maindiag_name, diag_codes, oprn_oprt_codes
        FROM mdtrt_d WHERE mdtrt_id IN (SELECT mdtrt_id FROM cand_visit)) m USING (mdtrt_id)
  JOIN params p ON p.admdvs = v.admdvs
),
-- codes of high-intensity items first (few distinct codes), then only their lines are matched to the visits;
-- any line billed shows the care, reversed or not
intensive_code AS (
  SELECT c.code FROM (SELECT DISTINCT med_list_codg AS code FROM fee_list_d) c
  WHERE EXISTS (SELECT 1 FROM (SELECT DISTINCT unnest(xitem) AS x FROM visit_info WHERE big) px WHERE starts_with(c.code, px.x))
),
intensive AS (
  SELECT DISTINCT v.mdtrt_id
  FROM (SELECT mdtrt_id, med_list_codg FROM fee_list_d WHERE med_list_codg IN (SELECT code FROM intensive_code)) fe
  JOIN (SELECT * FROM visit_info WHERE big) v ON v.mdtrt_id = fe.mdtrt_id
  WHERE len(list_filter(v.xitem, lambda x: starts_with(fe.med_list_codg, x))) > 0
  UNION
  SELECT mdtrt_id FROM visit_info
  WHERE big AND len(list_filter(string_split(oprns, '|'), lambda o: len(list_filter(xoprn, lambda x: starts_with(trim(o), x))) > 0)) > 0
     OR big AND len(list_filter(string_split(diags, '|'), lambda d: len(list_filter(xdiag, lambda x: starts_with(trim(d), x))) > 0)) > 0
),
-- (a typical cost: raw tables, reversed settlements left out by their flag only)
group_cost AS (
  SELECT m.class, m.diag3, m.op, sum(s.medfee_sumamt)::DOUBLE AS cost
  FROM (SELECT mdtrt_id, class, diag3,
               CASE WHEN class = '住院' THEN coalesce(left(list_filter(list_transform(string_split(coalesce(oprn_oprt_codes, ''), '|'), lambda x: trim(x)),
                                                       lambda x: TRY_CAST(left(x, 2) AS INTEGER) <= 86)[1], 4), '') ELSE '' END AS op
        FROM (SELECT mdtrt_id, oprn_oprt_codes, CASE WHEN med_type LIKE '2%' THEN '住院' ELSE '门诊' END AS class,
                     upper(left(dscg_maindiag_code, 3)) AS diag3
              FROM mdtrt_d WHERE left(dscg_maindiag_code, 3) IN (SELECT diag3 FROM visit_info WHERE big))
        WHERE (class, diag3) IN (SELECT class, diag3 FROM visit_info WHERE big)) m
  JOIN setl_d s ON s.mdtrt_id = m.mdtrt_id AND coalesce(s.refd_setl_flag, 0) <> 1 AND s.init_setl_id IS NULL
  WHERE s.setl_time >= $scan_from::DATE AND s.setl_time < $window_to::DATE + 1
  GROUP BY m.mdtrt_id, m.class, m.diag3, m.op
),
case_mix AS (SELECT class, diag3, op, count(*) AS n, median(cost) AS med FROM group_cost GROUP BY ALL),
expected AS (
  SELECT v.psn_no, v.month,
         sum(CASE WHEN NOT v.big OR v.mdtrt_id IN (SELECT mdtrt_id FROM intensive) OR coalesce(cm.n, 0) < p.min_case_mix_visits THEN v.cost
                  ELSE cm.med END) AS expected_cost,
         count(*) FILTER (WHERE v.mdtrt_id IN (SELECT mdtrt_id FROM intensive)) AS intensive_visits,
         arg_max(v.diag_label, v.cost) AS main_care
  FROM visit_info v JOIN params p ON p.admdvs = v.admdvs LEFT JOIN case_mix cm USING (class, diag3, op)
  GROUP BY v.psn_no, v.month
)
SELECT c.psn_no, NULL::VARCHAR AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id, []::VARCHAR[] AS feedetl_sn, c.admdvs,
       json_object('month', strftime(c.month, '%Y-%m'), 'month_cost', round(c.cost, 2),
                   'case_mix_expected_cost', round(e.expected_cost, 2), 'ratio_to_case_mix', round(c.cost / e.expected_cost, 2),
                   'high_intensity_visits', e.intensive_visits, 'main_care', e.main_care,
                   'amount_basis', '当月费用超出本人基线中位数与病种结构预期费用（取大者）部分 month cost over the larger of the own baseline median and the case-mix expectation (estimate)') AS measured,
       json_object('min_ratio', p.min_ratio, 'min_excess', p.min_excess, 'min_baseline_months', p.min_baseline_months,
                   'min_case_mix_ratio', p.min_case_mix_ratio) AS threshold,
       json_object('group', '本人前12个月有费用的月份',
                   'size', c.n, 'median', round(c.med, 2), 'spread', round(c.mad, 2),
                   'score', round(c.cost / nullif(c.med, 0), 2)) AS peer,
       round(c.cost - greatest(c.med, e.expected_cost), 2)::DECIMAL(14, 2) AS amount_at_risk,
       c.last_date AS activity_date,
       strftime(c.month, '%Y-%m') AS evidence_key
FROM cand c
JOIN expected e USING (psn_no, month)
JOIN params p ON p.admdvs = c.admdvs
WHERE e.expected_cost > 0 AND c.cost >= p.min_case_mix_ratio * e.expected_cost
