-- weekend_holiday_activity: a provider's share of visits (begntime in the window; emergencies, med_type 13,
-- left out) that start on a rest day — an official holiday, or a Saturday/Sunday that is not a 调休
-- working day (view holiday_calendar: ref_holiday + config section "holidays") — against providers of the
-- same type and level tier with at least p.min_visits visits. Score = robust z
-- (share − median) / max(1.4826 × MAD, p.spread_floor); fires when z ≥ p.z_threshold and
-- share − median ≥ p.min_share_gap. Amount at risk = excess rest-day visits × the provider's mean cost per
-- rest-day visit.
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
visit AS (
  SELECT m.mdtrt_id, m.fixmedins_code, m.begntime::DATE AS d, sum(s.medfee_sumamt) AS cost
  FROM clean_mdtrt m JOIN clean_setl s ON s.mdtrt_id = m.mdtrt_id
  WHERE m.begntime >= $window_from::DATE AND m.begntime < $window_to::DATE + 1 AND m.med_type IS DISTINCT FROM '13'
  GROUP BY m.mdtrt_id, m.fixmedins_code, m.begntime
),
marked AS (
  SELECT v.*, coalesce(c.kind = 'holiday', dayofweek(v.d) IN (0, 6)) AS rest_day
  FROM visit v LEFT JOIN holiday_calendar c ON c.day = v.d
),
prov AS (
  SELECT mk.fixmedins_code, any_value(f.admdvs) AS admdvs,
         coalesce(any_value(f.fixmedins_type), '?') || ' · ' || fw_level_tier(any_value(f.hosp_lv)) AS peer_group,
         count(*) AS visits, count(*) FILTER (WHERE rest_day) AS rest_visits,
         count(*) FILTER (WHERE rest_day)::DOUBLE / count(*) AS share,
         avg(cost) FILTER (WHERE rest_day) AS rest_cost, max(d) FILTER (WHERE rest_day) AS last_date
  FROM marked mk JOIN fixmedins f ON f.fixmedins_code = mk.fixmedins_code
  GROUP BY mk.fixmedins_code
),
eligible AS (SELECT prov.* FROM prov JOIN params p ON p.admdvs = prov.admdvs WHERE visits >= p.min_visits),
grp AS (
  SELECT peer_group, count(*) AS n, median(share) AS med, mad(share) AS mad, quantile_cont(share, 0.9) AS p90
  FROM eligible GROUP BY peer_group
),
scored AS (
  SELECT e.*, g.n, g.med, g.mad, g.p90, p.z_threshold, p.min_share_gap, p.min_visits, p.min_peers,
         (e.share - g.med) / greatest(1.4826 * g.mad, p.spread_floor) AS z,
         (e.share - g.med) * e.visits AS excess_visits
  FROM eligible e JOIN grp g USING (peer_group) JOIN params p ON p.admdvs = e.admdvs
)
SELECT NULL::VARCHAR AS psn_no, fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id, []::VARCHAR[] AS feedetl_sn, admdvs,
       json_object('visits', visits, 'rest_day_visits', rest_visits, 'share', round(share, 4), 'peer_p90', round(p90, 4),
                   'excess_visits', round(excess_visits, 1), 'mean_cost_rest_day', round(rest_cost, 2),
                   'period_from', win.window_from, 'period_to', win.window_to,
                   'amount_basis', '超出同级中位数的休息日就诊数 × 休息日次均费用 excess rest-day visits × mean rest-day visit cost (estimate)') AS measured,
       json_object('z_threshold', z_threshold, 'min_share_gap', min_share_gap, 'min_visits', min_visits, 'min_peers', min_peers) AS threshold,
       json_object('group', '同类型同级别机构 ' || peer_group || ' (share of rest-day visits; spread = MAD)',
                   'size', n, 'median', round(med, 4), 'spread', round(mad, 4), 'score', round(z, 2)) AS peer,
       round(excess_visits * rest_cost, 2)::DECIMAL(14, 2) AS amount_at_risk,
       last_date AS activity_date,
       strftime(win.window_from, '%Y-%m-%d') || '..' || strftime(win.window_to, '%Y-%m-%d') AS evidence_key
FROM scored CROSS JOIN win
WHERE n >= min_peers AND z >= z_threshold AND share - med >= min_share_gap
