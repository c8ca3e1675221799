-- cost_per_stay_peer: a provider's mean cost per inpatient stay (discharged in the window) for one principal
-- diagnosis, against providers of the same type and level tier treating the same diagnosis with at least
-- p.min_stays stays. Score = robust z on ln(mean cost): (ln x − median ln) / max(1.4826 × MAD ln, p.spread_floor).
-- Fires when z ≥ p.z_threshold and mean / peer median ≥ p.min_ratio. Amount at risk = (mean − peer median) × stays.
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
stay AS (
  SELECT m.mdtrt_id, any_value(m.fixmedins_code) AS fixmedins_code, any_value(m.dscg_maindiag_code) AS diag,
         coalesce(any_value(m.endtime), max(s.setl_time))::DATE AS dscg_date, sum(s.medfee_sumamt) AS cost
  FROM clean_mdtrt m JOIN clean_setl s ON s.mdtrt_id = m.mdtrt_id
  WHERE m.med_type LIKE '2%' AND m.dscg_maindiag_code IS NOT NULL
  GROUP BY m.mdtrt_id
),
prov AS (
  SELECT s.fixmedins_code, s.diag, any_value(f.admdvs) AS admdvs,
         coalesce(any_value(f.fixmedins_type), '?') || ' · ' || fw_level_tier(any_value(f.hosp_lv)) AS peer_group,
         count(*) AS stays, avg(s.cost) AS mean_cost, max(s.dscg_date) AS last_date
  FROM stay s JOIN fixmedins f ON f.fixmedins_code = s.fixmedins_code CROSS JOIN win
  WHERE s.dscg_date BETWEEN win.window_from AND win.window_to AND s.cost > 0
  GROUP BY s.fixmedins_code, s.diag
),
eligible AS (SELECT prov.* FROM prov JOIN params p ON p.admdvs = prov.admdvs WHERE stays >= p.min_stays),
grp AS (
  SELECT peer_group, diag, count(*) AS n, median(ln(mean_cost)) AS med_ln, mad(ln(mean_cost)) AS mad_ln,
         median(mean_cost) AS med_cost
  FROM eligible GROUP BY peer_group, diag
),
scored AS (
  SELECT e.*, g.n, g.med_ln, g.mad_ln, g.med_cost, p.z_threshold, p.min_ratio, p.min_stays, p.min_peers,
         (ln(e.mean_cost) - g.med_ln) / greatest(1.4826 * g.mad_ln, p.spread_floor) AS z
  FROM eligible e JOIN grp g USING (peer_group, diag) JOIN params p ON p.admdvs = e.admdvs
)
SELECT NULL::VARCHAR AS psn_no, fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id, []::VARCHAR[] AS feedetl_sn, admdvs,
       json_object('dscg_maindiag_code', diag, 'stays', stays, 'mean_cost', round(mean_cost, 2),
                   'ratio_to_peer_median', round(mean_cost / med_cost, 2),
                   'period_from', win.window_from, 'period_to', win.window_to,
                   'amount_basis', '(次均费用 − 同级中位数) × 住院人次 (mean cost − peer median) × stays (estimate)') AS measured,
       json_object('z_threshold', z_threshold, 'min_ratio', min_ratio, 'min_stays', min_stays, 'min_peers', min_peers) AS threshold,
       json_object('group', '同类型同级别机构 ' || peer_group || ' · 主诊断 ' || diag || ' (robust z on ln mean cost; spread = MAD of ln)',
                   'size', n, 'median', round(med_cost, 2), 'spread', round(mad_ln, 4), 'score', round(z, 2)) AS peer,
       round((mean_cost - med_cost) * stays, 2)::DECIMAL(14, 2) AS amount_at_risk,
       last_date AS activity_date,
       diag || ':' || strftime(win.window_from, '%Y-%m-%d') || '..' || strftime(win.window_to, '%Y-%m-%d') AS evidence_key
FROM scored CROSS JOIN win
WHERE n >= min_peers AND z >= z_threshold AND mean_cost >= min_ratio * med_cost
