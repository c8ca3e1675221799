-- overlapping_inpatient_stays: a person's inpatient stay (med_type 2x) that begins while an earlier stay of the
-- same person at another provider has not ended. Overlap days = least(both ends)::DATE - later begin::DATE, so a
-- transfer (discharged and admitted elsewhere the same day, in either order of the two times) overlaps 0 days and
-- does not fire. A transfer whose discharge was recorded the next morning (the patient left by ambulance: the
-- earlier stay's charges stop by the day the later one begins, its discharge is at most a day after that) ends when
-- the later stay begins. A stay without an end time (not yet discharged when the batch was cut) runs to its last
-- charge, or to the window end when it has none. With p.exempt_dialysis a pair where one stay is a dialysis session
-- (diagnosis Z49 / Z99.2, procedure 39.95 / 54.98, item 00311000006 / 00311000002 or named 透析) does not fire.
-- One hit per later-starting stay (the earlier stay with the longest overlap is named); offending lines = the
-- later stay's lines dated inside the overlap.
WITH stay AS (
  SELECT m.mdtrt_id, m.psn_no, m.fixmedins_code, m.begntime, m.endtime AS recorded_end,
         coalesce(m.endtime, $window_to::TIMESTAMP + INTERVAL 1 DAY) AS endtime
  FROM clean_mdtrt m
  WHERE m.med_type LIKE '2%' AND m.begntime IS NOT NULL
    AND coalesce(m.endtime, m.begntime) >= $scan_from::TIMESTAMP
),
candidate AS (
  -- pairs on the recorded (or open) ends: a superset, since the last charge can only end a stay earlier
  SELECT b.psn_no, b.mdtrt_id, b.fixmedins_code, b.begntime, b.endtime AS b_end, b.recorded_end,
         a.mdtrt_id AS earlier_mdtrt_id, a.fixmedins_code AS earlier_fixmedins_code,
         a.begntime AS earlier_begntime, a.endtime AS a_end, a.recorded_end AS earlier_recorded_end
  FROM stay a JOIN stay b
    ON b.psn_no = a.psn_no AND b.fixmedins_code <> a.fixmedins_code
   AND (b.begntime > a.begntime OR (b.begntime = a.begntime AND b.mdtrt_id > a.mdtrt_id))
   AND b.begntime < a.endtime
),
last_fee AS (
  -- one read of the candidate stays' lines: the last charge, and whether a dialysis item was billed
  SELECT f.mdtrt_id, max(f.fee_ocur_time) AS last_fee,
         bool_or(starts_with(f.med_list_codg, '00311000006') OR starts_with(f.med_list_codg, '00311000002') OR contains(f.hilist_name, '透析')) AS dialysis_item
  FROM clean_fee f
  WHERE f.mdtrt_id IN (SELECT mdtrt_id FROM candidate UNION SELECT earlier_mdtrt_id FROM candidate)
  GROUP BY f.mdtrt_id
),
pair AS (
  SELECT *, begntime::DATE AS overlap_from, least(earlier_endtime, endtime)::DATE AS overlap_to
  FROM (
    SELECT c.psn_no, c.mdtrt_id, c.fixmedins_code, c.begntime, c.earlier_mdtrt_id, c.earlier_fixmedins_code,
           c.earlier_begntime, c.earlier_recorded_end,
           CASE WHEN c.recorded_end IS NULL THEN coalesce(lb.last_fee, c.b_end) ELSE c.b_end END AS endtime,
           CASE WHEN c.earlier_recorded_end IS NULL THEN coalesce(la.last_fee, c.a_end)
                WHEN la.last_fee::DATE <= c.begntime::DATE AND c.earlier_recorded_end::DATE <= c.begntime::DATE + 1
                  THEN least(c.a_end, c.begntime)
                ELSE c.a_end END AS earlier_endtime
    FROM candidate c
    LEFT JOIN last_fee la ON la.mdtrt_id = c.earlier_mdtrt_id
    LEFT JOIN last_fee lb ON lb.mdtrt_id = c.mdtrt_id
  )
),
overlap AS (
  SELECT pair.*, date_diff('day', overlap_from, overlap_to) AS overlap_days, pe.insu_admdvs, p.min_overlap_days, p.exempt_dialysis
  FROM pair
  JOIN psn_info pe ON pe.psn_no = pair.psn_no
  JOIN params p ON p.admdvs = pe.insu_admdvs
  WHERE date_diff('day', overlap_from, overlap_to) >= p.min_overlap_days
),
dialysis_stay AS (
  SELECT DISTINCT m.mdtrt_id
  FROM (SELECT m.mdtrt_id,
               list_prepend(m.dscg_maindiag_code, coalesce(string_split(m.diag_codes, '|'), []::VARCHAR[])) AS diags,
               coalesce(string_split(m.oprn_oprt_codes, '|'), []::VARCHAR[]) AS oprns
        FROM clean_mdtrt m
        WHERE m.mdtrt_id IN (SELECT mdtrt_id FROM overlap WHERE exempt_dialysis UNION SELECT earlier_mdtrt_id FROM overlap WHERE exempt_dialysis)) m
  WHERE list_has_any(list_transform(diags, lambda d: left(upper(replace(trim(d), '.', '')), 3)), ['Z49'])
     OR list_has_any(list_transform(diags, lambda d: left(upper(replace(trim(d), '.', '')), 4)), ['Z992'])
     OR list_has_any(list_transform(oprns, lambda o: left(trim(o), 5)), ['39.95', '54.98'])
  UNION
  SELECT mdtrt_id FROM last_fee WHERE dialysis_item
),
hit AS (
  SELECT * FROM overlap o
  WHERE NOT (o.exempt_dialysis AND (o.mdtrt_id IN (SELECT mdtrt_id FROM dialysis_stay)
                                    OR o.earlier_mdtrt_id IN (SELECT mdtrt_id FROM dialysis_stay)))
  QUALIFY row_number() OVER (PARTITION BY o.mdtrt_id ORDER BY o.overlap_days DESC, o.earlier_mdtrt_id) = 1
),
lines AS (
  SELECT h.mdtrt_id, list(f.feedetl_sn ORDER BY f.feedetl_sn) AS feedetl_sn, sum(f.det_item_fee_sumamt) AS amount
  FROM hit h JOIN clean_fee f ON f.mdtrt_id = h.mdtrt_id
  WHERE f.fee_ocur_time::DATE >= h.overlap_from AND f.fee_ocur_time::DATE < h.overlap_to
  GROUP BY h.mdtrt_id
)
SELECT h.psn_no, h.fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, h.mdtrt_id, NULL::VARCHAR AS setl_id,
       coalesce(l.feedetl_sn, []::VARCHAR[]) AS feedetl_sn, h.insu_admdvs AS admdvs,
       json_object('overlap_days', h.overlap_days, 'overlap_from', h.overlap_from::VARCHAR, 'overlap_to', h.overlap_to::VARCHAR,
                   'stay_begin', strftime(h.begntime, '%Y-%m-%d %H:%M:%S'), 'fixmedins_name', fb.fixmedins_name,
                   'earlier_mdtrt_id', h.earlier_mdtrt_id, 'earlier_fixmedins_code', h.earlier_fixmedins_code,
                   'earlier_fixmedins_name', fa.fixmedins_name,
                   'earlier_begin', strftime(h.earlier_begntime, '%Y-%m-%d %H:%M:%S'),
                   'earlier_end', strftime(h.earlier_endtime, '%Y-%m-%d %H:%M:%S'),
                   'earlier_end_recorded', h.earlier_recorded_end IS NOT NULL,
                   'lines', len(coalesce(l.feedetl_sn, []::VARCHAR[]))) AS measured,
       json_object('min_overlap_days', h.min_overlap_days, 'exempt_dialysis', h.exempt_dialysis) AS threshold,
       NULL::JSON AS peer,
       coalesce(l.amount, 0)::DECIMAL(14, 2) AS amount_at_risk,
       h.begntime::DATE AS activity_date,
       h.mdtrt_id AS evidence_key
FROM hit h
LEFT JOIN lines l ON l.mdtrt_id = h.mdtrt_id
LEFT JOIN fixmedins fa ON fa.fixmedins_code = h.earlier_fixmedins_code
LEFT JOIN fixmedins fb ON fb.fixmedins_code = h.fixmedins_code
