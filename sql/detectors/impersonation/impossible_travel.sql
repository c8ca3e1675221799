-- impossible_travel: two outpatient/pharmacy settlements (inpatient stays excluded: their settlement time says
-- little about where the person is) of one person on the same calendar day, at providers whose great-circle
-- distance (haversine on fixmedins lat/lon, earth radius 6371 km) exceeds min_distance_km, at most
-- max_gap_hours apart. Providers without coordinates are not compared. One hit per later visit of the day
-- (the farthest earlier settlement is named); offending lines = the later visit's lines.
WITH setl AS (
  SELECT s.setl_id, s.mdtrt_id, s.psn_no, s.fixmedins_code, s.setl_time, f.lat, f.lon
  FROM clean_setl s JOIN fixmedins f ON f.fixmedins_code = s.fixmedins_code
  WHERE s.med_type NOT LIKE '2%' AND s.setl_time >= $scan_from::TIMESTAMP
    AND f.lat IS NOT NULL AND f.lon IS NOT NULL
),
pair AS (
  SELECT b.*, a.setl_id AS earlier_setl_id, a.mdtrt_id AS earlier_mdtrt_id, a.fixmedins_code AS earlier_fixmedins_code,
         a.setl_time AS earlier_setl_time,
         2 * 6371 * asin(sqrt(
           pow(sin(radians(b.lat - a.lat) / 2), 2)
           + cos(radians(a.lat)) * cos(radians(b.lat)) * pow(sin(radians(b.lon - a.lon) / 2), 2))) AS distance_km,
         date_diff('second', a.setl_time, b.setl_time) / 3600.0 AS gap_hours
  FROM setl a JOIN setl b
    ON b.psn_no = a.psn_no AND b.setl_time::DATE = a.setl_time::DATE AND b.fixmedins_code <> a.fixmedins_code
   AND b.mdtrt_id <> a.mdtrt_id
   AND (b.setl_time > a.setl_time OR (b.setl_time = a.setl_time AND b.setl_id > a.setl_id))
),
hit AS (
  SELECT pair.*, pe.insu_admdvs, p.min_distance_km, p.max_gap_hours
  FROM pair
  JOIN psn_info pe ON pe.psn_no = pair.psn_no
  JOIN params p ON p.admdvs = pe.insu_admdvs
  WHERE pair.distance_km > p.min_distance_km AND pair.gap_hours <= p.max_gap_hours
  QUALIFY row_number() OVER (PARTITION BY pair.mdtrt_id ORDER BY pair.distance_km DESC, pair.earlier_setl_id) = 1
),
lines AS (
  SELECT h.mdtrt_id, list(f.feedetl_sn ORDER BY f.feedetl_sn) AS feedetl_sn, sum(f.det_item_fee_sumamt) AS amount
  FROM hit h JOIN clean_fee f ON f.mdtrt_id = h.mdtrt_id
  GROUP BY h.mdtrt_id
)
SELECT h.psn_no, h.fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, h.mdtrt_id, h.setl_id,
       coalesce(l.feedetl_sn, []::VARCHAR[]) AS feedetl_sn, h.insu_admdvs AS admdvs,
       json_object('distance_km', round(h.distance_km, 1), 'gap_hours', round(h.gap_hours, 2),
                   'setl_time', strftime(h.setl_time, '%Y-%m-%d %H:%M:%S'),
                   'earlier_setl_id', h.earlier_setl_id, 'earlier_mdtrt_id', h.earlier_mdtrt_id,
                   'earlier_fixmedins_code', h.earlier_fixmedins_code,
                   'earlier_setl_time', strftime(h.earlier_setl_time, '%Y-%m-%d %H:%M:%S')) AS measured,
       json_object('min_distance_km', h.min_distance_km, 'max_gap_hours', h.max_gap_hours) AS threshold,
       NULL::JSON AS peer,
       coalesce(l.amount, 0)::DECIMAL(14, 2) AS amount_at_risk,
       h.setl_time::DATE AS activity_date,
       h.mdtrt_id AS evidence_key
FROM hit h LEFT JOIN lines l ON l.mdtrt_id = h.mdtrt_id
