-- low_standard_admission: completed ordinary inpatient stays (med_type 21, discharged) whose exam (03) and
-- lab-test (04) lines make up at least p.min_test_share of the stay's line total, with no treatment (05) or
-- surgery (06) line. One hit per stay: feedetl_sn = all its lines, amount at risk = Σ its lines (the whole
-- stay is in question); activity date = the admission date.
WITH stay AS (
  SELECT m.mdtrt_id, m.psn_no, m.fixmedins_code, m.begntime, m.endtime, m.dscg_maindiag_code, f.admdvs,
         p.min_test_share
  FROM clean_mdtrt m
  JOIN fixmedins f ON f.fixmedins_code = m.fixmedins_code
  JOIN params p ON p.admdvs = f.admdvs
  WHERE m.med_type = '21' AND m.endtime IS NOT NULL AND m.begntime >= $scan_from::DATE
),
cost AS (
  SELECT s.mdtrt_id, sum(fe.det_item_fee_sumamt) AS total,
         coalesce(sum(fe.det_item_fee_sumamt) FILTER (WHERE fe.med_chrgitm_type IN ('03', '04')), 0) AS tests,
         count(*) FILTER (WHERE fe.med_chrgitm_type IN ('05', '06')) AS treatment_lines,
         list(fe.feedetl_sn ORDER BY fe.feedetl_sn) AS sn, count(*) AS lines
  FROM stay s JOIN clean_fee fe ON fe.mdtrt_id = s.mdtrt_id
  GROUP BY s.mdtrt_id
),
setl AS (
  SELECT s.mdtrt_id, CASE WHEN count(*) = 1 THEN any_value(s.setl_id) END AS setl_id
  FROM clean_setl s JOIN cost c ON c.mdtrt_id = s.mdtrt_id GROUP BY s.mdtrt_id
)
SELECT s.psn_no, s.fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, s.mdtrt_id, st.setl_id,
       c.sn AS feedetl_sn, s.admdvs,
       json_object('stay_cost', round(c.total, 2), 'test_exam_cost', round(c.tests, 2),
                   'test_share', round(c.tests / c.total, 4), 'treatment_lines', c.treatment_lines, 'lines', c.lines,
                   'principal_diagnosis', s.dscg_maindiag_code, 'admission_date', strftime(s.begntime, '%Y-%m-%d'),
                   'amount_basis', '整次住院费用 all charges of the stay') AS measured,
       json_object('min_test_share', s.min_test_share, 'treatment_lines', 0) AS threshold,
       NULL::JSON AS peer,
       c.total::DECIMAL(14, 2) AS amount_at_risk,
       s.begntime::DATE AS activity_date,
       s.mdtrt_id AS evidence_key
FROM cost c
JOIN stay s ON s.mdtrt_id = c.mdtrt_id
LEFT JOIN setl st ON st.mdtrt_id = c.mdtrt_id
WHERE c.total > 0 AND c.treatment_lines = 0 AND c.tests / c.total >= s.min_test_share
