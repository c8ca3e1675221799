-- kp_course_length: a service billed beyond its course length (知识库第八批-3, e.g. 支付不超过30天,
-- 一个疾病过程支付不超过90天, 总时间不超过90天). A course is the person's lines of the knowledge point with no gap
-- longer than p.course_gap_days. The limit counts the calendar span from the course's first day (course_measure
-- 'span', as the reader stores every 第八批-3 point); a point stored as 'billed_days' counts distinct billed days.
-- Offending lines = those on day max_days + 1 and later. One hit per person, knowledge point and course;
-- amount at risk = Σ the offending lines' totals.
-- activity_date is the latest offending day, so a course that keeps running over the limit is re-emitted
-- with all its offending lines under the same alert id (evidence_key = knowledge point + course start).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
kp_line AS (
  SELECT fe.feedetl_sn, fe.psn_no, fe.med_list_codg, fe.fee_ocur_time::DATE AS d,
         fe.det_item_fee_sumamt::DECIMAL(14, 2) AS amount, ps.insu_admdvs AS admdvs,
         k.kp_id, k.item_name, k.max_days, coalesce(k.course_measure, 'span') AS course_measure
  FROM clean_fee fe
  JOIN kb_current_codes k ON k.code = fe.med_list_codg AND k.rule_class = 'course_length' AND k.max_days > 0
  JOIN psn_info ps ON ps.psn_no = fe.psn_no
  WHERE fe.fee_ocur_time >= $scan_from::DATE AND fe.fee_ocur_time < $window_to::DATE + 1
),
days AS (
  SELECT DISTINCT psn_no, kp_id, admdvs, d AS day FROM kp_line
),
gaps AS (
  SELECT x.*, CASE WHEN date_diff('day', lag(day) OVER w, day) <= p.course_gap_days THEN 0 ELSE 1 END AS starts
  FROM days x JOIN params p ON p.admdvs = x.admdvs
  WINDOW w AS (PARTITION BY psn_no, kp_id ORDER BY day)
),
courses AS (
  SELECT *, sum(starts) OVER (PARTITION BY psn_no, kp_id ORDER BY day) AS course_no FROM gaps
),
ranked AS (
  SELECT *, row_number() OVER (PARTITION BY psn_no, kp_id, course_no ORDER BY day) AS day_no,
         min(day) OVER (PARTITION BY psn_no, kp_id, course_no) AS course_start,
         count(*) OVER (PARTITION BY psn_no, kp_id, course_no) AS billed_days,
         max(day) OVER (PARTITION BY psn_no, kp_id, course_no) AS course_end
  FROM courses
),
offending AS (
  SELECT l.feedetl_sn, l.psn_no, l.kp_id, r.course_start, r.billed_days,
         date_diff('day', r.course_start, r.course_end) + 1 AS span_days
  FROM ranked r
  JOIN kp_line l ON l.psn_no = r.psn_no AND l.kp_id = r.kp_id AND l.d = r.day
  WHERE (l.course_measure = 'span' AND date_diff('day', r.course_start, r.day) + 1 > l.max_days)
     OR (l.course_measure = 'billed_days' AND r.day_no > l.max_days)
)
SELECT o.psn_no, NULL::VARCHAR AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id,
       list(o.feedetl_sn ORDER BY o.feedetl_sn) AS feedetl_sn, any_value(l.admdvs) AS admdvs,
       json_object('course_start', any_value(o.course_start), 'billed_days', any_value(o.billed_days),
                   'span_days', any_value(o.span_days), 'item_name', any_value(l.item_name), 'kp_id', o.kp_id,
                   'codes', list(DISTINCT l.med_list_codg ORDER BY l.med_list_codg), 'lines', count(*)) AS measured,
       json_object('max_days', any_value(l.max_days), 'course_measure', any_value(l.course_measure),
                   'course_gap_days', any_value(p.course_gap_days)) AS threshold,
       NULL::JSON AS peer,
       sum(l.amount)::DECIMAL(14, 2) AS amount_at_risk,
       max(l.d) AS activity_date,
       o.kp_id || '|' || o.course_start::VARCHAR AS evidence_key
FROM offending o
JOIN kp_line l ON l.feedetl_sn = o.feedetl_sn AND l.kp_id = o.kp_id
JOIN params p ON p.admdvs = l.admdvs
GROUP BY o.psn_no, o.kp_id, o.course_start
