-- physician_oversized_rate: a physician's rate of oversized outpatient prescriptions (a prescription = the drug
-- lines of one outpatient visit, med_type 1x, by one physician), against all physicians with at least
-- p.min_prescriptions prescriptions in the window. A line is oversized when its prd_days exceed the limit of its
-- context, as in oversized_days_supply: p.emergency_max_days on emergency visits (13); otherwise the largest of
-- p.outpatient_max_days, the standard course of a visit diagnosis in p.course_icd10 (H. pylori 14 days …) and — for
-- a drug not in p.no_long_rx_atc — p.chronic_max_days (long prescription) on 门慢门特 visits (14x), for drugs in
-- p.chronic_atc and on visits with a diagnosis in p.chronic_icd10.
-- Score = robust z (rate − median) / max(1.4826 × MAD, p.spread_floor); fires when z ≥ p.z_threshold and
-- rate − median ≥ p.min_rate_gap. Amount at risk = the over-supply cost (Σ line total × (prd_days − limit) /
-- prd_days over oversized lines) × the excess share (rate − median) / rate.
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
lists AS (
  SELECT admdvs, list, split_part(e, '-', 1) AS lo, coalesce(nullif(split_part(e, '-', 2), ''), split_part(e, '-', 1)) AS hi
  FROM (
    SELECT admdvs, 'icd' AS list, unnest(string_split(upper(replace(replace(chronic_icd10, '.', ''), ' ', '')), ',')) AS e FROM params
    UNION ALL SELECT admdvs, 'atc', unnest(string_split(upper(replace(chronic_atc, ' ', '')), ',')) FROM params
    UNION ALL SELECT admdvs, 'no_long', unnest(string_split(upper(replace(no_long_rx_atc, ' ', '')), ',')) FROM params
  )
  WHERE e <> ''
),
courses AS (
  SELECT admdvs, split_part(c, '-', 1) AS lo, coalesce(nullif(split_part(c, '-', 2), ''), split_part(c, '-', 1)) AS hi, days
  FROM (SELECT admdvs, split_part(e, ':', 1) AS c, TRY_CAST(split_part(e, ':', 2) AS DOUBLE) AS days
        FROM (SELECT admdvs, unnest(string_split(upper(replace(replace(course_icd10, '.', ''), ' ', '')), ',')) AS e FROM params))
  WHERE c <> '' AND days > 0
),
line AS MATERIALIZED (
  SELECT fe.fixmedins_code, fe.bilg_dr_codg, fe.mdtrt_id, f.admdvs, fe.prd_days, fe.det_item_fee_sumamt::DOUBLE AS total,
         fe.med_list_codg, fe.fee_ocur_time::DATE AS d, m.med_type,
         CASE WHEN m.med_type = '13' THEN p.emergency_max_days ELSE p.outpatient_max_days END AS base_days
  FROM clean_fee fe
  JOIN clean_mdtrt m ON m.mdtrt_id = fe.mdtrt_id
  JOIN fixmedins f ON f.fixmedins_code = fe.fixmedins_code
  JOIN params p ON p.admdvs = f.admdvs
  WHERE fe.list_type IN ('101', '102') AND fe.bilg_dr_codg IS NOT NULL AND m.med_type LIKE '1%'
    AND fe.fee_ocur_time >= $window_from::DATE AND fe.fee_ocur_time < $window_to::DATE + 1
),
rx AS (
  SELECT fixmedins_code, bilg_dr_codg, mdtrt_id, any_value(admdvs) AS admdvs, max(d) AS d
  FROM line GROUP BY fixmedins_code, bilg_dr_codg, mdtrt_id
),
cand_line AS MATERIALIZED (
  -- the lines over the short-prescription limit, for the context check below
  SELECT fixmedins_code, bilg_dr_codg, mdtrt_id, admdvs, med_type, med_list_codg, prd_days, total,
         CASE WHEN med_list_codg LIKE 'X%' THEN upper(substr(med_list_codg, 2, 5)) END AS atc
  FROM line WHERE prd_days > base_days
),
drug_class AS (
  SELECT k.atc, k.admdvs, bool_or(r.list = 'no_long') AS no_long, bool_or(r.list = 'atc') AS chronic
  FROM (SELECT DISTINCT atc, admdvs FROM cand_line WHERE atc IS NOT NULL) k
  JOIN lists r ON r.admdvs = k.admdvs AND r.list IN ('atc', 'no_long') AND left(k.atc, length(r.lo)) BETWEEN r.lo AND r.hi
  GROUP BY k.atc, k.admdvs
),
classed AS MATERIALIZED (
  SELECT c.*, coalesce(dc.no_long, false) AS no_long, coalesce(dc.chronic, false) AS chronic_drug
  FROM cand_line c LEFT JOIN drug_class dc ON dc.atc = c.atc AND dc.admdvs = c.admdvs
),
visit_code AS (
  -- diagnoses of the visits the visit type and drug class leave open (see oversized_days_supply)
  SELECT m.mdtrt_id, c.admdvs,
         upper(replace(trim(unnest(list_prepend(m.dscg_maindiag_code, coalesce(string_split(m.diag_codes, '|'), []::VARCHAR[])))), '.', '')) AS code
  FROM clean_mdtrt m
  JOIN (SELECT DISTINCT mdtrt_id, admdvs FROM classed
        WHERE med_type <> '13' AND (no_long OR (med_type NOT LIKE '14%' AND NOT chronic_drug))) c ON c.mdtrt_id = m.mdtrt_id
),
code_class AS (
  SELECT c.code, c.admdvs, bool_or(r.lo IS NOT NULL) AS chronic,
         (SELECT max(k.days) FROM courses k WHERE k.admdvs = c.admdvs AND left(c.code, length(k.lo)) BETWEEN k.lo AND k.hi) AS course_days
  FROM (SELECT DISTINCT code, admdvs FROM visit_code WHERE code <> '') c
  LEFT JOIN lists r ON r.list = 'icd' AND r.admdvs = c.admdvs AND left(c.code, length(r.lo)) BETWEEN r.lo AND r.hi
  GROUP BY c.code, c.admdvs
),
visit_context AS (
  SELECT v.mdtrt_id, bool_or(cc.chronic) AS chronic_dx, max(cc.course_days) AS course_days
  FROM visit_code v JOIN code_class cc ON cc.code = v.code AND cc.admdvs = v.admdvs
  GROUP BY v.mdtrt_id
),
rx_over AS (
  SELECT fixmedins_code, bilg_dr_codg, mdtrt_id, sum(total * (prd_days - max_days) / prd_days) AS oversupply_cost
  FROM (
    SELECT c.*,
           CASE WHEN c.med_type = '13' THEN p.emergency_max_days
                ELSE greatest(p.outpatient_max_days, coalesce(vc.course_days, 0),
                              CASE WHEN NOT c.no_long AND (c.med_type LIKE '14%' OR c.chronic_drug OR coalesce(vc.chronic_dx, false))
                                   THEN p.chronic_max_days ELSE 0 END) END AS max_days
    FROM classed c
    JOIN params p ON p.admdvs = c.admdvs
    LEFT JOIN visit_context vc ON vc.mdtrt_id = c.mdtrt_id
  )
  WHERE prd_days > max_days
  GROUP BY fixmedins_code, bilg_dr_codg, mdtrt_id
),
doc AS (
  SELECT r.fixmedins_code, r.bilg_dr_codg, any_value(r.admdvs) AS admdvs, count(*) AS prescriptions,
         count(o.mdtrt_id) AS oversized, count(o.mdtrt_id)::DOUBLE / count(*) AS rate,
         coalesce(sum(o.oversupply_cost), 0) AS oversupply_cost, max(r.d) FILTER (WHERE o.mdtrt_id IS NOT NULL) AS last_date
  FROM rx r LEFT JOIN rx_over o USING (fixmedins_code, bilg_dr_codg, mdtrt_id)
  GROUP BY r.fixmedins_code, r.bilg_dr_codg
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
