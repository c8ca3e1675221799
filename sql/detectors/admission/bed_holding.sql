-- bed_holding: ordinary inpatient stays (med_type 21). A stay day is empty when a bed-fee line (category 01)
-- is dated that day and no line of a care category (p.care_categories: treatment 05, surgery 06, nursing 07,
-- drugs 09/10/11) is. Runs of consecutive empty days (islands of day − row_number) of at least
-- p.min_empty_days fire. Only lines dated between the admission and discharge dates count (an ongoing stay
-- runs to its last line). One hit per stay: feedetl_sn = every line dated on the empty days,
-- amount at risk = Σ those lines; activity date = the first empty day.
WITH stay AS (
  SELECT m.mdtrt_id, m.psn_no, m.fixmedins_code, m.begntime, m.endtime, f.admdvs,
         p.min_empty_days, list_transform(string_split(p.care_categories, ','), lambda x: trim(x)) AS care
  FROM clean_mdtrt m
  JOIN fixmedins f ON f.fixmedins_code = m.fixmedins_code
  JOIN params p ON p.admdvs = f.admdvs
  WHERE m.med_type = '21' AND coalesce(m.endtime, m.begntime) >= $scan_from::DATE
),
line AS (
  SELECT s.mdtrt_id, fe.feedetl_sn, fe.med_chrgitm_type, fe.det_item_fee_sumamt, fe.fee_ocur_time::DATE AS d,
         list_contains(s.care, fe.med_chrgitm_type) AS is_care
  FROM stay s JOIN clean_fee fe ON fe.mdtrt_id = s.mdtrt_id
  WHERE fe.fee_ocur_time::DATE BETWEEN s.begntime::DATE AND coalesce(s.endtime::DATE, DATE '9999-12-31')
),
day AS (
  SELECT mdtrt_id, d, bool_or(med_chrgitm_type = '01') AS bed, bool_or(is_care) AS care
  FROM line GROUP BY mdtrt_id, d
),
empty AS (
  SELECT mdtrt_id, d, d - CAST(row_number() OVER (PARTITION BY mdtrt_id ORDER BY d) AS INTEGER) AS island
  FROM day WHERE bed AND NOT care
),
run AS (
  SELECT e.mdtrt_id, e.island, min(e.d) AS first_day, max(e.d) AS last_day, count(*) AS days
  FROM empty e GROUP BY e.mdtrt_id, e.island
),
long_run AS (
  SELECT r.* FROM run r JOIN stay s ON s.mdtrt_id = r.mdtrt_id WHERE r.days >= s.min_empty_days
),
offending AS (
  SELECT l.mdtrt_id, l.feedetl_sn, l.det_item_fee_sumamt
  FROM line l JOIN long_run r ON r.mdtrt_id = l.mdtrt_id AND l.d BETWEEN r.first_day AND r.last_day
),
per_stay AS (
  SELECT o.mdtrt_id, list(o.feedetl_sn ORDER BY o.feedetl_sn) AS sn, sum(o.det_item_fee_sumamt) AS amount, count(*) AS lines
  FROM offending o GROUP BY o.mdtrt_id
),
runs AS (
  SELECT mdtrt_id, min(first_day) AS first_day, max(days) AS longest, sum(days) AS empty_days,
         list(json_object('from', first_day::VARCHAR, 'to', last_day::VARCHAR, 'days', days) ORDER BY first_day) AS runs
  FROM long_run GROUP BY mdtrt_id
),
setl AS (
  SELECT s.mdtrt_id, CASE WHEN count(*) = 1 THEN any_value(s.setl_id) END AS setl_id
  FROM clean_setl s JOIN runs r ON r.mdtrt_id = s.mdtrt_id GROUP BY s.mdtrt_id
)
SELECT s.psn_no, s.fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, s.mdtrt_id, st.setl_id,
       ps.sn AS feedetl_sn, s.admdvs,
       json_object('admission', strftime(s.begntime, '%Y-%m-%d %H:%M:%S'),
                   'discharge', strftime(s.endtime, '%Y-%m-%d %H:%M:%S'),
                   'longest_empty_run_days', r.longest, 'empty_days', r.empty_days, 'empty_runs', r.runs,
                   'offending_lines', ps.lines,
                   'amount_basis', '无诊疗日的全部费用（床位费等） charges dated on the days without care') AS measured,
       json_object('min_empty_days', s.min_empty_days, 'care_categories', s.care) AS threshold,
       NULL::JSON AS peer,
       ps.amount::DECIMAL(14, 2) AS amount_at_risk,
       r.first_day AS activity_date,
       s.mdtrt_id AS evidence_key
FROM runs r
JOIN stay s ON s.mdtrt_id = r.mdtrt_id
JOIN per_stay ps ON ps.mdtrt_id = r.mdtrt_id
LEFT JOIN setl st ON st.mdtrt_id = r.mdtrt_id
