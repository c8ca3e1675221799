-- kp_daily_frequency: a service billed more than its daily limit (知识库第八批-1: 1 per day, or 24 hours per day
-- for hourly items) within one visit on one calendar day, summing cnt. Lines of the day are taken in billing
-- order (fee_ocur_time, feedetl_sn); the offending lines are those whose running quantity passes the limit.
-- One hit per visit; amount at risk = Σ the offending lines' totals.
-- Lines are read from $scan_from (the detector's lookback) so a visit's evidence is complete when a stay spans
-- run windows; activity_date is the latest offending day, so each run that sees a new offending line
-- re-emits the visit's whole evidence under the same alert id (evidence_key = mdtrt_id).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
kp_line AS (
  SELECT fe.feedetl_sn, fe.mdtrt_id, fe.psn_no, fe.fixmedins_code, fe.med_list_codg, fe.fee_ocur_time,
         fe.fee_ocur_time::DATE AS d, fe.cnt::DOUBLE AS cnt, fe.det_item_fee_sumamt::DECIMAL(14, 2) AS amount,
         f.admdvs, k.kp_id, k.item_name, k.per_day_max, k.per_day_unit
  FROM clean_fee fe
  JOIN kb_current_codes k ON k.code = fe.med_list_codg AND k.rule_class = 'daily_frequency' AND k.per_day_max > 0
  JOIN fixmedins f ON f.fixmedins_code = fe.fixmedins_code
  WHERE fe.fee_ocur_time >= $scan_from::DATE AND fe.fee_ocur_time < $window_to::DATE + 1
),
running AS (
  SELECT *,
         sum(cnt) OVER (PARTITION BY mdtrt_id, kp_id, d ORDER BY fee_ocur_time, feedetl_sn
                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running_cnt,
         sum(cnt) OVER (PARTITION BY mdtrt_id, kp_id, d) AS day_cnt
  FROM kp_line
),
over AS (
  SELECT * FROM running WHERE running_cnt > per_day_max + 1e-9
),
line AS (
  SELECT feedetl_sn, any_value(mdtrt_id) AS mdtrt_id, any_value(psn_no) AS psn_no,
         any_value(fixmedins_code) AS fixmedins_code, any_value(amount) AS amount, any_value(d) AS d,
         any_value(admdvs) AS admdvs,
         min(json_object('date', d, 'med_list_codg', med_list_codg, 'item_name', item_name, 'kp_id', kp_id,
                         'day_cnt', day_cnt, 'per_day_max', per_day_max, 'unit', per_day_unit)::VARCHAR) AS detail
  FROM over GROUP BY feedetl_sn
)
SELECT any_value(psn_no) AS psn_no, any_value(fixmedins_code) AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg,
       mdtrt_id, NULL::VARCHAR AS setl_id,
       list(feedetl_sn ORDER BY feedetl_sn) AS feedetl_sn, any_value(admdvs) AS admdvs,
       json_object('lines', count(*), 'days', list(DISTINCT detail::JSON)) AS measured,
       json_object('per_day_max', max(json_extract(detail::JSON, '$.per_day_max')::DOUBLE)) AS threshold,
       NULL::JSON AS peer,
       sum(amount)::DECIMAL(14, 2) AS amount_at_risk,
       max(d) AS activity_date,
       mdtrt_id AS evidence_key
FROM line
GROUP BY mdtrt_id
