-- kp_period_frequency: a service billed more often than allowed within a period (知识库第八批-4, e.g.
-- 糖化血红蛋白测定 at most 1 within 15 days). For each of the person's lines of the knowledge point, the
-- quantity (cnt) billed from period_days - 1 days before up to and including it (in billing order) is summed;
-- lines that bring it above period_max are offending. One hit per person, knowledge point and day;
-- amount at risk = Σ that day's offending lines' totals.
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
kp_line AS (
  SELECT fe.feedetl_sn, fe.psn_no, fe.med_list_codg, fe.fee_ocur_time, fe.fee_ocur_time::DATE AS d,
         fe.cnt::DOUBLE AS cnt, fe.det_item_fee_sumamt::DECIMAL(14, 2) AS amount, ps.insu_admdvs AS admdvs,
         k.kp_id, k.item_name, k.period_days, k.period_max
  FROM clean_fee fe
  JOIN kb_current_codes k ON k.code = fe.med_list_codg AND k.rule_class = 'period_frequency'
                         AND k.period_days > 0 AND k.period_max > 0
  JOIN psn_info ps ON ps.psn_no = fe.psn_no
  WHERE fe.fee_ocur_time >= $scan_from::DATE AND fe.fee_ocur_time < $window_to::DATE + 1
),
counted AS (
  SELECT l.feedetl_sn, l.psn_no, l.kp_id, l.d, any_value(l.amount) AS amount, any_value(l.admdvs) AS admdvs,
         any_value(l.item_name) AS item_name, any_value(l.med_list_codg) AS med_list_codg,
         any_value(l.period_days) AS period_days, any_value(l.period_max) AS period_max,
         sum(e.cnt) AS period_cnt, list(DISTINCT e.d ORDER BY e.d) AS period_dates
  FROM kp_line l
  JOIN kp_line e ON e.psn_no = l.psn_no AND e.kp_id = l.kp_id
                AND e.d > l.d - CAST(l.period_days AS INTEGER)
                AND (e.fee_ocur_time, e.feedetl_sn) <= (l.fee_ocur_time, l.feedetl_sn)
  GROUP BY l.feedetl_sn, l.psn_no, l.kp_id, l.d
)
SELECT c.psn_no, NULL::VARCHAR AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id,
       list(c.feedetl_sn ORDER BY c.feedetl_sn) AS feedetl_sn, any_value(c.admdvs) AS admdvs,
       json_object('count_in_period', max(c.period_cnt), 'dates', max(c.period_dates),
                   'item_name', any_value(c.item_name), 'med_list_codg', any_value(c.med_list_codg), 'kp_id', c.kp_id) AS measured,
       json_object('period_days', any_value(c.period_days), 'period_max', any_value(c.period_max)) AS threshold,
       NULL::JSON AS peer,
       sum(c.amount)::DECIMAL(14, 2) AS amount_at_risk,
       c.d AS activity_date,
       c.kp_id || '|' || c.d::VARCHAR AS evidence_key
FROM counted c, win
WHERE c.period_cnt > c.period_max + 1e-9 AND c.d BETWEEN win.window_from AND win.window_to
GROUP BY c.psn_no, c.kp_id, c.d
