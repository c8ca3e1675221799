-- high_cost_single_stay: one inpatient stay whose total cost (Σ medfee_sumamt of its non-reversed
-- settlements) is at least p.min_stay_cost. Peer evidence: stays with the same principal diagnosis in the
-- scanned history (median, MAD, score = total / median); amount at risk = the excess over that median when
-- the peer group has p.min_peer_stays stays, else the excess over the threshold.
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
stay AS (
  SELECT m.mdtrt_id, any_value(m.psn_no) AS psn_no, any_value(m.fixmedins_code) AS fixmedins_code,
         any_value(m.dscg_maindiag_code) AS diag, coalesce(any_value(m.endtime), max(s.setl_time))::DATE AS dscg_date,
         sum(s.medfee_sumamt) AS total_cost, count(*) AS settlements
  FROM clean_mdtrt m JOIN clean_setl s ON s.mdtrt_id = m.mdtrt_id
  WHERE m.med_type LIKE '2%'
  GROUP BY m.mdtrt_id
),
scanned AS (SELECT stay.* FROM stay, win WHERE dscg_date BETWEEN win.scan_from AND win.window_to),
diag_peer AS (
  SELECT diag, count(*) AS n, median(total_cost) AS med, mad(total_cost) AS mad FROM scanned GROUP BY diag
)
SELECT s.psn_no, s.fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, s.mdtrt_id, NULL::VARCHAR AS setl_id,
       []::VARCHAR[] AS feedetl_sn, f.admdvs,
       json_object('total_cost', round(s.total_cost, 2), 'settlements', s.settlements,
                   'dscg_maindiag_code', s.diag,
                   'amount_basis', CASE WHEN d.n >= p.min_peer_stays
                     THEN '住院总费用超出同主诊断住院费用中位数部分 excess of the stay total over the same-diagnosis median'
                     ELSE '住院总费用超出阈值部分 excess of the stay total over the threshold (peer group too small)' END) AS measured,
       json_object('min_stay_cost', p.min_stay_cost) AS threshold,
       json_object('group', '同主诊断住院 stays with principal diagnosis ' || coalesce(s.diag, '未填'),
                   'size', d.n, 'median', round(d.med, 2), 'spread', round(d.mad, 2),
                   'score', round(s.total_cost / nullif(d.med, 0), 2)) AS peer,
       round(CASE WHEN d.n >= p.min_peer_stays THEN greatest(s.total_cost - d.med, 0)
                  ELSE s.total_cost - p.min_stay_cost END, 2)::DECIMAL(14, 2) AS amount_at_risk,
       s.dscg_date AS activity_date,
       s.mdtrt_id AS evidence_key
FROM scanned s
JOIN fixmedins f ON f.fixmedins_code = s.fixmedins_code
JOIN params p ON p.admdvs = f.admdvs
LEFT JOIN diag_peer d ON d.diag IS NOT DISTINCT FROM s.diag
CROSS JOIN win
WHERE s.total_cost >= p.min_stay_cost AND s.dscg_date BETWEEN win.window_from AND win.window_to
