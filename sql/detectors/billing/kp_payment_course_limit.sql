-- kp_payment_course_limit: a drug used for more days than its payment course (知识库第六批, e.g. 支付不超过14天).
-- Days of use = distinct calendar days covered by the person's lines of the knowledge point; a line covers
-- its billing day, or prd_days days from it when p.use_prd_days and prd_days > 1 (outpatient supplies).
-- A course ends when no day is covered for more than p.course_gap_days; courses limited per stay
-- (单次住院最多支付N天) are counted per visit. Offending lines = the lines covering day max_days + 1 and later.
-- One hit per person, knowledge point and course; amount at risk = Σ the offending lines' totals.
-- activity_date is the latest offending day, so a course that keeps running over the limit is re-emitted
-- with all its offending lines under the same alert id (evidence_key = knowledge point + course start).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
kp_line AS (
  SELECT fe.feedetl_sn, fe.psn_no, fe.mdtrt_id, fe.med_list_codg, fe.fee_ocur_time::DATE AS d,
         fe.det_item_fee_sumamt::DECIMAL(14, 2) AS amount, fe.prd_days,
         ps.insu_admdvs AS admdvs, k.kp_id, k.item_name, k.max_days,
         CASE WHEN coalesce(k.per_stay, false) THEN fe.mdtrt_id ELSE '' END AS part
  FROM clean_fee fe
  JOIN kb_current_codes k ON k.code = fe.med_list_codg AND k.rule_class = 'payment_course_limit' AND k.max_days > 0
  JOIN psn_info ps ON ps.psn_no = fe.psn_no
  WHERE fe.fee_ocur_time >= $scan_from::DATE AND fe.fee_ocur_time < $window_to::DATE + 1
),
covered AS (
  SELECT l.feedetl_sn, l.psn_no, l.kp_id, l.part, l.admdvs,
         CAST(unnest(generate_series(l.d::TIMESTAMP,
           (l.d + CAST(CASE WHEN p.use_prd_days AND coalesce(l.prd_days, 1) > 1 THEN l.prd_days - 1 ELSE 0 END AS INTEGER))::TIMESTAMP,
           INTERVAL 1 DAY)) AS DATE) AS day
  FROM kp_line l JOIN params p ON p.admdvs = l.admdvs
),
days AS (
  SELECT DISTINCT psn_no, kp_id, part, admdvs, day FROM covered
),
gaps AS (
  SELECT d.*, CASE WHEN date_diff('day', lag(day) OVER w, day) <= p.course_gap_days THEN 0 ELSE 1 END AS starts
  FROM days d JOIN params p ON p.admdvs = d.admdvs
  WINDOW w AS (PARTITION BY psn_no, kp_id, part ORDER BY day)
),
courses AS (
  SELECT *, sum(starts) OVER (PARTITION BY psn_no, kp_id, part ORDER BY day) AS course_no FROM gaps
),
ranked AS (
  SELECT *, row_number() OVER (PARTITION BY psn_no, kp_id, part, course_no ORDER BY day) AS day_no,
         min(day) OVER (PARTITION BY psn_no, kp_id, part, course_no) AS course_start,
         count(*) OVER (PARTITION BY psn_no, kp_id, part, course_no) AS days_used
  FROM courses
),
offending AS (
  SELECT DISTINCT c.feedetl_sn, r.psn_no, r.kp_id, r.part, r.course_start, r.days_used
  FROM ranked r
  JOIN covered c ON c.psn_no = r.psn_no AND c.kp_id = r.kp_id AND c.part = r.part AND c.day = r.day
  JOIN (SELECT DISTINCT kp_id, max_days FROM kp_line) k ON k.kp_id = r.kp_id
  WHERE r.day_no > k.max_days
)
SELECT o.psn_no, NULL::VARCHAR AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id,
       list(o.feedetl_sn ORDER BY o.feedetl_sn) AS feedetl_sn, any_value(l.admdvs) AS admdvs,
       json_object('days_used', any_value(o.days_used), 'course_start', any_value(o.course_start),
                   'item_name', any_value(l.item_name), 'kp_id', o.kp_id,
                   'codes', list(DISTINCT l.med_list_codg ORDER BY l.med_list_codg),
                   'per_stay_mdtrt_id', nullif(o.part, ''), 'lines', count(*)) AS measured,
       json_object('max_days', any_value(l.max_days), 'course_gap_days', any_value(p.course_gap_days)) AS threshold,
       NULL::JSON AS peer,
       sum(l.amount)::DECIMAL(14, 2) AS amount_at_risk,
       max(l.d) AS activity_date,
       o.kp_id || '|' || o.course_start::VARCHAR || CASE WHEN o.part <> '' THEN '|' || o.part ELSE '' END AS evidence_key
FROM offending o
JOIN kp_line l ON l.feedetl_sn = o.feedetl_sn AND l.kp_id = o.kp_id
JOIN params p ON p.admdvs = l.admdvs
GROUP BY o.psn_no, o.kp_id, o.part, o.course_start
