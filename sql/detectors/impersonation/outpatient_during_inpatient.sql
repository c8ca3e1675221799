-- outpatient_during_inpatient: an outpatient or pharmacy visit (med_type not 2x) of a person, at a provider other
-- than the one where the person is an inpatient at that moment. With exclude_admission_discharge_days the visit
-- must fall strictly between the admission day and the discharge day (the emergency visit before an admission and
-- a transfer's first visit elsewhere fall on those days); otherwise inside [begntime, endtime]. With
-- p.exempt_dialysis a dialysis session (diagnosis Z49 / Z99.2, procedure 39.95 / 54.98, a 血液透析 / 腹膜透析 item
-- 00311000006 / 00311000002 — codes as in data/reference/clinical/cycle-care-codes.csv — or an item named 透析)
-- does not fire: a patient on maintenance dialysis keeps the sessions at the dialysis centre while in a hospital
-- without one; the person is real and present, which settlement rule applies is another question.
-- One hit per outpatient visit; offending lines = all its lines.
WITH stay AS (
  SELECT mdtrt_id, psn_no, fixmedins_code, begntime, endtime
  FROM clean_mdtrt
  WHERE med_type LIKE '2%' AND begntime IS NOT NULL AND endtime IS NOT NULL AND endtime >= $scan_from::TIMESTAMP
),
visit AS (
  SELECT mdtrt_id, psn_no, fixmedins_code, med_type, begntime
  FROM clean_mdtrt
  WHERE med_type NOT LIKE '2%' AND begntime >= $scan_from::TIMESTAMP
),
hit AS (
  SELECT v.*, s.mdtrt_id AS stay_mdtrt_id, s.fixmedins_code AS stay_fixmedins_code, s.begntime AS stay_begin,
         s.endtime AS stay_end, pe.insu_admdvs, p.exclude_admission_discharge_days AS exclude_edges, p.exempt_dialysis
  FROM visit v
  JOIN stay s ON s.psn_no = v.psn_no AND s.fixmedins_code <> v.fixmedins_code
   AND v.begntime BETWEEN s.begntime AND s.endtime
  JOIN psn_info pe ON pe.psn_no = v.psn_no
  JOIN params p ON p.admdvs = pe.insu_admdvs
  WHERE NOT p.exclude_admission_discharge_days
     OR (v.begntime::DATE > s.begntime::DATE AND v.begntime::DATE < s.endtime::DATE)
  QUALIFY row_number() OVER (PARTITION BY v.mdtrt_id ORDER BY s.begntime, s.mdtrt_id) = 1
),
dialysis_visit AS (
  SELECT DISTINCT m.mdtrt_id
  FROM (SELECT m.mdtrt_id,
               list_prepend(m.dscg_maindiag_code, coalesce(string_split(m.diag_codes, '|'), []::VARCHAR[])) AS diags,
               coalesce(string_split(m.oprn_oprt_codes, '|'), []::VARCHAR[]) AS oprns
        FROM clean_mdtrt m SEMI JOIN hit h ON h.mdtrt_id = m.mdtrt_id AND h.exempt_dialysis) m
  WHERE list_has_any(list_transform(diags, lambda d: left(upper(replace(trim(d), '.', '')), 3)), ['Z49'])
     OR list_has_any(list_transform(diags, lambda d: left(upper(replace(trim(d), '.', '')), 4)), ['Z992'])
     OR list_has_any(list_transform(oprns, lambda o: left(trim(o), 5)), ['39.95', '54.98'])
  UNION
  SELECT DISTINCT f.mdtrt_id
  FROM clean_fee f SEMI JOIN hit h ON h.mdtrt_id = f.mdtrt_id AND h.exempt_dialysis
  WHERE starts_with(f.med_list_codg, '00311000006') OR starts_with(f.med_list_codg, '00311000002') OR contains(f.hilist_name, '透析')
),
lines AS (
  SELECT h.mdtrt_id, list(f.feedetl_sn ORDER BY f.feedetl_sn) AS feedetl_sn, sum(f.det_item_fee_sumamt) AS amount,
         min(f.setl_id) AS setl_id
  FROM hit h JOIN clean_fee f ON f.mdtrt_id = h.mdtrt_id
  GROUP BY h.mdtrt_id
)
SELECT h.psn_no, h.fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, h.mdtrt_id, l.setl_id,
       coalesce(l.feedetl_sn, []::VARCHAR[]) AS feedetl_sn, h.insu_admdvs AS admdvs,
       json_object('visit_time', strftime(h.begntime, '%Y-%m-%d %H:%M:%S'), 'med_type', h.med_type,
                   'fixmedins_name', fv.fixmedins_name,
                   'stay_mdtrt_id', h.stay_mdtrt_id, 'stay_fixmedins_code', h.stay_fixmedins_code,
                   'stay_fixmedins_name', fs.fixmedins_name,
                   'stay_begin', strftime(h.stay_begin, '%Y-%m-%d %H:%M:%S'),
                   'stay_end', strftime(h.stay_end, '%Y-%m-%d %H:%M:%S'),
                   'lines', len(coalesce(l.feedetl_sn, []::VARCHAR[]))) AS measured,
       json_object('exclude_admission_discharge_days', h.exclude_edges, 'exempt_dialysis', h.exempt_dialysis) AS threshold,
       NULL::JSON AS peer,
       coalesce(l.amount, 0)::DECIMAL(14, 2) AS amount_at_risk,
       h.begntime::DATE AS activity_date,
       h.mdtrt_id AS evidence_key
FROM hit h
ANTI JOIN dialysis_visit d ON d.mdtrt_id = h.mdtrt_id
LEFT JOIN lines l ON l.mdtrt_id = h.mdtrt_id
LEFT JOIN fixmedins fv ON fv.fixmedins_code = h.fixmedins_code
LEFT JOIN fixmedins fs ON fs.fixmedins_code = h.stay_fixmedins_code
