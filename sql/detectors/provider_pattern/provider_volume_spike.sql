-- provider_volume_spike: a provider's visits in a calendar week (Monday–Sunday, visits by begntime, every care
-- type) against its own baseline: the previous p.baseline_weeks weeks that lie wholly inside the scanned
-- history and had activity. Weeks, not months, so a two-week spike is not diluted or split by a month end.
-- Needs p.min_baseline_weeks such weeks. Score = (x − median) / max(1.4826 × MAD, p.spread_floor_ratio × median);
-- fires when score ≥ p.z_threshold, visits ≥ p.min_ratio × median and visits ≥ p.min_visits.
-- Amount at risk = week amount − median weekly amount (Σ medfee_sumamt of the visits).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
visit AS (
  SELECT m.mdtrt_id, m.fixmedins_code, m.begntime::DATE AS d, sum(s.medfee_sumamt) AS cost
  FROM clean_mdtrt m JOIN clean_setl s ON s.mdtrt_id = m.mdtrt_id
  WHERE m.begntime >= $scan_from::DATE AND m.begntime < $window_to::DATE + 1
  GROUP BY m.mdtrt_id, m.fixmedins_code, m.begntime
),
wk AS (
  SELECT fixmedins_code, date_trunc('week', d)::DATE AS week, count(*) AS visits, sum(cost) AS amount, max(d) AS last_date
  FROM visit GROUP BY ALL
),
target AS (SELECT wk.* FROM wk, win WHERE wk.last_date >= win.window_from),
base AS (
  SELECT t.fixmedins_code, t.week, count(*) AS n, median(b.visits) AS med, mad(b.visits) AS mad,
         median(b.amount) AS med_amount
  FROM target t
  JOIN fixmedins f ON f.fixmedins_code = t.fixmedins_code
  JOIN params p ON p.admdvs = f.admdvs
  JOIN wk b ON b.fixmedins_code = t.fixmedins_code AND b.week < t.week
   AND b.week >= t.week - 7 * p.baseline_weeks::INTEGER
  CROSS JOIN win
  WHERE b.week >= win.scan_from
  GROUP BY ALL
)
SELECT NULL::VARCHAR AS psn_no, t.fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id, []::VARCHAR[] AS feedetl_sn, f.admdvs,
       json_object('week_from', t.week, 'week_to', t.week + 6, 'visits', t.visits, 'amount', round(t.amount, 2),
                   'ratio_to_baseline', round(t.visits / b.med, 2), 'baseline_median_amount', round(b.med_amount, 2),
                   'amount_basis', '当周金额 − 基线周金额中位数 week amount − baseline median weekly amount (estimate)') AS measured,
       json_object('z_threshold', p.z_threshold, 'min_ratio', p.min_ratio, 'min_visits', p.min_visits,
                   'baseline_weeks', p.baseline_weeks, 'min_baseline_weeks', p.min_baseline_weeks) AS threshold,
       json_object('group', '本机构前 ' || p.baseline_weeks::INTEGER || ' 周 own previous weeks (visits per week; spread = MAD)',
                   'size', b.n, 'median', b.med, 'spread', b.mad,
                   'score', round((t.visits - b.med) / greatest(1.4826 * b.mad, p.spread_floor_ratio * b.med), 2)) AS peer,
       round(greatest(t.amount - b.med_amount, 0), 2)::DECIMAL(14, 2) AS amount_at_risk,
       t.last_date AS activity_date,
       strftime(t.week, '%Y-%m-%d') AS evidence_key
FROM target t
JOIN base b USING (fixmedins_code, week)
JOIN fixmedins f ON f.fixmedins_code = t.fixmedins_code
JOIN params p ON p.admdvs = f.admdvs
WHERE b.n >= p.min_baseline_weeks AND b.med > 0 AND t.visits >= p.min_visits AND t.visits >= p.min_ratio * b.med
  AND (t.visits - b.med) / greatest(1.4826 * b.mad, p.spread_floor_ratio * b.med) >= p.z_threshold
