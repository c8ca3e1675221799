-- physician_oversized_rate: a physician's rate of oversized outpatient prescriptions (a prescription = the
-- drug lines of one outpatient visit, med_type 1x, by one physician; oversized when any line's prd_days
-- exceeds p.outpatient_max_days, p.emergency_max_days for med_type 13, p.chronic_max_days for 14x), against
-- all physicians with at least p.min_prescriptions prescriptions in the window. Score = robust z
-- (rate − median) / max(1.4826 × MAD, p.spread_floor); fires when z ≥ p.z_threshold and
-- rate − median ≥ p.min_rate_gap. Amount at risk = the over-supply cost (Σ line total × (prd_days − limit) /
-- prd_days over oversized lines) × the excess share (rate − median) / rate.
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
line AS (
  SELECT fe.fixmedins_code, fe.bilg_dr_codg, fe.mdtrt_id, f.admdvs, fe.prd_days, fe.det_item_fee_sumamt::DOUBLE AS total,
         fe.fee_ocur_time::DATE AS d,
         CASE WHEN m.med_type = '13' THEN p.emergency_max_days WHEN m.med_type LIKE '14%' THEN p.chronic_max_days
              ELSE p.outpatient_max_days END AS max_days
  FROM clean_fee fe
  JOIN clean_mdtrt m ON m.mdtrt_id = fe.mdtrt_id
  JOIN fixmedins f ON f.fixmedins_code = fe.fixmedins_code
  JOIN params p ON p.admdvs = f.admdvs
  WHERE fe.list_type IN ('101', '102') AND fe.bilg_dr_codg IS NOT NULL AND m.med_type LIKE '1%'
    AND fe.fee_ocur_time >= $window_from::DATE AND fe.fee_ocur_time < $window_to::DATE + 1
),
rx AS (
  SELECT fixmedins_code, bilg_dr_codg, mdtrt_id, any_value(admdvs) AS admdvs, max(d) AS d,
         bool_or(prd_days > max_days) AS oversized,
         sum(CASE WHEN prd_days > max_days THEN total * (prd_days - max_days) / prd_days ELSE 0 END) AS oversupply_cost
  FROM line GROUP BY fixmedins_code, bilg_dr_codg, mdtrt_id
),
doc AS (
  SELECT fixmedins_code, bilg_dr_codg, any_value(admdvs) AS admdvs, count(*) AS prescriptions,
         count(*) FILTER (WHERE oversized) AS oversized, count(*) FILTER (WHERE oversized)::DOUBLE / count(*) AS rate,
         sum(oversupply_cost) AS oversupply_cost, max(d) FILTER (WHERE oversized) AS last_date
  FROM rx GROUP BY fixmedins_code, bilg_dr_codg
),
eligible AS (SELECT doc.* FROM doc JOIN params p ON p.admdvs = doc.admdvs WHERE prescriptions >= p.min_prescriptions),
grp AS (SELECT count(*) AS n, median(rate) AS med, mad(rate) AS mad, quantile_cont(rate, 0.9) AS p90 FROM eligible),
scored AS (
  SELECT e.*, g.*, p.z_threshold, p.min_rate_gap, p.min_prescriptions, p.min_peers,
         p.outpatient_max_days, p.emergency_max_days, p.chronic_max_days,
         (e.rate - g.med) / greatest(1.4826 * g.mad, p.spread_floor) AS z
  FROM eligible e CROSS JOIN grp g JOIN params p ON p.admdvs = e.admdvs
)
SELECT NULL::VARCHAR AS psn_no, fixmedins_code, bilg_dr_codg, NULL::VARCHAR AS mdtrt_id, NULL::VARCHAR AS setl_id,
       []::VARCHAR[] AS feedetl_sn, admdvs,
       json_object('prescriptions', prescriptions, 'oversized', oversized, 'rate', round(rate, 4),
                   'oversupply_cost', round(oversupply_cost, 2), 'peer_p90', round(p90, 4),
                   'period_from', win.window_from, 'period_to', win.window_to,
                   'amount_basis', '超量部分药费 × (超量率 − 同行中位数) / 超量率 over-supply cost × excess share of the rate (estimate)') AS measured,
       json_object('z_threshold', z_threshold, 'min_rate_gap', min_rate_gap, 'min_prescriptions', min_prescriptions,
                   'min_peers', min_peers, 'outpatient_max_days', outpatient_max_days,
                   'emergency_max_days', emergency_max_days, 'chronic_max_days', chronic_max_days) AS threshold,
       json_object('group', '处方数达标的全部医师 all physicians with ≥ ' || min_prescriptions::INTEGER || ' outpatient prescriptions (rate; spread = MAD)',
                   'size', n, 'median', round(med, 4), 'spread', round(mad, 4), 'score', round(z, 2)) AS peer,
       round(oversupply_cost * (rate - med) / rate, 2)::DECIMAL(14, 2) AS amount_at_risk,
       last_date AS activity_date,
       strftime(win.window_from, '%Y-%m-%d') || '..' || strftime(win.window_to, '%Y-%m-%d') AS evidence_key
FROM scored CROSS JOIN win
WHERE n >= min_peers AND z >= z_threshold AND rate - med >= min_rate_gap
