-- oversized_days_supply: drug lines (list_type 101/102 or charge category 09/10/11) whose prd_days exceed the
-- limit for the visit's care type: p.emergency_max_days for med_type 13, p.chronic_max_days for 14xxxx,
-- p.outpatient_max_days for other outpatient types (1x) and, when p.pharmacy_as_outpatient, for pharmacy
-- purchases (41). Inpatient and day-surgery lines (2x) are dispensed daily and not checked.
-- One hit per visit with its offending lines; amount at risk = Σ det_item_fee_sumamt of those lines.
WITH line AS (
  SELECT fe.feedetl_sn, fe.mdtrt_id, fe.setl_id, fe.med_list_codg, fe.hilist_name, fe.prd_days,
         fe.det_item_fee_sumamt, coalesce(fe.fee_ocur_time, m.begntime)::DATE AS fee_date,
         m.psn_no, m.fixmedins_code, m.med_type, f.admdvs,
         CASE WHEN m.med_type = '13' THEN p.emergency_max_days
              WHEN m.med_type LIKE '14%' THEN p.chronic_max_days
              WHEN m.med_type = '41' AND NOT p.pharmacy_as_outpatient THEN NULL
              ELSE p.outpatient_max_days END AS max_days,
         CASE WHEN m.med_type = '13' THEN 'emergency_max_days'
              WHEN m.med_type LIKE '14%' THEN 'chronic_max_days'
              ELSE 'outpatient_max_days' END AS limit_name
  FROM clean_fee fe
  JOIN clean_mdtrt m ON m.mdtrt_id = fe.mdtrt_id
  JOIN fixmedins f ON f.fixmedins_code = m.fixmedins_code
  JOIN params p ON p.admdvs = f.admdvs
  WHERE (fe.list_type IN ('101', '102') OR fe.med_chrgitm_type IN ('09', '10', '11'))
    AND (m.med_type LIKE '1%' OR m.med_type = '41')
    AND fe.prd_days IS NOT NULL
    AND coalesce(fe.fee_ocur_time, m.begntime) >= $scan_from::DATE
),
offending AS (SELECT * FROM line WHERE max_days IS NOT NULL AND prd_days > max_days)
SELECT any_value(psn_no) AS psn_no, any_value(fixmedins_code) AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg,
       mdtrt_id,
       CASE WHEN count(DISTINCT setl_id) = 1 THEN any_value(setl_id) END AS setl_id,
       list(feedetl_sn ORDER BY feedetl_sn) AS feedetl_sn,
       any_value(admdvs) AS admdvs,
       json_object('med_type', any_value(med_type), 'max_prd_days', max(prd_days), 'offending_lines', count(*),
                   'lines', list(json_object('feedetl_sn', feedetl_sn, 'med_list_codg', med_list_codg,
                                             'hilist_name', hilist_name, 'prd_days', prd_days) ORDER BY feedetl_sn)) AS measured,
       json_object(any_value(limit_name), any_value(max_days)) AS threshold,
       NULL::JSON AS peer,
       sum(det_item_fee_sumamt)::DECIMAL(14, 2) AS amount_at_risk,
       min(fee_date) AS activity_date,
       mdtrt_id AS evidence_key
FROM offending
GROUP BY mdtrt_id
