-- kp_child_limit: a drug or service limited to an age group billed outside it, by the person's age on the
-- billing date (completed years from psn_info.brdy):
--   儿童 child (知识库第一批): age >= p.child_max_age;  婴幼儿 infant: age >= p.infant_max_age;
--   新生儿 newborn: days since birth > p.newborn_max_days;
--   法定就业年龄 working_age (第八批-2, 职业功能训练): age < p.working_age_min or age >= p.working_age_max.
-- A newborn's care billed on the mother's card (新生儿随母结算, 母婴同室) is no violation: a newborn-only item on a
-- visit of a woman that lists a perinatal or newborn code (P00–P96, Z38), or within p.newborn_max_days after her
-- delivery (O80–O84, Z37, obstetric procedures 72–74 — the delivery visit included), is left out.
-- One hit per visit; offending lines = the limited items' lines; amount at risk = Σ their totals.
-- Lines are read from $scan_from (the detector's lookback) so a visit's evidence is complete when a stay spans
-- run windows; activity_date is the latest offending day, so each run that sees a new offending line
-- re-emits the visit's whole evidence under the same alert id (evidence_key = mdtrt_id).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
aged AS (
  SELECT fe.feedetl_sn, fe.mdtrt_id, fe.psn_no, fe.fixmedins_code, fe.med_list_codg,
         fe.det_item_fee_sumamt::DECIMAL(14, 2) AS amount, fe.fee_ocur_time::DATE AS d, f.admdvs,
         k.kp_id, k.item_name, k.age_group,
         date_sub('year', ps.brdy, fe.fee_ocur_time::DATE) AS age_years,
         date_diff('day', ps.brdy, fe.fee_ocur_time::DATE) AS age_days
  FROM clean_fee fe
  JOIN kb_current_codes k ON k.code = fe.med_list_codg AND k.rule_class IN ('child_limit', 'age_limit')
  JOIN psn_info ps ON ps.psn_no = fe.psn_no
  JOIN fixmedins f ON f.fixmedins_code = fe.fixmedins_code
  WHERE fe.fee_ocur_time >= $scan_from::DATE AND fe.fee_ocur_time < $window_to::DATE + 1
    AND ps.brdy IS NOT NULL AND ps.brdy <= fe.fee_ocur_time::DATE
),
line AS (
  SELECT a.feedetl_sn, any_value(a.mdtrt_id) AS mdtrt_id, any_value(a.psn_no) AS psn_no,
         any_value(a.fixmedins_code) AS fixmedins_code, any_value(a.med_list_codg) AS med_list_codg,
         any_value(a.amount) AS amount, any_value(a.d) AS d, any_value(a.admdvs) AS admdvs,
         min(a.kp_id) AS kp_id, min(a.item_name) AS item_name, min(a.age_group) AS age_group,
         any_value(a.age_years) AS age_years, any_value(a.age_days) AS age_days
  FROM aged a JOIN params p ON p.admdvs = a.admdvs
  WHERE (a.age_group = 'child' AND a.age_years >= p.child_max_age)
     OR (a.age_group = 'infant' AND a.age_years >= p.infant_max_age)
     OR (a.age_group = 'newborn' AND a.age_days > p.newborn_max_days)
     OR (a.age_group = 'working_age' AND (a.age_years < p.working_age_min OR a.age_years >= p.working_age_max))
  GROUP BY a.feedetl_sn
),
newborn_on_mother AS (
  -- visits of women holding out-of-age newborn items, where the newborn's care may be billed
  SELECT DISTINCT v.mdtrt_id
  FROM (SELECT DISTINCT l.mdtrt_id, l.psn_no, p.newborn_max_days FROM line l JOIN params p ON p.admdvs = l.admdvs
        WHERE l.age_group = 'newborn') w
  JOIN psn_info ps ON ps.psn_no = w.psn_no AND ps.gend = '2'
  JOIN clean_mdtrt v ON v.mdtrt_id = w.mdtrt_id
  JOIN clean_mdtrt d ON d.psn_no = w.psn_no AND d.begntime <= coalesce(v.endtime, v.begntime)
   AND d.begntime >= v.begntime - to_days(CAST(w.newborn_max_days AS INTEGER))
  WHERE list_has_any(list_transform(list_prepend(d.dscg_maindiag_code, coalesce(string_split(d.diag_codes, '|'), []::VARCHAR[])),
                                    lambda x: upper(left(trim(x), 3))), ['O80', 'O81', 'O82', 'O83', 'O84', 'Z37', 'Z38'])
     OR list_has_any(list_transform(coalesce(string_split(d.oprn_oprt_codes, '|'), []::VARCHAR[]), lambda x: left(trim(x), 2)), ['72', '73', '74'])
     OR list_bool_or(list_transform(list_prepend(v.dscg_maindiag_code, coalesce(string_split(v.diag_codes, '|'), []::VARCHAR[])),
                                    lambda x: upper(left(trim(x), 3)) BETWEEN 'P00' AND 'P96'))
),
kept AS (
  SELECT * FROM line WHERE NOT (age_group = 'newborn' AND mdtrt_id IN (SELECT mdtrt_id FROM newborn_on_mother))
)
SELECT any_value(l.psn_no) AS psn_no, any_value(l.fixmedins_code) AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg,
       l.mdtrt_id, NULL::VARCHAR AS setl_id,
       list(l.feedetl_sn ORDER BY l.feedetl_sn) AS feedetl_sn, any_value(l.admdvs) AS admdvs,
       json_object('age_years', min(l.age_years), 'age_days', min(l.age_days), 'lines', count(*),
                   'dates', list(DISTINCT l.d ORDER BY l.d),
                   'items', list(DISTINCT json_object('med_list_codg', l.med_list_codg, 'item_name', l.item_name,
                                                      'kp_id', l.kp_id, 'age_group', l.age_group))) AS measured,
       json_object('age_groups', list(DISTINCT l.age_group ORDER BY l.age_group),
                   'child_max_age', any_value(p.child_max_age), 'infant_max_age', any_value(p.infant_max_age),
                   'newborn_max_days', any_value(p.newborn_max_days),
                   'working_age_min', any_value(p.working_age_min), 'working_age_max', any_value(p.working_age_max)) AS threshold,
       NULL::JSON AS peer,
       sum(l.amount)::DECIMAL(14, 2) AS amount_at_risk,
       max(l.d) AS activity_date,
       l.mdtrt_id AS evidence_key
FROM kept l JOIN params p ON p.admdvs = l.admdvs
GROUP BY l.mdtrt_id
