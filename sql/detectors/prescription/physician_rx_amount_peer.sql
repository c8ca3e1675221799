-- physician_rx_amount_peer: a physician's mean drug amount per outpatient visit (med_type 1x; Σ drug lines of
-- the visit by that physician) for one principal diagnosis and care type (left(med_type, 2): 11 普通门诊,
-- 13 急诊, 14 门诊慢特病 — a chronic-care visit carries weeks of supply), against physicians at providers of the
-- same type and level tier with at least p.min_visits such visits (三级 hospitals prescribe dearer drugs). Score = robust z on ln(mean amount):
-- (ln x − median ln) / max(1.4826 × MAD ln, p.spread_floor). Fires when z ≥ p.z_threshold and
-- mean ≥ p.min_ratio × peer median. Amount at risk = (mean − peer median) × visits.
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
rx_line AS (
  -- a prescription's amount from its lines alone; the visit and provider are looked up once per prescription
  SELECT fe.fixmedins_code, fe.bilg_dr_codg, fe.mdtrt_id, sum(fe.det_item_fee_sumamt) AS amount, max(fe.fee_ocur_time)::DATE AS d
  FROM clean_fee fe
  WHERE fe.list_type IN ('101', '102') AND fe.bilg_dr_codg IS NOT NULL
    AND fe.fee_ocur_time >= $window_from::DATE AND fe.fee_ocur_time < $window_to::DATE + 1
  GROUP BY fe.fixmedins_code, fe.bilg_dr_codg, fe.mdtrt_id
),
visit_rx AS (
  SELECT r.fixmedins_code, r.bilg_dr_codg, r.mdtrt_id, m.dscg_maindiag_code AS diag, left(m.med_type, 2) AS care, f.admdvs,
         coalesce(f.fixmedins_type, '?') || ' · ' || fw_level_tier(f.hosp_lv) AS peer_group, r.amount, r.d
  FROM rx_line r
  JOIN clean_mdtrt m ON m.mdtrt_id = r.mdtrt_id
  JOIN fixmedins f ON f.fixmedins_code = r.fixmedins_code
  WHERE m.med_type LIKE '1%' AND m.dscg_maindiag_code IS NOT NULL
),
doc AS (
  SELECT fixmedins_code, bilg_dr_codg, diag, care, any_value(admdvs) AS admdvs, any_value(peer_group) AS peer_group, count(*) AS visits,
         avg(amount) AS mean_amount, max(d) AS last_date
  FROM visit_rx WHERE amount > 0 GROUP BY fixmedins_code, bilg_dr_codg, diag, care
),
eligible AS (SELECT doc.* FROM doc JOIN params p ON p.admdvs = doc.admdvs WHERE visits >= p.min_visits),
grp AS (
  SELECT diag, care, peer_group, count(*) AS n, median(ln(mean_amount)) AS med_ln, mad(ln(mean_amount)) AS mad_ln,
         median(mean_amount) AS med FROM eligible GROUP BY diag, care, peer_group
),
scored AS (
  SELECT e.*, g.n, g.med_ln, g.mad_ln, g.med, p.z_threshold, p.min_ratio, p.min_visits, p.min_peers,
         (ln(e.mean_amount) - g.med_ln) / greatest(1.4826 * g.mad_ln, p.spread_floor) AS z
  FROM eligible e JOIN grp g USING (diag, care, peer_group) JOIN params p ON p.admdvs = e.admdvs
)
SELECT NULL::VARCHAR AS psn_no, fixmedins_code, bilg_dr_codg, NULL::VARCHAR AS mdtrt_id, NULL::VARCHAR AS setl_id,
       []::VARCHAR[] AS feedetl_sn, admdvs,
       json_object('dscg_maindiag_code', diag, 'care_type', care, 'visits', visits, 'mean_rx_amount', round(mean_amount, 2),
                   'ratio_to_peer_median', round(mean_amount / med, 2),
                   'period_from', win.window_from, 'period_to', win.window_to,
                   'amount_basis', '(次均处方金额 − 同行中位数) × 就诊次数 (mean − peer median) × visits (estimate)') AS measured,
       json_object('z_threshold', z_threshold, 'min_ratio', min_ratio, 'min_visits', min_visits, 'min_peers', min_peers) AS threshold,
       json_object('group', '同类型同级别机构的同主诊断医师 ' || peer_group || ' · physicians treating ' || diag || ' · med_type ' || care || 'x (robust z on ln mean amount; spread = MAD of ln)',
                   'size', n, 'median', round(med, 2), 'spread', round(mad_ln, 4), 'score', round(z, 2)) AS peer,
       round((mean_amount - med) * visits, 2)::DECIMAL(14, 2) AS amount_at_risk,
       last_date AS activity_date,
       diag || ':' || care || ':' || strftime(win.window_from, '%Y-%m-%d') || '..' || strftime(win.window_to, '%Y-%m-%d') AS evidence_key
FROM scored CROSS JOIN win
WHERE n >= min_peers AND z >= z_threshold AND mean_amount >= min_ratio * med
