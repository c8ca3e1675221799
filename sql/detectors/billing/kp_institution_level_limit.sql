-- kp_institution_level_limit: a drug limited to institutions of a minimum level (知识库第五批, e.g.
-- 限二级及以上医疗机构) billed by a provider below it. Provider tier from hosp_lv (interfaces.md): 01–04 三级 = 3,
-- 05–07 and 13 二级 = 2, 08–10 and 14 一级 = 1, anything else (无等级, pharmacies, missing) = 0.
-- Drugs limited only at the first prescription (首次处方时需由二级及以上医疗机构…开具) are flagged only when the
-- person had no line of the same knowledge point at a qualifying provider in the p.first_rx_lookback_days before.
-- One hit per visit; amount at risk = Σ the offending lines' totals.
-- Lines are read from $scan_from (the detector's lookback) so a visit's evidence is complete when a stay spans
-- run windows; activity_date is the latest offending day, so each run that sees a new offending line
-- re-emits the visit's whole evidence under the same alert id (evidence_key = mdtrt_id).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
kp_line AS (
  SELECT fe.feedetl_sn, fe.mdtrt_id, fe.psn_no, fe.fixmedins_code, fe.med_list_codg, fe.fee_ocur_time,
         fe.det_item_fee_sumamt::DECIMAL(14, 2) AS amount, fe.fee_ocur_time::DATE AS d, f.admdvs, f.hosp_lv,
         CASE WHEN f.hosp_lv IN ('01', '02', '03', '04') THEN 3
              WHEN f.hosp_lv IN ('05', '06', '07', '13') THEN 2
              WHEN f.hosp_lv IN ('08', '09', '10', '14') THEN 1
              ELSE 0 END AS tier,
         k.kp_id, k.item_name, k.min_level_tier, coalesce(k.first_rx_only, false) AS first_rx_only
  FROM clean_fee fe
  JOIN kb_current_codes k ON k.code = fe.med_list_codg AND k.rule_class = 'institution_level_limit'
  JOIN fixmedins f ON f.fixmedins_code = fe.fixmedins_code
  WHERE fe.fee_ocur_time >= $scan_from::DATE AND fe.fee_ocur_time < $window_to::DATE + 1
),
below AS (
  SELECT b.* FROM kp_line b JOIN params p ON p.admdvs = b.admdvs, win
  WHERE b.d BETWEEN win.scan_from AND win.window_to
    AND b.tier < b.min_level_tier
    AND NOT (b.first_rx_only AND EXISTS (
      SELECT 1 FROM kp_line q
      WHERE q.psn_no = b.psn_no AND q.kp_id = b.kp_id AND q.tier >= q.min_level_tier
        AND q.fee_ocur_time <= b.fee_ocur_time
        AND q.d >= b.d - CAST(p.first_rx_lookback_days AS INTEGER)))
),
line AS (
  SELECT feedetl_sn, any_value(mdtrt_id) AS mdtrt_id, any_value(psn_no) AS psn_no,
         any_value(fixmedins_code) AS fixmedins_code, any_value(med_list_codg) AS med_list_codg,
         any_value(amount) AS amount, any_value(d) AS d, any_value(admdvs) AS admdvs, any_value(hosp_lv) AS hosp_lv,
         any_value(tier) AS tier, min(kp_id) AS kp_id, min(item_name) AS item_name, max(min_level_tier) AS min_level_tier,
         bool_and(first_rx_only) AS first_rx_only
  FROM below GROUP BY feedetl_sn
)
SELECT any_value(psn_no) AS psn_no, any_value(fixmedins_code) AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg,
       mdtrt_id, NULL::VARCHAR AS setl_id,
       list(feedetl_sn ORDER BY feedetl_sn) AS feedetl_sn, any_value(l.admdvs) AS admdvs,
       json_object('hosp_lv', any_value(hosp_lv), 'level_tier', any_value(tier), 'lines', count(*), 'dates', list(DISTINCT d ORDER BY d),
                   'items', list(DISTINCT json_object('med_list_codg', med_list_codg, 'item_name', item_name, 'kp_id', kp_id,
                                                      'min_level_tier', min_level_tier, 'first_rx_only', first_rx_only))) AS measured,
       json_object('min_level_tier', max(min_level_tier),
                   'first_rx_lookback_days', any_value(p.first_rx_lookback_days)) AS threshold,
       NULL::JSON AS peer,
       sum(amount)::DECIMAL(14, 2) AS amount_at_risk,
       max(d) AS activity_date,
       mdtrt_id AS evidence_key
FROM line l JOIN params p ON p.admdvs = l.admdvs
GROUP BY mdtrt_id
