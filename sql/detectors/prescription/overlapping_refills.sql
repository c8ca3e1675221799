-- overlapping_refills: a fill = one visit's purchase of one drug (drug lines with prd_days > 0 grouped per
-- visit and drug key; the drug key is med_catalog.ingredient when the catalogue gives one, else med_list_codg;
-- supply = the largest prd_days among those lines, so two lines of one prescription are not counted twice;
-- a purchase whose lines net to zero quantity on the visit (sale and return) is no fill).
-- For each fill F of a person and drug, the prior fills within p.window_days before it give
--   prior_supply = Σ their supply, elapsed = days from the earliest of them to F.
-- F is a triggering fill when (prior fills + 1) ≥ p.min_fills, distinct providers ≥ p.min_providers and
--   prior_supply > elapsed × p.ratio + p.travel_tolerance_days
-- (the person still held far more medicine than the days gone by when buying again). A refill a few days early, a
-- second supply before a holiday or a trip (travel_tolerance_days) and a long prescription of up to 12 weeks stay
-- below that. A dose change — the same product bought at a daily quantity (cnt ÷ supply days) at least 1.5 times,
-- or at most 1/1.5 of, the previous fill's — starts a new regimen: the tablets left of the old dose are not counted
-- against the new prescription, and fills are compared with the prior fills of their own regimen only. (The dose
-- text is not used: each provider's system writes it its own way.)
-- One hit per person and drug over the triggering fills dated in the run window: feedetl_sn = the lines of
-- the triggering fills and of the prior fills they were compared with; amount at risk = Σ lines of the
-- triggering fills; evidence key = drug key and the first triggering date.
WITH cat AS (
  SELECT med_list_codg, min(ingredient) AS ingredient FROM med_catalog
  WHERE ingredient IS NOT NULL AND trim(ingredient) <> '' GROUP BY med_list_codg
),
drug_line AS NOT MATERIALIZED (
  SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, med_list_codg, hilist_name, prd_days, cnt, det_item_fee_sumamt, t
  FROM clean_fee_timed
  WHERE (list_type IN ('101', '102') OR med_chrgitm_type IN ('09', '10', '11')) AND prd_days > 0 AND psn_no IS NOT NULL
),
keyed AS NOT MATERIALIZED (
  -- drug key = 'ingredient:' || ingredient, else 'code:' || med_list_codg; grouped on its parts, built once per fill
  SELECT fe.*, c.ingredient, CASE WHEN c.ingredient IS NULL THEN fe.med_list_codg END AS code
  FROM drug_line fe
  LEFT JOIN cat c ON c.med_list_codg = fe.med_list_codg
  WHERE fe.t >= $scan_from::DATE
),
repeat_key AS (
  -- hashes of (person, drug) with lines enough for min_fills fills: a superset of the series below (a hash collision
  -- only keeps more lines), counted on 8-byte keys so that the fill grouping reads the repeated drugs' lines only
  SELECT hash(psn_no, ingredient, code) AS h FROM keyed GROUP BY h
  HAVING count(*) >= greatest(2, coalesce((SELECT min(min_fills) FROM params), 2))
),
fill AS (
  SELECT psn_no, mdtrt_id, coalesce('ingredient:' || ingredient, 'code:' || code) AS drug_key, fixmedins_code, fill_time,
         fill_time::DATE AS fill_date, supply, amount, product, qty / supply AS daily
  FROM (
    SELECT psn_no, mdtrt_id, ingredient, code, any_value(fixmedins_code) AS fixmedins_code, min(t) AS fill_time,
           max(prd_days) FILTER (WHERE coalesce(cnt, 1) > 0) AS supply, sum(det_item_fee_sumamt) AS amount,
           sum(cnt) FILTER (WHERE cnt > 0) AS qty, CASE WHEN min(hash(med_list_codg)) = max(hash(med_list_codg)) THEN min(hash(med_list_codg)) END AS product
    FROM keyed
    WHERE hash(psn_no, ingredient, code) IN (SELECT h FROM repeat_key)
    GROUP BY psn_no, mdtrt_id, ingredient, code
    HAVING coalesce(sum(cnt), 1) > 0 -- a purchase returned on the same visit (negative line) is no fill
  )
),
series AS (
  -- a person's fills of one drug, numbered; a drug bought fewer than min_fills times cannot trigger
  SELECT psn_no, drug_key, row_number() OVER () AS sid
  FROM fill GROUP BY psn_no, drug_key
  HAVING count(*) >= greatest(2, coalesce((SELECT min(min_fills) FROM params), 2))
),
ordered AS (
  -- only what the frames need (the sort behind each window carries these columns), numbered in time order
  SELECT s.sid, f.mdtrt_id, f.fixmedins_code, f.fill_date, f.supply, f.amount, coalesce(ps.insu_admdvs, fx.admdvs) AS admdvs,
         p.ratio, p.min_fills, p.travel_tolerance_days AS tolerance, p.window_days, p.min_providers,
         CAST(p.window_days AS INTEGER) AS window_int,
         greatest(coalesce(CAST(p.window_days AS INTEGER), 1), 1) AS frame_days,
         f.fill_date - DATE '1970-01-01' AS day_no,
         row_number() OVER w_time AS rn,
         lead(f.fill_date - DATE '1970-01-01') OVER w_time AS next_day_no,
         CASE WHEN f.product = lag(f.product) OVER w_time
                   AND (f.daily >= 1.5 * lag(f.daily) OVER w_time OR f.daily * 1.5 <= lag(f.daily) OVER w_time) THEN 1 ELSE 0 END AS dose_change
  FROM fill f
  JOIN series s ON s.psn_no = f.psn_no AND s.drug_key = f.drug_key
  LEFT JOIN psn_info ps ON ps.psn_no = f.psn_no
  LEFT JOIN fixmedins fx ON fx.fixmedins_code = f.fixmedins_code
  LEFT JOIN params p ON p.admdvs = coalesce(ps.insu_admdvs, fx.admdvs)
  WINDOW w_time AS (PARTITION BY s.sid ORDER BY f.fill_time, f.mdtrt_id)
),
ahead AS (
  -- A trigger F with priors P1..Pk needs Σ supply(Pi) > ratio × (F − P1 in days) + tolerance, and F − P1 is the
  -- sum of the gaps from each Pi to the next fill, so some Pi has supply − ratio × gap > min(tolerance, 0) (with
  -- the lowest ratio and tolerance of any region). Only series holding such a fill need the date frames below.
  SELECT DISTINCT sid FROM ordered
  WHERE coalesce(supply, 0) - (next_day_no - day_no) * (SELECT min(ratio) FROM params)
        > least((SELECT min(travel_tolerance_days) FROM params), 0)
),
regimened AS (
  -- regimen = dose changes so far: a series splits into contiguous runs of one dose
  SELECT *, sum(dose_change) OVER (PARTITION BY sid ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS regimen
  FROM ordered SEMI JOIN ahead USING (sid)
),
framed AS (
  -- the prior fills of F inside its window are the fills of its regimen just before it in time order whose date is
  -- > F's date − window: all earlier fills of the regimen but the `aged` prefix dated ≤ that; sums over them =
  -- running sums − aged sums
  SELECT *,
         sum(supply) OVER w_before AS supply_before, count(supply) OVER w_before AS supplied_before,
         count(*) OVER w_aged AS aged, sum(supply) OVER w_aged AS aged_supply, count(supply) OVER w_aged AS aged_supplied,
         min(day_no) OVER w_recent AS recent_first_day, min(rn) OVER w_regimen AS first_rn
  FROM regimened
  WINDOW w_before AS (PARTITION BY sid, regimen ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
         w_aged AS (PARTITION BY sid, regimen ORDER BY day_no RANGE BETWEEN UNBOUNDED PRECEDING AND frame_days PRECEDING),
         w_recent AS (PARTITION BY sid, regimen ORDER BY day_no RANGE BETWEEN frame_days - 1 PRECEDING AND CURRENT ROW),
         w_regimen AS (PARTITION BY sid, regimen)
),
scored AS (
  SELECT *, priors + 1 AS fills,
         CASE WHEN supplied_before - coalesce(aged_supplied, 0) > 0 THEN supply_before - coalesce(aged_supply, 0) END AS prior_supply,
         day_no - recent_first_day AS elapsed
  FROM (SELECT *, CASE WHEN window_int >= 1 THEN rn - first_rn - aged ELSE 0 END AS priors FROM framed)
  WHERE priors >= 1
),
candidate AS (
  SELECT * FROM scored
  WHERE fills >= min_fills AND prior_supply > elapsed * ratio + tolerance
    AND fill_date BETWEEN $window_from::DATE AND $window_to::DATE
),
compared AS (
  -- a candidate fill with itself and its prior fills
  SELECT c.sid, c.rn, o.mdtrt_id, o.fixmedins_code
  FROM candidate c JOIN framed o ON o.sid = c.sid AND o.rn BETWEEN c.rn - c.priors AND c.rn
),
trig AS (
  SELECT s.psn_no, s.drug_key, c.*, pv.providers
  FROM candidate c
  JOIN (SELECT sid, rn, count(DISTINCT fixmedins_code) AS distinct_providers FROM compared GROUP BY sid, rn) d USING (sid, rn)
  CROSS JOIN LATERAL (SELECT d.distinct_providers + CASE WHEN c.fixmedins_code IS NULL THEN 1 ELSE 0 END AS providers) pv
  JOIN series s ON s.sid = c.sid
  WHERE pv.providers >= c.min_providers
),
evidence_fill AS (
  SELECT DISTINCT t.psn_no, t.drug_key, cm.mdtrt_id
  FROM trig t JOIN compared cm ON cm.sid = t.sid AND cm.rn = t.rn
),
evidence_line AS (
  -- the lines of the triggering fills and of the prior fills they were compared with, read again for those
  -- few visits only (no line lists carried through the fills)
  SELECT feedetl_sn, psn_no, mdtrt_id, hilist_name, coalesce('ingredient:' || ingredient, 'code:' || code) AS drug_key
  FROM keyed WHERE mdtrt_id IN (SELECT mdtrt_id FROM evidence_fill)
),
evidence AS (
  SELECT n.psn_no, n.drug_key, list_sort(list_distinct(list(l.feedetl_sn))) AS feedetl_sn, any_value(l.hilist_name) AS hilist_name
  FROM evidence_fill n
  JOIN evidence_line l ON l.psn_no = n.psn_no AND l.drug_key = n.drug_key AND l.mdtrt_id = n.mdtrt_id
  GROUP BY n.psn_no, n.drug_key
)
SELECT psn_no, NULL::VARCHAR AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id,
       any_value(ev.feedetl_sn) AS feedetl_sn,
       any_value(admdvs) AS admdvs,
       json_object('drug', drug_key, 'hilist_name', any_value(ev.hilist_name),
                   'triggering_fills', count(*), 'trigger_visits', list(mdtrt_id ORDER BY fill_date, mdtrt_id),
                   'max_fills_in_window', max(fills), 'max_providers', max(providers),
                   'worst_fill_date', first(fill_date ORDER BY prior_supply - elapsed * ratio DESC, fill_date)::VARCHAR,
                   'worst_prior_supply_days', first(prior_supply ORDER BY prior_supply - elapsed * ratio DESC, fill_date),
                   'worst_elapsed_days', first(elapsed ORDER BY prior_supply - elapsed * ratio DESC, fill_date),
                   'worst_allowed_days', first(elapsed * ratio + tolerance ORDER BY prior_supply - elapsed * ratio DESC, fill_date),
                   'first_trigger_date', min(fill_date)::VARCHAR, 'last_trigger_date', max(fill_date)::VARCHAR,
                   'amount_basis', '触发购药的费用 lines of the refills bought while supply on hand was far ahead') AS measured,
       json_object('window_days', any_value(window_days), 'ratio', any_value(ratio), 'min_fills', any_value(min_fills),
                   'travel_tolerance_days', any_value(tolerance), 'min_providers', any_value(min_providers)) AS threshold,
       NULL::JSON AS peer,
       sum(amount)::DECIMAL(14, 2) AS amount_at_risk,
       min(fill_date) AS activity_date,
       drug_key || '|' || min(fill_date)::VARCHAR AS evidence_key
FROM trig JOIN evidence ev USING (psn_no, drug_key)
GROUP BY psn_no, drug_key
