-- overlapping_inpatient_stays: a person's inpatient stay (med_type 2x) that begins while an earlier stay of the
-- same person at another provider has not ended. Overlap days = least(both ends)::DATE - later begin::DATE, so a
-- transfer (discharged and admitted elsewhere the same day) overlaps 0 days and does not fire. A stay without
-- an end time counts as running to the window end. One hit per later-starting stay (the earlier stay with the
-- longest overlap is named); offending lines = the later stay's lines dated inside the overlap.
WITH stay AS (
  SELECT m.mdtrt_id, m.psn_no, m.fixmedins_code, m.begntime,
         coalesce(m.endtime, $window_to::TIMESTAMP + INTERVAL 1 DAY) AS endtime
  FROM clean_mdtrt m
  WHERE m.med_type LIKE '2%' AND m.begntime IS NOT NULL
    AND coalesce(m.endtime, m.begntime) >= $scan_from::TIMESTAMP
),
pair AS (
  SELECT b.psn_no, b.mdtrt_id, b.fixmedins_code, b.begntime, b.endtime,
         a.mdtrt_id AS earlier_mdtrt_id, a.fixmedins_code AS earlier_fixmedins_code,
         a.begntime AS earlier_begntime, a.endtime AS earlier_endtime,
         b.begntime::DATE AS overlap_from, least(a.endtime, b.endtime)::DATE AS overlap_to
  FROM stay a JOIN stay b
    ON b.psn_no = a.psn_no AND b.fixmedins_code <> a.fixmedins_code
   AND (b.begntime > a.begntime OR (b.begntime = a.begntime AND b.mdtrt_id > a.mdtrt_id))
   AND b.begntime < a.endtime
),
hit AS (
  SELECT pair.*, date_diff('day', overlap_from, overlap_to) AS overlap_days, pe.insu_admdvs, p.min_overlap_days
  FROM pair
  JOIN psn_info pe ON pe.psn_no = pair.psn_no
  JOIN params p ON p.admdvs = pe.insu_admdvs
  WHERE date_diff('day', overlap_from, overlap_to) >= p.min_overlap_days
  QUALIFY row_number() OVER (PARTITION BY pair.mdtrt_id ORDER BY date_diff('day', overlap_from, overlap_to) DESC, earlier_mdtrt_id) = 1
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
                   'stay_begin', strftime(h.begntime, '%Y-%m-%d %H:%M:%S'),
                   'earlier_mdtrt_id', h.earlier_mdtrt_id, 'earlier_fixmedins_code', h.earlier_fixmedins_code,
                   'earlier_begin', strftime(h.earlier_begntime, '%Y-%m-%d %H:%M:%S'),
                   'earlier_end', strftime(h.earlier_endtime, '%Y-%m-%d %H:%M:%S')) AS measured,
       json_object('min_overlap_days', h.min_overlap_days) AS threshold,
       NULL::JSON AS peer,
       coalesce(l.amount, 0)::DECIMAL(14, 2) AS amount_at_risk,
       h.begntime::DATE AS activity_date,
       h.mdtrt_id AS evidence_key
FROM hit h LEFT JOIN lines l ON l.mdtrt_id = h.mdtrt_id
