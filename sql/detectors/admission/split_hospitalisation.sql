-- split_hospitalisation: for each ordinary inpatient stay (med_type 21; day surgery 28 is left out) the
-- person's previous stay at the same provider (by admission time). The later stay is a re-admission when
--   0 ≤ days from the previous discharge date to its admission date ≤ p.readmit_days and the principal
--   diagnoses share their first p.diag_prefix_len characters (ICD-10 category),
-- unless either stay is a planned-cycle stay (a principal or other diagnosis starting with one of
-- p.exclude_diag_prefixes: chemo/radiotherapy Z51.x, dialysis Z49/Z99.2, delivery O80–O84/Z37; or a procedure
-- starting with one of p.exclude_oprn_prefixes: dialysis 39.95/54.98, radiotherapy 92.2x, chemotherapy 99.25),
-- or, with p.exclude_same_day_transfer, it began on the discharge day in another department (a transfer).
-- Overlapping stays (negative gap) are left to the impersonation detectors. One hit per re-admission;
-- feedetl_sn = its lines, amount at risk = Σ its lines (Σ its settlements when it has no lines).
WITH stay AS (
  SELECT m.mdtrt_id, m.psn_no, m.fixmedins_code, m.begntime, m.endtime, m.dept_name,
         upper(trim(m.dscg_maindiag_code)) AS diag,
         list_transform(list_filter(string_split(coalesce(m.dscg_maindiag_code, '') || '|' || coalesce(m.diag_codes, ''), '|'),
                                    lambda x: trim(x) <> ''), lambda x: upper(trim(x))) AS diags,
         list_transform(list_filter(string_split(coalesce(m.oprn_oprt_codes, ''), '|'), lambda x: trim(x) <> ''), lambda x: trim(x)) AS oprns
  FROM clean_mdtrt m
  WHERE m.med_type = '21' AND coalesce(m.endtime, m.begntime) >= $scan_from::DATE
),
paired AS (
  SELECT s.*, lag(mdtrt_id) OVER w AS prev_id, lag(endtime) OVER w AS prev_end, lag(diag) OVER w AS prev_diag,
         lag(diags) OVER w AS prev_diags, lag(oprns) OVER w AS prev_oprns, lag(dept_name) OVER w AS prev_dept
  FROM stay s
  WINDOW w AS (PARTITION BY psn_no, fixmedins_code ORDER BY begntime, mdtrt_id)
),
cand AS (
  SELECT c.*, f.admdvs, date_diff('day', c.prev_end::DATE, c.begntime::DATE) AS gap_days,
         p.readmit_days, p.diag_prefix_len, p.exclude_same_day_transfer,
         list_transform(string_split(p.exclude_diag_prefixes, ','), lambda x: upper(trim(x))) AS xdiag,
         list_transform(string_split(p.exclude_oprn_prefixes, ','), lambda x: trim(x)) AS xoprn
  FROM paired c
  JOIN fixmedins f ON f.fixmedins_code = c.fixmedins_code
  JOIN params p ON p.admdvs = f.admdvs
  WHERE c.prev_id IS NOT NULL AND c.prev_end IS NOT NULL AND c.diag IS NOT NULL AND c.prev_diag IS NOT NULL
),
hit AS (
  SELECT * FROM cand
  WHERE gap_days BETWEEN 0 AND readmit_days
    AND left(diag, CAST(diag_prefix_len AS INTEGER)) = left(prev_diag, CAST(diag_prefix_len AS INTEGER))
    AND NOT len(list_filter(diags || prev_diags, lambda d: len(list_filter(xdiag, lambda x: x <> '' AND starts_with(d, x))) > 0)) > 0
    AND NOT len(list_filter(oprns || prev_oprns, lambda o: len(list_filter(xoprn, lambda x: x <> '' AND starts_with(o, x))) > 0)) > 0
    AND NOT (exclude_same_day_transfer AND gap_days = 0 AND coalesce(dept_name, '') <> coalesce(prev_dept, ''))
),
lines AS (
  SELECT h.mdtrt_id, list(fe.feedetl_sn ORDER BY fe.feedetl_sn) AS sn, sum(fe.det_item_fee_sumamt) AS amount
  FROM hit h JOIN clean_fee fe ON fe.mdtrt_id = h.mdtrt_id GROUP BY h.mdtrt_id
),
setl AS (
  SELECT h.mdtrt_id, sum(s.medfee_sumamt) AS amount, CASE WHEN count(*) = 1 THEN any_value(s.setl_id) END AS setl_id
  FROM hit h JOIN clean_setl s ON s.mdtrt_id = h.mdtrt_id GROUP BY h.mdtrt_id
)
SELECT h.psn_no, h.fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, h.mdtrt_id, st.setl_id,
       coalesce(l.sn, []::VARCHAR[]) AS feedetl_sn, h.admdvs,
       json_object('previous_mdtrt_id', h.prev_id, 'previous_discharge', strftime(h.prev_end, '%Y-%m-%d %H:%M:%S'),
                   'readmission', strftime(h.begntime, '%Y-%m-%d %H:%M:%S'), 'gap_days', h.gap_days,
                   'principal_diagnosis', h.diag, 'previous_principal_diagnosis', h.prev_diag,
                   'previous_dept', h.prev_dept, 'dept', h.dept_name,
                   'amount_basis', '再入院的全部费用 all charges of the re-admission stay') AS measured,
       json_object('readmit_days', h.readmit_days, 'diag_prefix_len', h.diag_prefix_len) AS threshold,
       NULL::JSON AS peer,
       coalesce(l.amount, st.amount, 0)::DECIMAL(14, 2) AS amount_at_risk,
       h.begntime::DATE AS activity_date,
       h.mdtrt_id AS evidence_key
FROM hit h
LEFT JOIN lines l ON l.mdtrt_id = h.mdtrt_id
LEFT JOIN setl st ON st.mdtrt_id = h.mdtrt_id
