-- provider_volume_spike: a provider's visits in a calendar month (visits by begntime, every care type)
-- against its own baseline: the previous p.baseline_months months that lie wholly inside the scanned history
-- and had activity. Needs p.min_baseline_months such months. Score = (x − median) / max(1.4826 × MAD,
-- p.spread_floor_ratio × median); fires when score ≥ p.z_threshold, visits ≥ p.min_ratio × median and
-- visits ≥ p.min_visits. Amount at risk = month amount − median monthly amount (Σ medfee_sumamt of the visits).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
visit AS (
  SELECT m.mdtrt_id, m.fixmedins_code, m.begntime::DATE AS d, sum(s.medfee_sumamt)::DOUBLE AS cost
  FROM clean_mdtrt m JOIN clean_setl s ON s.mdtrt_id = m.mdtrt_id CROSS JOIN win
  WHERE m.begntime::DATE BETWEEN win.scan_from AND win.window_to
  GROUP BY m.mdtrt_id, m.fixmedins_code, m.begntime
),
mon AS (
  SELECT fixmedins_code, date_trunc('month', d)::DATE AS month, count(*) AS visits, sum(cost) AS amount, max(d) AS last_date
  FROM visit GROUP BY ALL
),
target AS (SELECT mon.* FROM mon, win WHERE mon.last_date >= win.window_from),
base AS (
  SELECT t.fixmedins_code, t.month, count(*) AS n, median(b.visits) AS med, mad(b.visits) AS mad,
         median(b.amount) AS med_amount
  FROM target t
  JOIN fixmedins f ON f.fixmedins_code = t.fixmedins_code
  JOIN params p ON p.admdvs = f.admdvs
  JOIN mon b ON b.fixmedins_code = t.fixmedins_code AND b.month < t.month
   AND b.month >= t.month - to_months(p.baseline_months::INTEGER)
  CROSS JOIN win
  WHERE b.month >= win.scan_from
  GROUP BY ALL
)
SELECT NULL::VARCHAR AS psn_no, t.fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id, []::VARCHAR[] AS feedetl_sn, f.admdvs,
       json_object('month', strftime(t.month, '%Y-%m'), 'visits', t.visits, 'amount', round(t.amount, 2),
                   'ratio_to_baseline', round(t.visits / b.med, 2), 'baseline_median_amount', round(b.med_amount, 2),
                   'amount_basis', '当月金额 − 基线月金额中位数 month amount − baseline median monthly amount (estimate)') AS measured,
       json_object('z_threshold', p.z_threshold, 'min_ratio', p.min_ratio, 'min_visits', p.min_visits,
                   'baseline_months', p.baseline_months, 'min_baseline_months', p.min_baseline_months) AS threshold,
       json_object('group', '本机构前 ' || p.baseline_months::INTEGER || ' 个月 own previous months (visits per month; spread = MAD)',
                   'size', b.n, 'median', b.med, 'spread', b.mad,
                   'score', round((t.visits - b.med) / greatest(1.4826 * b.mad, p.spread_floor_ratio * b.med), 2)) AS peer,
       round(greatest(t.amount - b.med_amount, 0), 2)::DECIMAL(14, 2) AS amount_at_risk,
       t.last_date AS activity_date,
       strftime(t.month, '%Y-%m') AS evidence_key
FROM target t
JOIN base b USING (fixmedins_code, month)
JOIN fixmedins f ON f.fixmedins_code = t.fixmedins_code
JOIN params p ON p.admdvs = f.admdvs
WHERE b.n >= p.min_baseline_months AND b.med > 0 AND t.visits >= p.min_visits AND t.visits >= p.min_ratio * b.med
  AND (t.visits - b.med) / greatest(1.4826 * b.mad, p.spread_floor_ratio * b.med) >= p.z_threshold
