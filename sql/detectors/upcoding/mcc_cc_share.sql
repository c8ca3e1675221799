-- mcc_cc_share: a provider's share of inpatient stays (discharged in the window) carrying at least one
-- secondary diagnosis on the CHS-DRG 1.1 MCC/CC lists (table ref_drg_cc), against providers of the same
-- type and level tier (fw_level_tier) with at least p.min_stays stays. Score = robust z
-- (share − median) / max(1.4826 × MAD, p.spread_floor). Fires when z ≥ p.z_threshold and
-- share − median ≥ p.min_share_gap. Amount at risk = excess stays ((share − median) × stays) × (mean cost of
-- the provider's MCC/CC stays − mean cost of non-MCC/CC stays at the provider, or of the peer group if none).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
stay AS (
  SELECT m.mdtrt_id, any_value(m.fixmedins_code) AS fixmedins_code, any_value(m.diag_codes) AS diag_codes,
         any_value(m.dscg_maindiag_code) AS main_diag,
         coalesce(any_value(m.endtime), max(s.setl_time))::DATE AS dscg_date, sum(s.medfee_sumamt) AS cost
  FROM clean_mdtrt m JOIN clean_setl s ON s.mdtrt_id = m.mdtrt_id
  WHERE m.med_type LIKE '2%'
  GROUP BY m.mdtrt_id
),
in_window AS (SELECT stay.* FROM stay, win WHERE dscg_date BETWEEN win.window_from AND win.window_to),
secondary AS (
  SELECT DISTINCT x.mdtrt_id, r.severity
  FROM (SELECT mdtrt_id, main_diag, trim(unnest(string_split(diag_codes, '|'))) AS code FROM in_window) x
  JOIN ref_drg_cc r ON r.code = x.code
  WHERE x.code IS DISTINCT FROM x.main_diag
),
flagged AS (
  SELECT w.*, (EXISTS (SELECT 1 FROM secondary c WHERE c.mdtrt_id = w.mdtrt_id)) AS has_cc,
         (EXISTS (SELECT 1 FROM secondary c WHERE c.mdtrt_id = w.mdtrt_id AND c.severity = 'MCC')) AS has_mcc
  FROM in_window w
),
prov AS (
  SELECT fl.fixmedins_code, any_value(f.admdvs) AS admdvs,
         coalesce(any_value(f.fixmedins_type), '?') || ' · ' || fw_level_tier(any_value(f.hosp_lv)) AS peer_group,
         count(*) AS stays, count(*) FILTER (WHERE has_cc) AS cc_stays, count(*) FILTER (WHERE has_mcc) AS mcc_stays,
         count(*) FILTER (WHERE has_cc)::DOUBLE / count(*) AS share,
         avg(cost) FILTER (WHERE has_cc) AS cc_cost, avg(cost) FILTER (WHERE NOT has_cc) AS non_cc_cost,
         max(dscg_date) AS last_date
  FROM flagged fl JOIN fixmedins f ON f.fixmedins_code = fl.fixmedins_code
  GROUP BY fl.fixmedins_code
),
eligible AS (SELECT prov.* FROM prov JOIN params p ON p.admdvs = prov.admdvs WHERE prov.stays >= p.min_stays),
grp AS (
  SELECT peer_group, count(*) AS n, median(share) AS med, mad(share) AS mad,
         quantile_cont(share, 0.9) AS p90, avg(non_cc_cost) AS grp_non_cc_cost
  FROM eligible GROUP BY peer_group
),
scored AS (
  SELECT e.*, g.n, g.med, g.mad, g.p90, p.z_threshold, p.min_share_gap, p.min_stays, p.min_peers,
         (e.share - g.med) / greatest(1.4826 * g.mad, p.spread_floor) AS z,
         (e.share - g.med) * e.stays AS excess_stays,
         greatest(e.cc_cost - coalesce(e.non_cc_cost, g.grp_non_cc_cost), 0) AS cost_gap
  FROM eligible e JOIN grp g USING (peer_group) JOIN params p ON p.admdvs = e.admdvs
)
SELECT NULL::VARCHAR AS psn_no, fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id, []::VARCHAR[] AS feedetl_sn, admdvs,
       json_object('stays', stays, 'mcc_cc_stays', cc_stays, 'mcc_stays', mcc_stays, 'share', round(share, 4),
                   'peer_p90', round(p90, 4), 'excess_stays', round(excess_stays, 1),
                   'mean_cost_mcc_cc', round(cc_cost, 2), 'mean_cost_other', round(coalesce(non_cc_cost, 0), 2),
                   'period_from', win.window_from, 'period_to', win.window_to,
                   'amount_basis', '超出同级中位数的MCC/CC病例数 × 病例费用差 excess MCC/CC stays over the peer median × cost gap per stay (estimate)') AS measured,
       json_object('z_threshold', z_threshold, 'min_share_gap', min_share_gap, 'min_stays', min_stays, 'min_peers', min_peers) AS threshold,
       json_object('group', '同类型同级别机构 ' || peer_group || ' (share of stays with MCC/CC; spread = MAD)',
                   'size', n, 'median', round(med, 4), 'spread', round(mad, 4), 'score', round(z, 2)) AS peer,
       round(excess_stays * cost_gap, 2)::DECIMAL(14, 2) AS amount_at_risk,
       last_date AS activity_date,
       strftime(win.window_from, '%Y-%m-%d') || '..' || strftime(win.window_to, '%Y-%m-%d') AS evidence_key
FROM scored CROSS JOIN win
WHERE n >= min_peers AND z >= z_threshold AND share - med >= min_share_gap
