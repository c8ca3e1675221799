-- high_cost_own_baseline: a calendar month whose cost (Σ medfee_sumamt by settlement month) is far above
-- the person's own baseline: the median of the person's active months among the 12 months before it.
-- Needs p.min_baseline_months active baseline months; fires when month cost ≥ p.min_ratio × baseline
-- median and month cost − baseline median ≥ p.min_excess. Score = month cost / baseline median.
WITH mon AS (
  SELECT s.psn_no, date_trunc('month', s.setl_time)::DATE AS month, sum(s.medfee_sumamt)::DOUBLE AS cost,
         max(s.setl_time)::DATE AS last_date
  FROM clean_setl s
  WHERE s.setl_time >= $scan_from::DATE AND s.setl_time < $window_to::DATE + 1
  GROUP BY ALL
),
target AS (
  -- cost − median ≥ min_excess with a positive median implies cost > min_excess: only such months need a baseline
  SELECT mon.* FROM mon
  JOIN psn_info i ON i.psn_no = mon.psn_no
  JOIN params p ON p.admdvs = i.insu_admdvs
  WHERE mon.last_date >= $window_from::DATE AND mon.cost > p.min_excess
),
base AS (
  SELECT t.psn_no, t.month, count(*) AS n, median(b.cost) AS med, mad(b.cost) AS mad
  FROM target t JOIN mon b ON b.psn_no = t.psn_no AND b.month < t.month AND b.month >= t.month - INTERVAL 12 MONTH
  GROUP BY ALL
)
SELECT t.psn_no, NULL::VARCHAR AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id, []::VARCHAR[] AS feedetl_sn, i.insu_admdvs AS admdvs,
       json_object('month', strftime(t.month, '%Y-%m'), 'month_cost', round(t.cost, 2),
                   'amount_basis', '当月费用超出本人基线中位数部分 month cost over the own baseline median (estimate)') AS measured,
       json_object('min_ratio', p.min_ratio, 'min_excess', p.min_excess, 'min_baseline_months', p.min_baseline_months) AS threshold,
       json_object('group', '本人前12个月有费用月份 own active months in the previous 12 (score = month / median)',
                   'size', b.n, 'median', round(b.med, 2), 'spread', round(b.mad, 2),
                   'score', round(t.cost / nullif(b.med, 0), 2)) AS peer,
       round(t.cost - b.med, 2)::DECIMAL(14, 2) AS amount_at_risk,
       t.last_date AS activity_date,
       strftime(t.month, '%Y-%m') AS evidence_key
FROM target t
JOIN base b USING (psn_no, month)
JOIN psn_info i ON i.psn_no = t.psn_no
JOIN params p ON p.admdvs = i.insu_admdvs
WHERE b.n >= p.min_baseline_months AND b.med > 0
  AND t.cost >= p.min_ratio * b.med AND t.cost - b.med >= p.min_excess
