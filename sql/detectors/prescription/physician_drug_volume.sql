-- physician_drug_volume: a physician's (fixmedins_code, bilg_dr_codg) volume Σ cnt of one drug (list_type
-- 101/102) in the window, against every physician who prescribed that drug in the window (all regions).
-- Score = robust z on ln(volume): (ln x − median ln) / max(1.4826 × MAD ln, p.spread_floor). Fires when
-- z ≥ p.z_threshold, volume ≥ p.min_ratio × peer median (NHSA case: nicotinamide at 200× the average) and the
-- volume per prescription line ≥ p.min_per_rx_ratio × the peers' median per line: a chronic-care physician writing
-- long prescriptions for many patients has a large volume but an ordinary amount per prescription (a 12-week
-- prescription is 3× a 4-week one); over-prescribing puts far more on each.
-- Drugs with fewer than p.min_peers prescribing physicians are skipped.
-- Amount at risk = (volume − peer median) × the physician's mean unit price of the drug.
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
rx_line AS NOT MATERIALIZED (
  SELECT * FROM clean_fee fe
  WHERE fe.list_type IN ('101', '102') AND fe.bilg_dr_codg IS NOT NULL AND fe.cnt > 0
    AND fe.fee_ocur_time >= $window_from::DATE AND fe.fee_ocur_time < $window_to::DATE + 1
),
vol AS (
  SELECT fe.fixmedins_code, fe.bilg_dr_codg, fe.med_list_codg AS drug,
         any_value(f.admdvs) AS admdvs, sum(fe.cnt)::DOUBLE AS volume, sum(fe.det_item_fee_sumamt)::DOUBLE AS amount,
         count(*) AS lines, max(fe.fee_ocur_time)::DATE AS last_date
  FROM rx_line fe JOIN fixmedins f ON f.fixmedins_code = fe.fixmedins_code
  GROUP BY fe.fixmedins_code, fe.bilg_dr_codg, fe.med_list_codg
),
grp AS (
  SELECT drug, count(*) AS n, median(ln(volume)) AS med_ln, mad(ln(volume)) AS mad_ln, median(volume) AS med,
         avg(volume::DECIMAL(38, 4)) AS mean, median(volume / lines) AS med_per_rx FROM vol GROUP BY drug
),
scored AS (
  SELECT v.*, g.n, g.med_ln, g.mad_ln, g.med, g.mean, g.med_per_rx, p.z_threshold, p.min_ratio, p.min_peers, p.min_per_rx_ratio,
         (ln(v.volume) - g.med_ln) / greatest(1.4826 * g.mad_ln, p.spread_floor) AS z
  FROM vol v JOIN grp g USING (drug) JOIN params p ON p.admdvs = v.admdvs
),
hit AS (
  SELECT * FROM scored
  WHERE n >= min_peers AND z >= z_threshold AND volume >= min_ratio * med AND volume / lines >= min_per_rx_ratio * med_per_rx
),
detail AS (
  -- persons and the drug's name, counted for the hits only (a distinct count per physician and drug costs most)
  SELECT fe.fixmedins_code, fe.bilg_dr_codg, fe.med_list_codg AS drug, count(DISTINCT fe.psn_no) AS persons,
         any_value(fe.hilist_name) AS drug_name
  FROM rx_line fe
  SEMI JOIN hit h ON h.fixmedins_code = fe.fixmedins_code AND h.bilg_dr_codg = fe.bilg_dr_codg AND h.drug = fe.med_list_codg
  GROUP BY fe.fixmedins_code, fe.bilg_dr_codg, fe.med_list_codg
)
SELECT NULL::VARCHAR AS psn_no, fixmedins_code, bilg_dr_codg, NULL::VARCHAR AS mdtrt_id, NULL::VARCHAR AS setl_id,
       []::VARCHAR[] AS feedetl_sn, admdvs,
       json_object('med_list_codg', drug, 'hilist_name', drug_name, 'volume', round(volume, 4), 'amount', round(amount, 2),
                   'lines', lines, 'persons', persons, 'ratio_to_peer_median', round(volume / med, 2),
                   'ratio_to_peer_mean', round(volume / mean, 2), 'per_rx', round(volume / lines, 2),
                   'peer_median_per_rx', round(med_per_rx, 2), 'period_from', win.window_from, 'period_to', win.window_to,
                   'amount_basis', '(用量 − 同药医师中位数) × 本人平均单价 (volume − peer median) × own mean unit price (estimate)') AS measured,
       json_object('z_threshold', z_threshold, 'min_ratio', min_ratio, 'min_peers', min_peers, 'min_per_rx_ratio', min_per_rx_ratio) AS threshold,
       json_object('group', '开具同一药品的医师 physicians prescribing ' || drug || ' (robust z on ln volume; spread = MAD of ln)',
                   'size', n, 'median', round(med, 4), 'spread', round(mad_ln, 4), 'score', round(z, 2)) AS peer,
       round((volume - med) * amount / volume, 2)::DECIMAL(14, 2) AS amount_at_risk,
       last_date AS activity_date,
       drug || ':' || strftime(win.window_from, '%Y-%m-%d') || '..' || strftime(win.window_to, '%Y-%m-%d') AS evidence_key
FROM hit JOIN detail USING (fixmedins_code, bilg_dr_codg, drug) CROSS JOIN win
