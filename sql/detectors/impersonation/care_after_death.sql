-- care_after_death: a settlement of a person who had died (death_records, matched by certno) carrying
-- charges dated after the death: a visit that began after the death (all its lines offend), or fee lines
-- of an earlier stay dated after the death (billing continued after an in-hospital death). A settlement
-- made after the death for care given before it is normal (the family settles) and does not fire. Charges are
-- tolerated up to p.grace_days after the death date; for an in-hospital death whose stay ended within
-- p.discharge_grace_days of it, the non-drug charges of those days (body care 尸体料理, the last bed day, the
-- discharge itself, when the person died late in the day) are tolerated too, drugs are not.
-- One hit per settlement; amount at risk = Σ det_item_fee_sumamt of the offending lines.
WITH death AS (
  SELECT p.psn_no, p.insu_admdvs, min(d.die_date) AS die_date, any_value(d.source) AS source
  FROM psn_info p JOIN death_records d ON d.certno = p.certno
  WHERE d.die_date IS NOT NULL
  GROUP BY p.psn_no, p.insu_admdvs
),
setl AS (
  SELECT s.setl_id, s.mdtrt_id, s.psn_no, s.fixmedins_code, s.setl_time, s.medfee_sumamt,
         m.begntime, m.endtime, m.med_type, de.die_date, de.source, de.insu_admdvs, p.grace_days, p.discharge_grace_days,
         m.begntime::DATE <= de.die_date AND m.med_type LIKE '2%' AS in_hospital_death,
         m.begntime::DATE <= de.die_date AND m.med_type LIKE '2%'
           AND m.endtime::DATE <= de.die_date + CAST(p.discharge_grace_days AS INTEGER) AS discharged_after_death
  FROM clean_setl s
  JOIN death de ON de.psn_no = s.psn_no
  JOIN params p ON p.admdvs = de.insu_admdvs
  LEFT JOIN clean_mdtrt m ON m.mdtrt_id = s.mdtrt_id
  WHERE s.setl_time::DATE > de.die_date AND s.setl_time::DATE >= $scan_from::DATE
),
offending AS (
  SELECT s.setl_id, f.feedetl_sn, f.det_item_fee_sumamt, coalesce(f.fee_ocur_time, s.begntime)::DATE AS fee_date
  FROM setl s JOIN clean_fee f ON f.setl_id = s.setl_id
  WHERE s.begntime::DATE > s.die_date + CAST(s.grace_days AS INTEGER)
     OR (f.fee_ocur_time::DATE > s.die_date + CAST(s.grace_days AS INTEGER)
         AND NOT (coalesce(s.discharged_after_death, false)
                  AND f.fee_ocur_time::DATE <= s.die_date + CAST(s.discharge_grace_days AS INTEGER)
                  AND coalesce(f.list_type, '') NOT IN ('101', '102') AND coalesce(f.med_chrgitm_type, '') NOT IN ('09', '10', '11')))
),
per_setl AS (
  SELECT setl_id, list(feedetl_sn ORDER BY feedetl_sn) AS feedetl_sn, sum(det_item_fee_sumamt) AS amount,
         min(fee_date) AS first_fee_date, max(fee_date) AS last_fee_date, count(*) AS lines
  FROM offending GROUP BY setl_id
)
SELECT s.psn_no, s.fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, s.mdtrt_id, s.setl_id,
       o.feedetl_sn, s.insu_admdvs AS admdvs,
       json_object('die_date', s.die_date::VARCHAR, 'death_source', s.source,
                   'visit_begin', strftime(s.begntime, '%Y-%m-%d %H:%M:%S'), 'med_type', s.med_type,
                   'in_hospital_death', coalesce(s.in_hospital_death, false),
                   'fixmedins_name', fm.fixmedins_name,
                   'first_charge_after_death', o.first_fee_date::VARCHAR, 'last_charge_after_death', o.last_fee_date::VARCHAR,
                   'days_after_death', date_diff('day', s.die_date, o.first_fee_date),
                   'offending_lines', o.lines) AS measured,
       json_object('die_date', s.die_date::VARCHAR, 'grace_days', s.grace_days,
                   'discharge_grace_days', s.discharge_grace_days) AS threshold,
       NULL::JSON AS peer,
       o.amount::DECIMAL(14, 2) AS amount_at_risk,
       o.first_fee_date AS activity_date,
       s.setl_id AS evidence_key
FROM setl s JOIN per_setl o ON o.setl_id = s.setl_id
LEFT JOIN fixmedins fm ON fm.fixmedins_code = s.fixmedins_code
