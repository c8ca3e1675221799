-- provider_volume_spike: a provider's visits in a calendar week (Monday–Sunday, visits by begntime, every care
-- type) against its own baseline: the previous p.baseline_weeks weeks that lie wholly inside the scanned
-- history and had activity. Weeks, not months, so a two-week spike is not diluted or split by a month end.
-- Needs p.min_baseline_weeks such weeks. Ordinary practice left out:
--   * providers ramping up from zero: a new provider, or one that joins outpatient pooling (a pharmacy that settled
--     employees' personal-account purchases only, then residents' pooled purchases too). Its start is its first
--     visit with pooled-fund payment (hifp_pay > 0; its first visit when it never has one); when the start comes
--     more than 14 days after the first visit of any provider in the scanned history, the provider's weeks before
--     start + p.ramp_up_weeks are neither tested nor used as baseline (0 turns this off; the contract has no opening or
--     pooling date);
--   * waves that lift every provider (flu season): the week's own ratio (visits / baseline median) is divided by
--     the wave = max(1, median ratio of the providers of the same fixmedins_type in that week) when at least
--     p.min_wave_peers of them have a baseline that week (else no correction).
-- Score = (visits / wave − median) / max(1.4826 × MAD, p.spread_floor_ratio × median); fires when
-- score ≥ p.z_threshold, visits / wave ≥ p.min_ratio × median and visits ≥ p.min_visits.
-- Amount at risk = week amount − wave × median weekly amount (Σ medfee_sumamt of the visits).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
visit AS (
  SELECT m.mdtrt_id, m.fixmedins_code, m.begntime::DATE AS d, sum(s.medfee_sumamt) AS cost, bool_or(s.hifp_pay > 0) AS pooled
  FROM clean_mdtrt m JOIN clean_setl s ON s.mdtrt_id = m.mdtrt_id
  WHERE m.begntime >= $scan_from::DATE AND m.begntime < $window_to::DATE + 1
  GROUP BY m.mdtrt_id, m.fixmedins_code, m.begntime
),
wk AS (
  SELECT v.fixmedins_code, date_trunc('week', v.d)::DATE AS week, count(*) AS visits, sum(v.cost) AS amount, max(v.d) AS last_date,
         min(v.d) AS first_day, min(v.d) FILTER (WHERE v.pooled) AS first_pooled
  FROM visit v GROUP BY ALL
),
first_visit AS (
  SELECT fixmedins_code, min(first_day) AS first_day, coalesce(min(first_pooled), min(first_day)) AS start_day FROM wk GROUP BY fixmedins_code
),
data_start AS (SELECT min(first_day) AS d0 FROM first_visit),
prov AS (
  -- weeks before ramp_end are left out (no ramp_end for providers that were there from the start)
  SELECT fv.fixmedins_code, f.admdvs, coalesce(f.fixmedins_type, '?') AS kind, fv.start_day,
         fv.start_day > ds.d0 + 14 AS ramping,
         CASE WHEN fv.start_day > ds.d0 + 14 AND p.ramp_up_weeks > 0
              THEN date_trunc('week', fv.start_day)::DATE + 7 * p.ramp_up_weeks::INTEGER END AS ramp_end
  FROM first_visit fv CROSS JOIN data_start ds JOIN fixmedins f ON f.fixmedins_code = fv.fixmedins_code JOIN params p ON p.admdvs = f.admdvs
),
usable AS (
  SELECT wk.fixmedins_code, wk.week, wk.visits, wk.amount, wk.last_date FROM wk JOIN prov USING (fixmedins_code) WHERE prov.ramp_end IS NULL OR wk.week >= prov.ramp_end
),
target AS (SELECT u.* FROM usable u, win WHERE u.last_date >= win.window_from),
base AS (
  SELECT t.fixmedins_code, t.week, count(*) AS n, median(b.visits) AS med, mad(b.visits) AS mad,
         median(b.amount) AS med_amount
  FROM target t
  JOIN fixmedins f ON f.fixmedins_code = t.fixmedins_code
  JOIN params p ON p.admdvs = f.admdvs
  JOIN usable b ON b.fixmedins_code = t.fixmedins_code AND b.week < t.week
   AND b.week >= t.week - 7 * p.baseline_weeks::INTEGER
  CROSS JOIN win
  WHERE b.week >= win.scan_from
  GROUP BY ALL
),
own AS (
  SELECT t.*, b.n, b.med, b.mad, b.med_amount, pr.kind, pr.admdvs, pr.ramping, pr.start_day, t.visits / b.med AS ratio
  FROM target t JOIN base b USING (fixmedins_code, week) JOIN prov pr USING (fixmedins_code)
  JOIN params p ON p.admdvs = pr.admdvs
  WHERE b.n >= p.min_baseline_weeks AND b.med > 0
),
wave AS (SELECT kind, week, count(*) AS peers, median(ratio) AS peer_ratio FROM own GROUP BY kind, week),
scored AS (
  SELECT o.*, w.peers, w.peer_ratio, p.min_visits, p.min_ratio, p.z_threshold, p.baseline_weeks, p.min_baseline_weeks,
         p.ramp_up_weeks, p.min_wave_peers, p.spread_floor_ratio,
         CASE WHEN w.peers >= p.min_wave_peers THEN greatest(w.peer_ratio, 1) ELSE 1 END AS wave_factor
  FROM own o JOIN wave w USING (kind, week) JOIN params p ON p.admdvs = o.admdvs
)
SELECT NULL::VARCHAR AS psn_no, s.fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id, []::VARCHAR[] AS feedetl_sn, s.admdvs,
       json_object('week_from', s.week, 'week_to', s.week + 6, 'visits', s.visits, 'amount', round(s.amount, 2),
                   'ratio_to_baseline', round(s.ratio, 2), 'baseline_median_amount', round(s.med_amount, 2),
                   'peer_wave_ratio', round(s.peer_ratio, 2), 'wave_peers', s.peers, 'wave_factor', round(s.wave_factor, 2),
                   'ratio_after_wave', round(s.ratio / s.wave_factor, 2),
                   'ramp_up_from', CASE WHEN s.ramping THEN strftime(s.start_day, '%Y-%m-%d') END,
                   'amount_basis', '当周金额 − 同类机构涨幅 × 基线周金额中位数 week amount − wave × baseline median weekly amount (estimate)') AS measured,
       json_object('z_threshold', s.z_threshold, 'min_ratio', s.min_ratio, 'min_visits', s.min_visits,
                   'baseline_weeks', s.baseline_weeks, 'min_baseline_weeks', s.min_baseline_weeks,
                   'ramp_up_weeks', s.ramp_up_weeks, 'min_wave_peers', s.min_wave_peers) AS threshold,
       json_object('group', '本机构前 ' || s.baseline_weeks::INTEGER || ' 周每周就诊量',
                   'size', s.n, 'median', s.med, 'spread', s.mad,
                   'score', round((s.visits / s.wave_factor - s.med) / greatest(1.4826 * s.mad, s.spread_floor_ratio * s.med), 2)) AS peer,
       round(greatest(s.amount - s.wave_factor * s.med_amount, 0), 2)::DECIMAL(14, 2) AS amount_at_risk,
       s.last_date AS activity_date,
       strftime(s.week, '%Y-%m-%d') AS evidence_key
FROM scored s
WHERE s.visits >= s.min_visits AND s.visits / s.wave_factor >= s.min_ratio * s.med
  AND (s.visits / s.wave_factor - s.med) / greatest(1.4826 * s.mad, s.spread_floor_ratio * s.med) >= s.z_threshold
