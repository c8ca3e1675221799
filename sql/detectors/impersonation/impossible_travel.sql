-- impossible_travel: consecutive uses of one person's card at providers too far apart for the time between them.
-- A use is an outpatient or pharmacy visit with a settlement (inpatient stays are left out: their times say little
-- about where the person is); consecutive in order of visit begin. The trip runs from the earlier visit's departure
-- — its end, or its settlement when that is earlier — to the later visit's begin (registration or sale): a bill paid
-- later in the app (医保移动支付) says nothing of where the person then is, the registration does. Distance =
-- great-circle (haversine on fixmedins lat/lon, earth radius 6371 km); providers without coordinates are left out.
-- The least door-to-door time for a distance d is
--   min(d ÷ p.max_speed_kmh,                                     road or regional rail, great-circle speed
--       p.long_distance_overhead_minutes + d ÷ p.long_distance_speed_kmh)   high-speed rail or air, with getting to
--                                                                 and from the station or airport
-- and a pair fires when d ≥ p.min_distance_km (same-city hops never count) and the trip is shorter than that time
-- (implied speed = d ÷ trip). Online care does not place the person: the contract's marker (mdtrt_d.mdtrt_mode) is
-- not in the store, so its documented fallback is used — a visit whose department, or a provider whose name,
-- contains one of p.online_markers (互联网医院, 远程 consultations, delivery 配送/送药 orders) is left out before the
-- visits are paired. One hit per later visit; offending lines = its lines.
WITH marker AS (
  SELECT DISTINCT trim(unnest(string_split(online_markers, ','))) AS m FROM params
),
place AS (
  SELECT f.fixmedins_code, f.lat, f.lon
  FROM fixmedins f
  WHERE f.lat IS NOT NULL AND f.lon IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM marker k WHERE k.m <> '' AND contains(coalesce(f.fixmedins_name, ''), k.m))
),
visit AS (
  SELECT m.mdtrt_id, m.psn_no, m.fixmedins_code, m.begntime, m.endtime, m.dept_name, f.lat, f.lon
  FROM clean_mdtrt m
  JOIN place f ON f.fixmedins_code = m.fixmedins_code
  WHERE m.med_type NOT LIKE '2%' AND m.begntime >= $scan_from::TIMESTAMP AND m.psn_no IS NOT NULL
),
traveller AS (
  -- persons whose providers lie at least the shortest min_distance_km apart (the corners of their bounding box):
  -- everyone else stays within one place and needs no ordering (online visits count here, a superset)
  SELECT psn_no FROM visit GROUP BY psn_no
  HAVING 2 * 6371 * asin(sqrt(pow(sin(radians(max(lat) - min(lat)) / 2), 2)
                              + cos(radians(min(lat))) * cos(radians(max(lat))) * pow(sin(radians(max(lon) - min(lon)) / 2), 2)))
         >= (SELECT min(min_distance_km) FROM params)
),
travel_visit AS MATERIALIZED (
  SELECT v.* FROM visit v SEMI JOIN traveller t ON t.psn_no = v.psn_no
),
online_dept AS (
  -- the few distinct department names of those visits, each checked once against the markers
  SELECT d.dept_name
  FROM (SELECT DISTINCT dept_name FROM travel_visit WHERE dept_name IS NOT NULL) d
  WHERE EXISTS (SELECT 1 FROM marker k WHERE k.m <> '' AND contains(d.dept_name, k.m))
),
card_use AS (
  SELECT v.mdtrt_id, v.psn_no, v.fixmedins_code, v.begntime, s.setl_id, s.setl_time, v.lat, v.lon,
         greatest(v.begntime, least(coalesce(v.endtime, s.setl_time), s.setl_time)) AS departure
  FROM travel_visit v
  ANTI JOIN online_dept od ON od.dept_name = v.dept_name
  JOIN (SELECT s.mdtrt_id, min(s.setl_time) AS setl_time, min(s.setl_id) AS setl_id
        FROM clean_setl s SEMI JOIN traveller t ON t.psn_no = s.psn_no
        WHERE s.med_type NOT LIKE '2%' AND s.setl_time >= $scan_from::TIMESTAMP GROUP BY s.mdtrt_id) s
    ON s.mdtrt_id = v.mdtrt_id
),
seq AS (
  SELECT *, prev.mdtrt_id AS earlier_mdtrt_id, prev.fixmedins_code AS earlier_fixmedins_code, prev.departure AS earlier_departure,
         prev.setl_time AS earlier_setl_time, prev.lat AS earlier_lat, prev.lon AS earlier_lon
  FROM (SELECT *, lag(struct_pack(mdtrt_id, fixmedins_code, departure, setl_time, lat, lon))
                    OVER (PARTITION BY psn_no ORDER BY begntime, mdtrt_id) AS prev
        FROM card_use)
),
pair AS (
  SELECT *, 2 * 6371 * asin(sqrt(
              pow(sin(radians(lat - earlier_lat) / 2), 2)
              + cos(radians(earlier_lat)) * cos(radians(lat)) * pow(sin(radians(lon - earlier_lon) / 2), 2))) AS distance_km,
         date_diff('second', earlier_departure, begntime) / 60.0 AS gap_minutes
  FROM seq
  WHERE earlier_mdtrt_id IS NOT NULL AND fixmedins_code <> earlier_fixmedins_code
),
hit AS (
  SELECT pair.*, pe.insu_admdvs, p.min_distance_km, p.max_speed_kmh, p.long_distance_overhead_minutes, p.long_distance_speed_kmh,
         least(distance_km / p.max_speed_kmh * 60,
               p.long_distance_overhead_minutes + distance_km / p.long_distance_speed_kmh * 60) AS min_travel_minutes
  FROM pair
  JOIN psn_info pe ON pe.psn_no = pair.psn_no
  JOIN params p ON p.admdvs = pe.insu_admdvs
  WHERE pair.distance_km >= p.min_distance_km
    AND pair.gap_minutes < least(pair.distance_km / p.max_speed_kmh * 60,
                                 p.long_distance_overhead_minutes + pair.distance_km / p.long_distance_speed_kmh * 60)
),
lines AS (
  SELECT h.mdtrt_id, list(f.feedetl_sn ORDER BY f.feedetl_sn) AS feedetl_sn, sum(f.det_item_fee_sumamt) AS amount
  FROM hit h JOIN clean_fee f ON f.mdtrt_id = h.mdtrt_id
  GROUP BY h.mdtrt_id
)
SELECT h.psn_no, h.fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, h.mdtrt_id, h.setl_id,
       coalesce(l.feedetl_sn, []::VARCHAR[]) AS feedetl_sn, h.insu_admdvs AS admdvs,
       json_object('distance_km', round(h.distance_km, 1), 'gap_minutes', round(h.gap_minutes, 1),
                   'speed_kmh', CASE WHEN h.gap_minutes > 0 THEN round(h.distance_km / h.gap_minutes * 60) END,
                   'min_travel_minutes', round(h.min_travel_minutes),
                   'visit_begin', strftime(h.begntime, '%Y-%m-%d %H:%M:%S'),
                   'setl_time', strftime(h.setl_time, '%Y-%m-%d %H:%M:%S'), 'fixmedins_name', fa.fixmedins_name,
                   'earlier_mdtrt_id', h.earlier_mdtrt_id, 'earlier_fixmedins_code', h.earlier_fixmedins_code,
                   'earlier_fixmedins_name', fb.fixmedins_name,
                   'earlier_departure', strftime(h.earlier_departure, '%Y-%m-%d %H:%M:%S'),
                   'earlier_setl_time', strftime(h.earlier_setl_time, '%Y-%m-%d %H:%M:%S')) AS measured,
       json_object('min_distance_km', h.min_distance_km, 'max_speed_kmh', h.max_speed_kmh,
                   'long_distance_overhead_minutes', h.long_distance_overhead_minutes,
                   'long_distance_speed_kmh', h.long_distance_speed_kmh) AS threshold,
       NULL::JSON AS peer,
       coalesce(l.amount, 0)::DECIMAL(14, 2) AS amount_at_risk,
       h.begntime::DATE AS activity_date,
       h.mdtrt_id AS evidence_key
FROM hit h
LEFT JOIN lines l ON l.mdtrt_id = h.mdtrt_id
LEFT JOIN fixmedins fa ON fa.fixmedins_code = h.fixmedins_code
LEFT JOIN fixmedins fb ON fb.fixmedins_code = h.earlier_fixmedins_code
