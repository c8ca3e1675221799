-- kp_care_setting_limit: a drug payable only for inpatients (知识库第四批 限定就医方式 住院) billed on a visit
-- that is not a stay: med_type not starting with one of p.inpatient_med_types (comma-separated prefixes,
-- default '2,52': 21 普通住院 … 28 日间手术, 52 生育住院). Drugs whose text also allows emergency patients
-- (限急诊或住院患者) are accepted on p.emergency_med_types visits too (default '13' 急诊).
-- One hit per visit; amount at risk = Σ the offending lines' totals.
-- Lines are read from $scan_from (the detector's lookback) so a visit's evidence is complete when a stay spans
-- run windows; activity_date is the latest offending day, so each run that sees a new offending line
-- re-emits the visit's whole evidence under the same alert id (evidence_key = mdtrt_id).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
cand AS (
  SELECT fe.feedetl_sn, fe.mdtrt_id, fe.psn_no, fe.fixmedins_code, fe.med_list_codg,
         fe.det_item_fee_sumamt::DECIMAL(14, 2) AS amount, fe.fee_ocur_time::DATE AS d, f.admdvs,
         coalesce(m.med_type, '') AS med_type, k.kp_id, k.item_name, k.care_setting,
         coalesce(k.emergency_allowed, false) AS emergency_allowed
  FROM clean_fee fe
  JOIN kb_current_codes k ON k.code = fe.med_list_codg AND k.rule_class = 'care_setting_limit'
  JOIN clean_mdtrt m ON m.mdtrt_id = fe.mdtrt_id
  JOIN fixmedins f ON f.fixmedins_code = fe.fixmedins_code
  WHERE fe.fee_ocur_time >= $scan_from::DATE AND fe.fee_ocur_time < $window_to::DATE + 1
),
judged AS (
  SELECT c.*,
         EXISTS (SELECT 1 FROM unnest(string_split(p.inpatient_med_types, ',')) AS t(x)
                 WHERE trim(t.x) <> '' AND starts_with(c.med_type, trim(t.x))) AS is_inpatient,
         EXISTS (SELECT 1 FROM unnest(string_split(p.emergency_med_types, ',')) AS t(x)
                 WHERE trim(t.x) <> '' AND starts_with(c.med_type, trim(t.x))) AS is_emergency
  FROM cand c JOIN params p ON p.admdvs = c.admdvs
),
line AS (
  SELECT feedetl_sn, any_value(mdtrt_id) AS mdtrt_id, any_value(psn_no) AS psn_no,
         any_value(fixmedins_code) AS fixmedins_code, any_value(med_list_codg) AS med_list_codg,
         any_value(amount) AS amount, any_value(d) AS d, any_value(admdvs) AS admdvs, any_value(med_type) AS med_type,
         min(kp_id) AS kp_id, min(item_name) AS item_name, min(care_setting) AS care_setting,
         bool_and(emergency_allowed) AS emergency_allowed
  FROM judged
  WHERE (care_setting = 'inpatient' AND NOT is_inpatient AND NOT (emergency_allowed AND is_emergency))
     OR (care_setting = 'outpatient' AND is_inpatient)
  GROUP BY feedetl_sn
)
SELECT any_value(psn_no) AS psn_no, any_value(fixmedins_code) AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg,
       mdtrt_id, NULL::VARCHAR AS setl_id,
       list(feedetl_sn ORDER BY feedetl_sn) AS feedetl_sn, any_value(admdvs) AS admdvs,
       json_object('med_type', any_value(med_type), 'lines', count(*), 'dates', list(DISTINCT d ORDER BY d),
                   'items', list(DISTINCT json_object('med_list_codg', med_list_codg, 'item_name', item_name, 'kp_id', kp_id,
                                                      'care_setting', care_setting, 'emergency_allowed', emergency_allowed))) AS measured,
       json_object('care_setting', list(DISTINCT care_setting ORDER BY care_setting)) AS threshold,
       NULL::JSON AS peer,
       sum(amount)::DECIMAL(14, 2) AS amount_at_risk,
       max(d) AS activity_date,
       mdtrt_id AS evidence_key
FROM line
GROUP BY mdtrt_id
