-- kp_sex_limit: a drug or service the knowledge base limits to one sex (知识库第一批 限定性别对象) billed for a
-- person of the other sex (psn_info.gend 1/2; unknown sexes 0/9 are not judged). One hit per visit;
-- the offending lines are the limited items' lines; amount at risk = Σ their det_item_fee_sumamt.
-- Lines are read from $scan_from (the detector's lookback) so a visit's evidence is complete when a stay spans
-- run windows; activity_date is the latest offending day, so each run that sees a new offending line
-- re-emits the visit's whole evidence under the same alert id (evidence_key = mdtrt_id).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
line AS (
  SELECT fe.feedetl_sn, fe.mdtrt_id, fe.psn_no, fe.fixmedins_code, fe.med_list_codg,
         fe.det_item_fee_sumamt::DECIMAL(14, 2) AS amount, fe.fee_ocur_time::DATE AS d, f.admdvs, ps.gend,
         min(k.sex) AS limited_to_sex, min(k.kp_id) AS kp_id, min(k.item_name) AS item_name
  FROM clean_fee fe
  JOIN kb_current_codes k ON k.code = fe.med_list_codg AND k.rule_class = 'sex_limit'
  JOIN psn_info ps ON ps.psn_no = fe.psn_no
  JOIN fixmedins f ON f.fixmedins_code = fe.fixmedins_code
  WHERE fe.fee_ocur_time >= $scan_from::DATE AND fe.fee_ocur_time < $window_to::DATE + 1
    AND ps.gend IN ('1', '2') AND k.sex IN ('1', '2') AND ps.gend <> k.sex
  GROUP BY ALL
)
SELECT any_value(psn_no) AS psn_no, any_value(fixmedins_code) AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg,
       mdtrt_id, NULL::VARCHAR AS setl_id,
       list(feedetl_sn ORDER BY feedetl_sn) AS feedetl_sn, any_value(admdvs) AS admdvs,
       json_object('gend', any_value(gend), 'lines', count(*), 'dates', list(DISTINCT d ORDER BY d),
                   'items', list(DISTINCT json_object('med_list_codg', med_list_codg, 'item_name', item_name, 'kp_id', kp_id,
                                                      'limited_to_sex', limited_to_sex))) AS measured,
       json_object('limited_to_sex', list(DISTINCT limited_to_sex ORDER BY limited_to_sex),
                   'knowledge_points', list(DISTINCT kp_id ORDER BY kp_id)) AS threshold,
       NULL::JSON AS peer,
       sum(amount)::DECIMAL(14, 2) AS amount_at_risk,
       max(d) AS activity_date,
       mdtrt_id AS evidence_key
FROM line
GROUP BY mdtrt_id
