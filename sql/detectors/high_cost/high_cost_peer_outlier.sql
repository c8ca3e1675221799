-- high_cost_peer_outlier: a person's cost over the 365 days ending at the window end, against persons of
-- the same pooling region, age band, sex, insurance type and chronic-care status (any 14xx 门诊慢特病
-- visit in the period). Score = robust z on ln(cost): (ln x − median ln) / max(1.4826 × MAD ln, floor).
-- Groups smaller than p.min_peer_size are skipped. Fires when z ≥ p.z_threshold, cost ≥ p.min_annual_cost and
-- the person had at least p.min_visits visits (one expensive stay is high_cost_single_stay's finding).
-- Amount at risk = cost − peer median cost.
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
person AS (
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
scored AS (
  SELECT x.*, g.n, g.med_ln, g.mad_ln, g.med_cost, g.p90_cost,
         (ln(x.cost) - g.med_ln) / greatest(1.4826 * g.mad_ln, x.spread_floor) AS z
  FROM person x JOIN grp g USING (admdvs, age_from, gend, insutype, chronic)
)
SELECT psn_no, NULL::VARCHAR AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id, []::VARCHAR[] AS feedetl_sn, admdvs,
       json_object('cost_12m', round(cost, 2), 'visits', visits, 'period_from', win.period_from,
                   'period_to', win.window_to, 'peer_p90_cost', round(p90_cost, 2),
                   'ln_cost', round(ln(cost), 4), 'peer_median_ln', round(med_ln, 4), 'peer_mad_ln', round(mad_ln, 4),
                   'amount_basis', '12个月费用超出同组中位数部分 cost over the peer median cost (estimate)') AS measured,
       json_object('z_threshold', z_threshold, 'min_annual_cost', min_annual_cost, 'min_peer_size', min_peer_size,
                   'min_visits', min_visits) AS threshold,
       json_object('group', '参保地 ' || admdvs || ' · 年龄 ' || age_from::INTEGER || '-' || (age_from + age_band_years - 1)::INTEGER
                     || ' · 性别 ' || gend || ' · 险种 ' || insutype || ' · ' || CASE WHEN chronic THEN '门诊慢特病' ELSE '非慢特病' END
                     || ' (robust z on ln cost; spread = MAD of ln cost)',
                   'size', n, 'median', round(med_cost, 2), 'spread', round(mad_ln, 4), 'score', round(z, 2)) AS peer,
       round(cost - med_cost, 2)::DECIMAL(14, 2) AS amount_at_risk,
       last_date AS activity_date,
       '12m-to-' || strftime(win.window_to, '%Y-%m') AS evidence_key
FROM scored CROSS JOIN win
WHERE n >= min_peer_size AND z >= z_threshold AND cost >= min_annual_cost AND visits >= min_visits
