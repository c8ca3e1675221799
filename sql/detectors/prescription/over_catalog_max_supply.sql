-- over_catalog_max_supply: drug sale lines (quantity > 0) whose prd_days exceed med_catalog.max_days_supply
-- (+ p.tolerance_days) for their med_list_codg, where the catalogue gives a maximum (> 0). If a code has several
-- catalogue rows, the smallest maximum applies. Lines without prd_days are not judged (no reliable supply from cnt
-- alone: the dose text is free); a return line (negative quantity or amount) is no supply. Any care type, inpatient
-- included. One hit per visit; amount = Σ offending lines.
WITH cat AS (
  SELECT med_list_codg, min(max_days_supply) AS max_days_supply, any_value(name) AS catalog_name
  FROM med_catalog WHERE max_days_supply > 0
  GROUP BY med_list_codg
),
long_line AS MATERIALIZED (
  -- lines over the catalogue maximum plus the lowest tolerance of any region: few, so only these meet their visits
  SELECT fe.feedetl_sn, fe.mdtrt_id, fe.setl_id, fe.med_list_codg, fe.hilist_name, fe.prd_days, fe.cnt, fe.det_item_fee_sumamt,
         fe.fee_ocur_time, c.max_days_supply, c.catalog_name
  FROM clean_fee fe
  JOIN cat c ON c.med_list_codg = fe.med_list_codg
  WHERE fe.prd_days > c.max_days_supply + (SELECT min(tolerance_days) FROM params)
    AND coalesce(fe.cnt, 1) > 0 AND coalesce(fe.det_item_fee_sumamt, 0) >= 0
),
offending AS (
  SELECT fe.feedetl_sn, fe.mdtrt_id, fe.setl_id, fe.med_list_codg, fe.hilist_name, fe.prd_days,
         fe.det_item_fee_sumamt, coalesce(fe.fee_ocur_time, m.begntime)::DATE AS fee_date,
         m.psn_no, m.fixmedins_code, m.med_type, f.admdvs, fe.max_days_supply, fe.catalog_name, p.tolerance_days
  FROM long_line fe
  JOIN clean_mdtrt m ON m.mdtrt_id = fe.mdtrt_id
  JOIN fixmedins f ON f.fixmedins_code = m.fixmedins_code
  JOIN params p ON p.admdvs = f.admdvs
  WHERE fe.prd_days > fe.max_days_supply + p.tolerance_days
    AND coalesce(fe.fee_ocur_time, m.begntime) >= $scan_from::DATE
)
SELECT any_value(psn_no) AS psn_no, any_value(fixmedins_code) AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg,
       mdtrt_id,
       CASE WHEN count(DISTINCT setl_id) = 1 THEN any_value(setl_id) END AS setl_id,
       list(feedetl_sn ORDER BY feedetl_sn) AS feedetl_sn,
       any_value(admdvs) AS admdvs,
       json_object('med_type', any_value(med_type), 'offending_lines', count(*),
                   'lines', list(json_object('feedetl_sn', feedetl_sn, 'med_list_codg', med_list_codg,
                                             'hilist_name', coalesce(hilist_name, catalog_name), 'prd_days', prd_days,
                                             'max_days_supply', max_days_supply)
                                 ORDER BY prd_days - max_days_supply DESC, feedetl_sn)) AS measured,
       json_object('max_days_supply', min(max_days_supply), 'tolerance_days', any_value(tolerance_days)) AS threshold,
       NULL::JSON AS peer,
       sum(det_item_fee_sumamt)::DECIMAL(14, 2) AS amount_at_risk,
       min(fee_date) AS activity_date,
       mdtrt_id AS evidence_key
FROM offending
GROUP BY mdtrt_id
