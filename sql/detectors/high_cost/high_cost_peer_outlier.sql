-- high_cost_peer_outlier: a person's cost over the 365 days ending at the window end, against persons of
-- the same pooling region, age band, sex, insurance type and chronic-care status (any 14xx 门诊慢特病
-- visit in the period). Score = robust z on ln(cost): (ln x − median ln) / max(1.4826 × MAD ln, floor).
-- Groups smaller than p.min_peer_size are skipped. A candidate has z ≥ p.z_threshold, cost ≥ p.min_annual_cost and
-- at least p.min_visits visits (one expensive stay is high_cost_single_stay's finding).
-- Being expensive is not the finding; the care must cost more than the same care costs others. Case-mix
-- expectation = Σ over the person's visits in the period of the median cost of visits of the same case-mix group
-- (inpatient or outpatient × principal diagnosis category × principal operation, as in cost_per_stay_peer) in the
-- period, or the visit's own cost when it is under a tenth of the person's cost, when its group has fewer than
-- p.min_case_mix_visits visits or when it is high-intensity care (a diagnosis, procedure or fee line starting with p.intensive_diag_prefixes /
-- p.intensive_oprn_prefixes / p.intensive_item_prefixes: ICU, ECMO, dialysis, chemo/radiotherapy, targeted drugs,
-- transplants — data/reference/clinical/high-intensity-care-codes.csv). Fires when cost ≥ p.min_case_mix_ratio ×
-- that expectation. Amount at risk = cost − max(peer median cost, case-mix expectation).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to,
         $window_to::DATE - 364 AS period_from
),
cost AS (
  SELECT s.psn_no, sum(s.medfee_sumamt)::DOUBLE AS cost, count(DISTINCT s.mdtrt_id) AS visits,
         max(s.setl_time)::DATE AS last_date
  FROM clean_setl s, win
  WHERE s.setl_time::DATE BETWEEN win.period_from AND win.window_to
  GROUP BY s.psn_no
  HAVING sum(s.medfee_sumamt) > 0
),
chronic AS (
  SELECT DISTINCT m.psn_no FROM clean_mdtrt m, win
  WHERE m.med_type LIKE '14%' AND m.begntime::DATE BETWEEN win.period_from AND win.window_to
),
person AS MATERIALIZED (
  SELECT c.*, i.insu_admdvs AS admdvs, coalesce(i.gend, '?') AS gend, coalesce(i.insutype, '?') AS insutype,
         (ch.psn_no IS NOT NULL) AS chronic,
         floor(date_part('year', age(win.window_to, i.brdy)) / p.age_band_years) * p.age_band_years AS age_from,
         p.age_band_years, p.z_threshold, p.min_peer_size, p.min_annual_cost, p.min_visits, p.spread_floor
  FROM cost c
  JOIN psn_info i ON i.psn_no = c.psn_no
  JOIN params p ON p.admdvs = i.insu_admdvs
  LEFT JOIN chronic ch ON ch.psn_no = c.psn_no
  CROSS JOIN win
  WHERE i.brdy IS NOT NULL
),
grp AS (
  SELECT admdvs, age_from, gend, insutype, chronic, count(*) AS n, median(ln(cost)) AS med_ln,
         mad(ln(cost)) AS mad_ln, median(cost) AS med_cost, quantile_cont(cost, 0.9) AS p90_cost
  FROM person GROUP BY ALL
),
cand AS MATERIALIZED (
  SELECT x.*, g.n, g.med_ln, g.mad_ln, g.med_cost, g.p90_cost,
         (ln(x.cost) - g.med_ln) / greatest(1.4826 * g.mad_ln, x.spread_floor) AS z
  FROM person x JOIN grp g USING (admdvs, age_from, gend, insutype, chronic)
  WHERE g.n >= x.min_peer_size AND x.cost >= x.min_annual_cost AND x.visits >= x.min_visits
    AND (ln(x.cost) - g.med_ln) / greatest(1.4826 * g.mad_ln, x.spread_floor) >= x.z_threshold
),
-- the candidates' care, visit by visit
cand_visit AS (
  SELECT s.mdtrt_id, any_value(s.psn_no) AS psn_no, sum(s.medfee_sumamt)::DOUBLE AS cost
  FROM clean_setl s, win
  WHERE s.psn_no IN (SELECT psn_no FROM cand) AND s.setl_time >= win.period_from AND s.setl_time < win.window_to + 1
  GROUP BY s.mdtrt_id
),
visit_info AS MATERIALIZED (
  SELECT v.*, c.admdvs, v.cost >= 0.1 * c.cost AS big, CASE WHEN m.med_type LIKE '2%' THEN '住院' ELSE '门诊' END AS class,
         upper(left(m.dscg_maindiag_code, 3)) AS diag3,
         CASE WHEN m.med_type LIKE '2%' THEN coalesce(left(list_filter(list_transform(string_split(coalesce(m.oprn_oprt_codes, ''), '|'), lambda x: trim(x)),
                                                   lambda x: TRY_CAST(left(x, 2) AS INTEGER) <= 86)[1], 4), '') ELSE '' END AS op,
         upper(coalesce(m.dscg_maindiag_code, '') || '|' || coalesce(m.diag_codes, '')) AS diags, coalesce(m.oprn_oprt_codes, '') AS oprns,
         list_filter(list_transform(string_split(p.intensive_item_prefixes, ','), lambda x: trim(x)), lambda x: x <> '') AS xitem,
         list_filter(list_transform(string_split(p.intensive_oprn_prefixes, ','), lambda x: trim(x)), lambda x: x <> '') AS xoprn,
         list_filter(list_transform(string_split(p.intensive_diag_prefixes, ','), lambda x: upper(trim(x))), lambda x: x <> '') AS xdiag
  -- (the visits come from clean settlements, so the raw visit rows are the clean ones)
  FROM cand_visit v JOIN (SELECT mdtrt_id, med_type, dscg_maindiag_code, diag_codes, oprn_oprt_codes
                          FROM mdtrt_d WHERE mdtrt_id IN (SELECT mdtrt_id FROM cand_visit)) m USING (mdtrt_id)
  JOIN cand c USING (psn_no) JOIN params p ON p.admdvs = c.admdvs
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
-- typical cost of each of those case-mix groups over everyone's visits in the period
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
  CROSS JOIN win
  WHERE s.setl_time >= win.period_from AND s.setl_time < win.window_to + 1
  GROUP BY m.mdtrt_id, m.class, m.diag3, m.op
),
case_mix AS (SELECT class, diag3, op, count(*) AS n, median(cost) AS med FROM group_cost GROUP BY ALL),
expected AS (
  SELECT v.psn_no, sum(CASE WHEN NOT v.big OR v.mdtrt_id IN (SELECT mdtrt_id FROM intensive) OR coalesce(cm.n, 0) < p.min_case_mix_visits THEN v.cost
                            ELSE cm.med END) AS expected_cost,
         count(*) FILTER (WHERE v.mdtrt_id IN (SELECT mdtrt_id FROM intensive)) AS intensive_visits
  FROM visit_info v JOIN params p ON p.admdvs = v.admdvs LEFT JOIN case_mix cm USING (class, diag3, op)
  GROUP BY v.psn_no
)
SELECT c.psn_no, NULL::VARCHAR AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id, []::VARCHAR[] AS feedetl_sn, c.admdvs,
       json_object('cost_12m', round(c.cost, 2), 'visits', c.visits, 'period_from', win.period_from,
                   'period_to', win.window_to, 'peer_p90_cost', round(c.p90_cost, 2),
                   'ln_cost', round(ln(c.cost), 4), 'peer_median_ln', round(c.med_ln, 4), 'peer_mad_ln', round(c.mad_ln, 4),
                   'case_mix_expected_cost', round(e.expected_cost, 2), 'ratio_to_case_mix', round(c.cost / e.expected_cost, 2),
                   'high_intensity_visits', e.intensive_visits,
                   'amount_basis', '12个月费用超出同组中位数与病种结构预期费用（取大者）部分 cost over the larger of the peer median and the case-mix expectation (estimate)') AS measured,
       json_object('z_threshold', c.z_threshold, 'min_annual_cost', c.min_annual_cost, 'min_peer_size', c.min_peer_size,
                   'min_visits', c.min_visits, 'min_case_mix_ratio', p.min_case_mix_ratio) AS threshold,
       json_object('group', '参保地 ' || c.admdvs || '·' || c.age_from::INTEGER || '–' || (c.age_from + c.age_band_years - 1)::INTEGER || '岁·'
                     || CASE c.gend WHEN '1' THEN '男' WHEN '2' THEN '女' ELSE '性别未知' END || '·'
                     || CASE c.insutype WHEN '310' THEN '职工医保' WHEN '390' THEN '居民医保' ELSE '险种 ' || c.insutype END || '·'
                     || CASE WHEN c.chronic THEN '门诊慢特病' ELSE '非慢特病' END,
                   'size', c.n, 'median', round(c.med_cost, 2), 'spread', round(c.mad_ln, 4), 'score', round(c.z, 2)) AS peer,
       round(c.cost - greatest(c.med_cost, e.expected_cost), 2)::DECIMAL(14, 2) AS amount_at_risk,
       c.last_date AS activity_date,
       '12m-to-' || strftime(win.window_to, '%Y-%m') AS evidence_key
FROM cand c
JOIN expected e USING (psn_no)
JOIN params p ON p.admdvs = c.admdvs
CROSS JOIN win
WHERE e.expected_cost > 0 AND c.cost >= p.min_case_mix_ratio * e.expected_cost
