-- split_hospitalisation: for each ordinary inpatient stay (med_type 21; day surgery 28 is left out) the
-- person's previous stay at the same provider (by admission time). The later stay is a re-admission when
--   0 ≤ days from the previous discharge date to its admission date ≤ p.readmit_days and the principal
--   diagnoses share their first p.diag_prefix_len characters (ICD-10 category: another category is another condition),
-- unless it is ordinary practice:
--   * a planned-cycle stay on either side: a principal or other diagnosis starting with one of
--     p.exclude_diag_prefixes (chemo/radiotherapy Z51.x, dialysis Z49/Z99.2, delivery O80–O84/Z37), a procedure
--     starting with one of p.exclude_oprn_prefixes (dialysis, radiotherapy, chemotherapy), or a fee line whose
--     med_list_codg starts with one of p.exclude_item_prefixes (antineoplastic drugs XL01, radiotherapy 0024,
--     dialysis items; any line billed, reversed or not, shows the cycle) — data/reference/clinical/cycle-care-codes.csv;
--   * with p.exclude_same_day_transfer: it began on the discharge day in another department (a transfer);
--   * with p.exclude_staged_operations: both stays carry an operation (ICD-9-CM-3 chapters 00–86, e.g. the
--     second eye's cataract, the other knee) — staged surgery;
--   * p.emergency_hours > 0: the person had an emergency visit (med_type 13) at the provider in the
--     p.emergency_hours before the re-admission — an emergency admission;
--   * p.holiday_break_days > 0: a whole official holiday period of at least that many days (consecutive 'holiday'
--     days of view holiday_calendar) lies between the discharge and the re-admission — discharged to go home for
--     the Spring Festival or National Day and back after it (back while the holiday lasts is not such a break).
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
flagged AS (
  SELECT s.*, len(list_filter(oprns, lambda o: TRY_CAST(left(o, 2) AS INTEGER) <= 86)) > 0 AS has_operation FROM stay s
),
paired AS (
  SELECT s.*, lag(mdtrt_id) OVER w AS prev_id, lag(endtime) OVER w AS prev_end, lag(diag) OVER w AS prev_diag,
         lag(diags) OVER w AS prev_diags, lag(oprns) OVER w AS prev_oprns, lag(dept_name) OVER w AS prev_dept,
         lag(has_operation) OVER w AS prev_has_operation
  FROM flagged s
  WINDOW w AS (PARTITION BY psn_no, fixmedins_code ORDER BY begntime, mdtrt_id)
),
cand AS (
  SELECT c.*, f.admdvs, date_diff('day', c.prev_end::DATE, c.begntime::DATE) AS gap_days,
         p.readmit_days, p.diag_prefix_len, p.exclude_same_day_transfer, p.exclude_staged_operations, p.emergency_hours,
         p.holiday_break_days,
         left(c.diag, CAST(p.diag_prefix_len AS INTEGER)) AS diag_group,
         list_transform(string_split(p.exclude_diag_prefixes, ','), lambda x: upper(trim(x))) AS xdiag,
         list_transform(string_split(p.exclude_oprn_prefixes, ','), lambda x: trim(x)) AS xoprn,
         list_filter(list_transform(string_split(p.exclude_item_prefixes, ','), lambda x: trim(x)), lambda x: x <> '') AS xitem
  FROM paired c
  JOIN fixmedins f ON f.fixmedins_code = c.fixmedins_code
  JOIN params p ON p.admdvs = f.admdvs
  WHERE c.prev_id IS NOT NULL AND c.prev_end IS NOT NULL AND c.diag IS NOT NULL AND c.prev_diag IS NOT NULL
),
pair AS (
  SELECT * FROM cand
  WHERE gap_days BETWEEN 0 AND readmit_days
    AND diag_group = left(prev_diag, CAST(diag_prefix_len AS INTEGER))
    AND NOT len(list_filter(diags || prev_diags, lambda d: len(list_filter(xdiag, lambda x: x <> '' AND starts_with(d, x))) > 0)) > 0
    AND NOT len(list_filter(oprns || prev_oprns, lambda o: len(list_filter(xoprn, lambda x: x <> '' AND starts_with(o, x))) > 0)) > 0
    AND NOT (exclude_same_day_transfer AND gap_days = 0 AND coalesce(dept_name, '') <> coalesce(prev_dept, ''))
    AND NOT (exclude_staged_operations AND has_operation AND prev_has_operation)
),
-- Fee lines and emergency visits are looked at for the remaining pairs only.
pair_stays AS (
  SELECT mdtrt_id AS pair_id, mdtrt_id AS stay_id, xitem FROM pair
  UNION ALL SELECT mdtrt_id, prev_id, xitem FROM pair
),
-- codes of cycle items first (few distinct codes), then only their lines are matched to the stays
cycle_code AS (
  SELECT c.code FROM (SELECT DISTINCT med_list_codg AS code FROM fee_list_d) c
  WHERE EXISTS (SELECT 1 FROM (SELECT DISTINCT unnest(xitem) AS x FROM pair) px WHERE starts_with(c.code, px.x))
),
cycle_item AS (
  SELECT DISTINCT ps.pair_id
  FROM (SELECT mdtrt_id, med_list_codg FROM fee_list_d WHERE med_list_codg IN (SELECT code FROM cycle_code)) fe
  JOIN pair_stays ps ON ps.stay_id = fe.mdtrt_id
  WHERE len(list_filter(ps.xitem, lambda x: starts_with(fe.med_list_codg, x))) > 0
),
emergency AS (
  SELECT DISTINCT c.mdtrt_id
  FROM pair c JOIN mdtrt_d e ON e.psn_no = c.psn_no AND e.fixmedins_code = c.fixmedins_code AND e.med_type = '13'
  WHERE c.emergency_hours > 0 AND e.begntime <= c.begntime
    AND e.begntime >= c.begntime - to_microseconds(CAST(c.emergency_hours * 3600000000 AS BIGINT))
),
holiday_period AS (
  SELECT min(day) AS first_day, max(day) AS last_day, count(*) AS days
  FROM (SELECT day, day - CAST(row_number() OVER (ORDER BY day) AS INTEGER) AS island FROM holiday_calendar WHERE kind = 'holiday')
  GROUP BY island
),
holiday_break AS (
  SELECT DISTINCT c.mdtrt_id
  FROM pair c JOIN holiday_period h ON h.days >= c.holiday_break_days AND h.first_day > c.prev_end::DATE AND h.last_day < c.begntime::DATE
  WHERE c.holiday_break_days > 0
),
hit AS (
  SELECT * FROM pair
  WHERE mdtrt_id NOT IN (SELECT pair_id FROM cycle_item) AND mdtrt_id NOT IN (SELECT mdtrt_id FROM emergency)
    AND mdtrt_id NOT IN (SELECT mdtrt_id FROM holiday_break)
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
                   'principal_diagnosis', h.diag, 'previous_principal_diagnosis', h.prev_diag, 'diagnosis_group', h.diag_group,
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
