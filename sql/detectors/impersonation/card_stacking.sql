-- card_stacking: drug lines (list_type 1xx) of one physician (fixmedins_code, bilg_dr_codg) and one drug
-- (med_list_codg) for many persons whose cards were used within minutes. The time of a card's use is its visit's
-- begin (registration / sale), not the fee time: a centre that posts a shift's charges at once gives every line one
-- fee time, but its patients arrived over the shift. Only persons new to the provider count — no visit there on an
-- earlier day within p.known_patient_days — so a dialysis or infusion shift of regular patients, or a neighbourhood
-- pharmacy's regulars queuing in the morning, is not a stack of borrowed cards. For each line, the window
-- [t, t + p.window_minutes] of the same physician and drug holding at least p.min_persons new persons (at a pharmacy,
-- where several counters serve a queue under one code, p.pharmacy_min_persons) qualifies. One hit per physician,
-- drug and day; offending lines = the union of the lines of its qualifying windows. The self-join also requires the
-- same calendar day, so its cost stays per physician-drug-day; only physician-drug-days with enough distinct persons
-- on the whole day (by fee date) can hold a qualifying window, so the self-join reads those days only.
WITH line AS NOT MATERIALIZED (
  SELECT f.feedetl_sn, f.mdtrt_id, f.fixmedins_code, f.bilg_dr_codg, f.med_list_codg, f.hilist_name, f.psn_no,
         f.fee_ocur_time, f.fee_ocur_time::DATE AS day, f.det_item_fee_sumamt, fm.admdvs,
         CASE WHEN fm.fixmedins_type = 'pharmacy' THEN p.pharmacy_min_persons ELSE p.min_persons END AS min_persons,
         p.window_minutes, p.known_patient_days
  FROM clean_fee f
  JOIN fixmedins fm ON fm.fixmedins_code = f.fixmedins_code
  JOIN params p ON p.admdvs = fm.admdvs
  WHERE f.list_type LIKE '1%' AND f.bilg_dr_codg IS NOT NULL AND f.psn_no IS NOT NULL
    AND f.fee_ocur_time >= $window_from::TIMESTAMP
),
busy_key AS (
  -- physician-drug-days with at least min_persons lines, counted on an 8-byte hash of the four keys: a superset
  -- of the busy days (a collision only keeps more), so the exact distinct-person count reads few lines
  SELECT hash(fixmedins_code, bilg_dr_codg, med_list_codg, day) AS h FROM line GROUP BY h HAVING count(*) >= min(min_persons)
),
busy_day AS (
  -- distinct persons per physician-drug-day in two plain aggregations (no wide copy of the drug lines)
  SELECT fixmedins_code, bilg_dr_codg, med_list_codg, day
  FROM (SELECT DISTINCT fixmedins_code, bilg_dr_codg, med_list_codg, day, psn_no, min_persons FROM line
        WHERE hash(fixmedins_code, bilg_dr_codg, med_list_codg, day) IN (SELECT h FROM busy_key))
  GROUP BY fixmedins_code, bilg_dr_codg, med_list_codg, day
  HAVING count(psn_no) >= min(min_persons)
),
busy_line AS MATERIALIZED (
  -- outpatient and pharmacy visits only: inpatients' cards are used at admission, and a ward's or a day-surgery
  -- list's patients admitted together are co_admission_groups' question
  SELECT l.*, coalesce(m.begntime, l.fee_ocur_time) AS t
  FROM line l
  SEMI JOIN busy_day d ON d.fixmedins_code = l.fixmedins_code AND d.bilg_dr_codg = l.bilg_dr_codg
   AND d.med_list_codg = l.med_list_codg AND d.day = l.day
  LEFT JOIN clean_mdtrt m ON m.mdtrt_id = l.mdtrt_id
  WHERE coalesce(m.med_type, '') NOT LIKE '2%'
),
known AS (
  -- lines of persons who visited the provider on an earlier day within known_patient_days
  SELECT DISTINCT b.feedetl_sn
  FROM busy_line b
  JOIN clean_mdtrt m ON m.psn_no = b.psn_no AND m.fixmedins_code = b.fixmedins_code
   AND m.begntime < b.t::DATE AND m.begntime >= b.t::DATE - CAST(b.known_patient_days AS INTEGER)
),
new_line AS MATERIALIZED (SELECT * FROM busy_line ANTI JOIN known USING (feedetl_sn)),
burst AS (
  SELECT a.feedetl_sn AS anchor, a.fixmedins_code, a.bilg_dr_codg, a.med_list_codg, a.day,
         count(DISTINCT b.psn_no) AS persons, list(b.feedetl_sn) AS lines
  FROM new_line a JOIN new_line b
    ON b.fixmedins_code = a.fixmedins_code AND b.bilg_dr_codg = a.bilg_dr_codg AND b.med_list_codg = a.med_list_codg
   AND b.day = a.day
   AND b.t >= a.t AND b.t <= a.t + to_microseconds(CAST(a.window_minutes * 60000000 AS BIGINT))
  GROUP BY a.feedetl_sn, a.fixmedins_code, a.bilg_dr_codg, a.med_list_codg, a.day, a.min_persons
  HAVING count(DISTINCT b.psn_no) >= a.min_persons
),
day_hit AS (
  SELECT fixmedins_code, bilg_dr_codg, med_list_codg, day, max(persons) AS max_persons, count(*) AS windows,
         list_distinct(flatten(list(lines))) AS sns
  FROM burst GROUP BY fixmedins_code, bilg_dr_codg, med_list_codg, day
),
exploded AS (
  SELECT fixmedins_code, bilg_dr_codg, med_list_codg, day, max_persons, windows, unnest(sns) AS sn FROM day_hit
),
hit_lines AS (
  SELECT h.fixmedins_code, h.bilg_dr_codg, h.med_list_codg, h.day, h.max_persons, h.windows,
         list(l.feedetl_sn ORDER BY l.feedetl_sn) AS feedetl_sn, sum(l.det_item_fee_sumamt) AS amount,
         count(DISTINCT l.psn_no) AS persons, min(l.t) AS first_time, max(l.t) AS last_time,
         any_value(l.hilist_name) AS drug_name, any_value(l.admdvs) AS admdvs,
         any_value(l.min_persons) AS min_persons, any_value(l.window_minutes) AS window_minutes,
         any_value(l.known_patient_days) AS known_patient_days
  FROM exploded h JOIN new_line l ON l.feedetl_sn = h.sn
  GROUP BY ALL
)
SELECT NULL::VARCHAR AS psn_no, h.fixmedins_code, h.bilg_dr_codg, NULL::VARCHAR AS mdtrt_id, NULL::VARCHAR AS setl_id,
       h.feedetl_sn, h.admdvs,
       json_object('med_list_codg', h.med_list_codg, 'drug_name', h.drug_name,
                   'max_persons_in_window', h.max_persons, 'persons', h.persons, 'lines', len(h.feedetl_sn),
                   'first_time', strftime(h.first_time, '%Y-%m-%d %H:%M:%S'),
                   'last_time', strftime(h.last_time, '%Y-%m-%d %H:%M:%S')) AS measured,
       json_object('min_persons', h.min_persons, 'window_minutes', h.window_minutes,
                   'known_patient_days', h.known_patient_days) AS threshold,
       NULL::JSON AS peer,
       h.amount::DECIMAL(14, 2) AS amount_at_risk,
       h.day AS activity_date,
       h.med_list_codg || '|' || h.day::VARCHAR AS evidence_key
FROM hit_lines h
