-- kp_insurance_type_limit: a drug payable only under work-injury (工伤) or maternity (生育) insurance
-- (知识库第三批) billed to basic medical insurance. Work-injury drugs are never payable on these claims;
-- maternity drugs are payable only on maternity visits (med_type in p.maternity_med_types, comma-separated
-- prefixes, default '51,52' 生育门诊/生育住院). One hit per visit; amount at risk = Σ the lines' totals.
-- Lines are read from $scan_from (the detector's lookback) so a visit's evidence is complete when a stay spans
-- run windows; activity_date is the latest offending day, so each run that sees a new offending line
-- re-emits the visit's whole evidence under the same alert id (evidence_key = mdtrt_id).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
cand AS (
  SELECT fe.feedetl_sn, fe.mdtrt_id, fe.psn_no, fe.fixmedins_code, fe.med_list_codg,
         fe.det_item_fee_sumamt::DECIMAL(14, 2) AS amount, fe.fee_ocur_time::DATE AS d, f.admdvs,
         m.med_type, k.kp_id, k.item_name, k.insurance
  FROM clean_fee fe
  JOIN kb_current_codes k ON k.code = fe.med_list_codg AND k.rule_class = 'insurance_type_limit'
  JOIN clean_mdtrt m ON m.mdtrt_id = fe.mdtrt_id
  JOIN fixmedins f ON f.fixmedins_code = fe.fixmedins_code
  WHERE fe.fee_ocur_time >= $scan_from::DATE AND fe.fee_ocur_time < $window_to::DATE + 1
),
line AS (
  SELECT c.feedetl_sn, any_value(c.mdtrt_id) AS mdtrt_id, any_value(c.psn_no) AS psn_no,
         any_value(c.fixmedins_code) AS fixmedins_code, any_value(c.med_list_codg) AS med_list_codg,
         any_value(c.amount) AS amount, any_value(c.d) AS d, any_value(c.admdvs) AS admdvs,
         any_value(c.med_type) AS med_type, min(c.kp_id) AS kp_id, min(c.item_name) AS item_name,
         min(c.insurance) AS insurance
  FROM cand c JOIN params p ON p.admdvs = c.admdvs
  WHERE c.insurance = 'work_injury'
     OR (c.insurance = 'maternity' AND NOT EXISTS (
           SELECT 1 FROM unnest(string_split(p.maternity_med_types, ',')) AS t(prefix)
           WHERE trim(t.prefix) <> '' AND starts_with(coalesce(c.med_type, ''), trim(t.prefix))))
  GROUP BY c.feedetl_sn
)
SELECT any_value(psn_no) AS psn_no, any_value(fixmedins_code) AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg,
       mdtrt_id, NULL::VARCHAR AS setl_id,
       list(feedetl_sn ORDER BY feedetl_sn) AS feedetl_sn, any_value(admdvs) AS admdvs,
       json_object('med_type', any_value(med_type), 'lines', count(*), 'dates', list(DISTINCT d ORDER BY d),
                   'items', list(DISTINCT json_object('med_list_codg', med_list_codg, 'item_name', item_name,
                                                      'kp_id', kp_id, 'insurance', insurance))) AS measured,
       json_object('payable_only_under', list(DISTINCT insurance ORDER BY insurance)) AS threshold,
       NULL::JSON AS peer,
       sum(amount)::DECIMAL(14, 2) AS amount_at_risk,
       max(d) AS activity_date,
       mdtrt_id AS evidence_key
FROM line
GROUP BY mdtrt_id
