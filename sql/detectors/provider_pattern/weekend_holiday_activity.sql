-- weekend_holiday_activity: a provider's share of outpatient and pharmacy visits (begntime in the window) that
-- start on a rest day — an official holiday, or a Saturday/Sunday that is not a 调休 working day (view
-- holiday_calendar: ref_holiday + config section "holidays") — against providers of the same kind (peer_kind:
-- level tier, specialty from the name, type — e.g. 二级医院, 三级儿童医院, 诊所) and opening pattern: providers with
-- an emergency service (emergency visits, med_type 13, ≥ p.min_emergency_share of their visits) are open seven
-- days and form their own group (·设急诊). Ordinary seven-day care is left out of the share: admissions (med_type
-- 2x) and emergencies happen every day; scheduled sessions (dialysis, chemotherapy, radiotherapy: a diagnosis
-- starting with one of p.scheduled_diag_prefixes or a procedure starting with one of p.scheduled_oprn_prefixes,
-- data/reference/clinical/cycle-care-codes.csv; only 门诊特病 visits, med_type 14xx, are looked at) run on Saturdays
-- in dialysis centres. Fee lines are not read: a session coded with neither (no Z49/Z51 diagnosis, no
-- 39.95/92.2/99.25 procedure) still counts.
-- Score = robust z (share − median) / max(1.4826 × MAD, p.spread_floor) among providers with ≥ p.min_visits
-- visits; fires when the group has ≥ p.min_peers providers, z ≥ p.z_threshold and share − median ≥
-- p.min_share_gap. The scheduled sessions are looked up for the providers that pass on all visits only, and
-- they must still pass without them (against the same peer median and spread).
-- Amount at risk = excess rest-day visits × the provider's mean cost per rest-day visit.
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
visit_all AS (
  SELECT m.mdtrt_id, any_value(m.fixmedins_code) AS fixmedins_code, any_value(m.begntime)::DATE AS d, any_value(m.med_type) AS med_type,
         sum(s.medfee_sumamt) AS cost
  FROM clean_mdtrt m JOIN clean_setl s ON s.mdtrt_id = m.mdtrt_id
  WHERE m.begntime >= $window_from::DATE AND m.begntime < $window_to::DATE + 1
  GROUP BY m.mdtrt_id
),
marked AS MATERIALIZED (
  SELECT v.*, coalesce(c.kind = 'holiday', dayofweek(v.d) IN (0, 6)) AS rest_day,
         v.med_type IS DISTINCT FROM '13' AND coalesce(v.med_type, '') NOT LIKE '2%' AS counted
  FROM visit_all v LEFT JOIN holiday_calendar c ON c.day = v.d
),
kind AS (
  SELECT f.fixmedins_code, f.admdvs,
         fw_provider_kind(f.hosp_lv, f.fixmedins_type, f.fixmedins_name) AS peer_kind
  FROM fixmedins f
),
prov AS (
  SELECT c.*, k.admdvs, c.emergency_visits::DOUBLE / c.all_visits AS emergency_share,
         k.peer_kind || CASE WHEN c.emergency_visits > 0 AND c.emergency_visits >= p.min_emergency_share * c.all_visits THEN '·设急诊' ELSE '' END AS peer_group,
         c.rest_visits::DOUBLE / nullif(c.visits, 0) AS share
  FROM (SELECT fixmedins_code, count(*) AS all_visits, count(*) FILTER (WHERE med_type = '13') AS emergency_visits,
               count(*) FILTER (WHERE counted) AS visits, count(*) FILTER (WHERE counted AND rest_day) AS rest_visits
        FROM marked GROUP BY fixmedins_code) c
  JOIN kind k ON k.fixmedins_code = c.fixmedins_code JOIN params p ON p.admdvs = k.admdvs
),
eligible AS (SELECT prov.* FROM prov JOIN params p ON p.admdvs = prov.admdvs WHERE visits >= p.min_visits),
grp AS (
  SELECT peer_group, count(*) AS n, median(share) AS med, mad(share) AS mad, quantile_cont(share, 0.9) AS p90
  FROM eligible GROUP BY peer_group
),
cand AS (
  SELECT e.*, g.n, g.med, g.mad, g.p90, p.z_threshold, p.min_share_gap, p.min_visits, p.min_peers, p.min_emergency_share,
         greatest(1.4826 * g.mad, p.spread_floor) AS spread,
         list_transform(list_filter(string_split(p.scheduled_oprn_prefixes, ','), lambda x: trim(x) <> ''), lambda x: trim(x)) AS xoprn,
         list_transform(list_filter(string_split(p.scheduled_diag_prefixes, ','), lambda x: trim(x) <> ''), lambda x: upper(trim(x))) AS xdiag
  FROM eligible e JOIN grp g USING (peer_group) JOIN params p ON p.admdvs = e.admdvs
  WHERE g.n >= p.min_peers AND (e.share - g.med) / greatest(1.4826 * g.mad, p.spread_floor) >= p.z_threshold
    AND e.share - g.med >= p.min_share_gap
),
cand_visit AS (SELECT mk.*, c.xoprn, c.xdiag FROM marked mk JOIN cand c USING (fixmedins_code) WHERE mk.counted),
-- sessions are outpatient special-disease care (门诊特病, med_type 14xx): only those visits are looked at
scheduled AS (
  SELECT cv.mdtrt_id FROM (SELECT * FROM cand_visit WHERE med_type LIKE '14%') cv JOIN mdtrt_d m ON m.mdtrt_id = cv.mdtrt_id
  WHERE len(list_filter(string_split(upper(coalesce(m.dscg_maindiag_code, '') || '|' || coalesce(m.diag_codes, '')), '|'),
                        lambda d: len(list_filter(cv.xdiag, lambda x: starts_with(trim(d), x))) > 0)) > 0
     OR len(list_filter(string_split(coalesce(m.oprn_oprt_codes, ''), '|'), lambda o: len(list_filter(cv.xoprn, lambda x: starts_with(trim(o), x))) > 0)) > 0
),
rescored AS (
  SELECT c.fixmedins_code, count(*) AS visits2, count(*) FILTER (WHERE cv.rest_day) AS rest_visits2,
         avg(cv.cost) FILTER (WHERE cv.rest_day) AS rest_cost, max(cv.d) FILTER (WHERE cv.rest_day) AS last_date
  FROM cand c JOIN cand_visit cv USING (fixmedins_code)
  WHERE cv.mdtrt_id NOT IN (SELECT mdtrt_id FROM scheduled)
  GROUP BY c.fixmedins_code
),
scored AS (
  SELECT c.*, r.visits2, r.rest_visits2, r.rest_cost, r.last_date, r.rest_visits2::DOUBLE / r.visits2 AS share2,
         c.visits - r.visits2 AS scheduled_visits
  FROM cand c JOIN rescored r USING (fixmedins_code)
)
SELECT NULL::VARCHAR AS psn_no, fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id, []::VARCHAR[] AS feedetl_sn, admdvs,
       json_object('visits', visits2, 'rest_day_visits', rest_visits2, 'share', round(share2, 4), 'peer_p90', round(p90, 4),
                   'scheduled_visits_left_out', scheduled_visits, 'emergency_share', round(emergency_share, 4),
                   'excess_visits', round((share2 - med) * visits2, 1), 'mean_cost_rest_day', round(rest_cost, 2),
                   'period_from', win.window_from, 'period_to', win.window_to,
                   'amount_basis', '超出同组中位数的休息日就诊数 × 休息日次均费用 excess rest-day visits × mean rest-day visit cost (estimate)') AS measured,
       json_object('z_threshold', z_threshold, 'min_share_gap', min_share_gap, 'min_visits', min_visits, 'min_peers', min_peers,
                   'min_emergency_share', min_emergency_share) AS threshold,
       json_object('group', peer_group, 'size', n, 'median', round(med, 4), 'spread', round(mad, 4),
                   'score', round((share2 - med) / spread, 2)) AS peer,
       round((share2 - med) * visits2 * rest_cost, 2)::DECIMAL(14, 2) AS amount_at_risk,
       last_date AS activity_date,
       strftime(win.window_from, '%Y-%m-%d') || '..' || strftime(win.window_to, '%Y-%m-%d') AS evidence_key
FROM scored CROSS JOIN win
WHERE visits2 >= min_visits AND (share2 - med) / spread >= z_threshold AND share2 - med >= min_share_gap
