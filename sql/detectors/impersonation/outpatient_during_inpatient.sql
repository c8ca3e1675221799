-- outpatient_during_inpatient: an outpatient or pharmacy visit (med_type not 2x) of a person, at a provider other
-- than the one where the person is an inpatient at that moment. With exclude_admission_discharge_days the visit
-- must fall strictly between the admission day and the discharge day; otherwise inside [begntime, endtime].
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
         s.endtime AS stay_end, pe.insu_admdvs, p.exclude_admission_discharge_days AS exclude_edges
  FROM visit v
  JOIN stay s ON s.psn_no = v.psn_no AND s.fixmedins_code <> v.fixmedins_code
   AND v.begntime BETWEEN s.begntime AND s.endtime
  JOIN psn_info pe ON pe.psn_no = v.psn_no
  JOIN params p ON p.admdvs = pe.insu_admdvs
  WHERE NOT p.exclude_admission_discharge_days
     OR (v.begntime::DATE > s.begntime::DATE AND v.begntime::DATE < s.endtime::DATE)
  QUALIFY row_number() OVER (PARTITION BY v.mdtrt_id ORDER BY s.begntime, s.mdtrt_id) = 1
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
                   'stay_mdtrt_id', h.stay_mdtrt_id, 'stay_fixmedins_code', h.stay_fixmedins_code,
                   'stay_begin', strftime(h.stay_begin, '%Y-%m-%d %H:%M:%S'),
                   'stay_end', strftime(h.stay_end, '%Y-%m-%d %H:%M:%S')) AS measured,
       json_object('exclude_admission_discharge_days', h.exclude_edges) AS threshold,
       NULL::JSON AS peer,
       coalesce(l.amount, 0)::DECIMAL(14, 2) AS amount_at_risk,
       h.begntime::DATE AS activity_date,
       h.mdtrt_id AS evidence_key
FROM hit h LEFT JOIN lines l ON l.mdtrt_id = h.mdtrt_id
