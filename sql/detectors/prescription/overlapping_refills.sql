-- overlapping_refills: a fill = one visit's purchase of one drug (drug lines with prd_days > 0 grouped per
-- visit and drug key; the drug key is med_catalog.ingredient when the catalogue gives one, else med_list_codg;
-- supply = the largest prd_days among those lines, so two lines of one prescription are not counted twice;
-- a purchase whose lines net to zero quantity on the visit (sale and return) is no fill).
-- For each fill F of a person and drug, the prior fills within p.window_days before it give
--   prior_supply = Σ their supply, elapsed = days from the earliest of them to F.
-- F is a triggering fill when (prior fills + 1) ≥ p.min_fills, distinct providers ≥ p.min_providers and
--   prior_supply > elapsed × p.ratio + p.travel_tolerance_days
-- (the person still held far more medicine than the days gone by when buying again).
-- One hit per person and drug over the triggering fills dated in the run window: feedetl_sn = the lines of
-- the triggering fills and of the prior fills they were compared with; amount at risk = Σ lines of the
-- triggering fills; evidence key = drug key and the first triggering date.
WITH cat AS (
  SELECT med_list_codg, min(ingredient) AS ingredient FROM med_catalog
  WHERE ingredient IS NOT NULL AND trim(ingredient) <> '' GROUP BY med_list_codg
),
timed AS (
  -- a line without fee time is dated by its visit's begin: only those lines are joined to their visit
  SELECT fe.*, fe.fee_ocur_time AS t FROM clean_fee fe WHERE fe.fee_ocur_time IS NOT NULL
  UNION ALL
  SELECT fe.*, m.begntime AS t FROM clean_fee fe JOIN clean_mdtrt m ON m.mdtrt_id = fe.mdtrt_id WHERE fe.fee_ocur_time IS NULL
),
line AS NOT MATERIALIZED (
  SELECT fe.feedetl_sn, fe.mdtrt_id, fe.psn_no, fe.fixmedins_code, fe.med_list_codg, fe.hilist_name, fe.prd_days, fe.cnt,
         fe.det_item_fee_sumamt, fe.t AS fee_ocur_time,
         coalesce('ingredient:' || c.ingredient, 'code:' || fe.med_list_codg) AS drug_key
  FROM timed fe
  LEFT JOIN cat c ON c.med_list_codg = fe.med_list_codg
  WHERE (fe.list_type IN ('101', '102') OR fe.med_chrgitm_type IN ('09', '10', '11'))
    AND fe.prd_days > 0 AND fe.psn_no IS NOT NULL
    AND fe.t >= $scan_from::DATE
),
fill AS (
  SELECT psn_no, drug_key, mdtrt_id, any_value(fixmedins_code) AS fixmedins_code, min(fee_ocur_time) AS fill_time,
         min(fee_ocur_time)::DATE AS fill_date, max(prd_days) FILTER (WHERE coalesce(cnt, 1) > 0) AS supply,
         sum(det_item_fee_sumamt) AS amount, any_value(hilist_name) AS hilist_name
  FROM line GROUP BY psn_no, drug_key, mdtrt_id
  HAVING coalesce(sum(cnt), 1) > 0 -- a purchase returned on the same visit (negative line) is no fill
),
person AS (
  SELECT fl.*, coalesce(ps.insu_admdvs, fx.admdvs) AS admdvs
  FROM fill fl
  LEFT JOIN psn_info ps ON ps.psn_no = fl.psn_no
  LEFT JOIN fixmedins fx ON fx.fixmedins_code = fl.fixmedins_code
),
pair AS (
  -- each fill with the prior fills of the same person and drug inside the window
  SELECT f.psn_no, f.drug_key, f.mdtrt_id, f.fill_date, f.amount, f.fixmedins_code, f.admdvs, f.hilist_name,
         f.supply,
         e.mdtrt_id AS prior_mdtrt_id, e.fill_date AS prior_date, e.supply AS prior_supply,
         e.fixmedins_code AS prior_provider,
         p.ratio, p.min_fills, p.travel_tolerance_days, p.window_days, p.min_providers
  FROM person f
  JOIN params p ON p.admdvs = f.admdvs
  JOIN fill e ON e.psn_no = f.psn_no AND e.drug_key = f.drug_key
   AND (e.fill_time < f.fill_time OR (e.fill_time = f.fill_time AND e.mdtrt_id < f.mdtrt_id))
   AND e.fill_date > f.fill_date - CAST(p.window_days AS INTEGER)
),
scored AS (
  SELECT psn_no, drug_key, mdtrt_id, any_value(fill_date) AS fill_date, any_value(amount) AS amount,
         any_value(admdvs) AS admdvs, any_value(hilist_name) AS hilist_name,
         any_value(supply) AS supply,
         count(*) + 1 AS fills, sum(prior_supply) AS prior_supply,
         date_diff('day', min(prior_date), any_value(fill_date)) AS elapsed,
         count(DISTINCT prior_provider) + CASE WHEN list_contains(list(prior_provider), any_value(fixmedins_code)) THEN 0 ELSE 1 END AS providers,
         any_value(ratio) AS ratio, any_value(min_fills) AS min_fills, any_value(travel_tolerance_days) AS tolerance,
         any_value(window_days) AS window_days, any_value(min_providers) AS min_providers
  FROM pair GROUP BY psn_no, drug_key, mdtrt_id
),
trig AS (
  SELECT * FROM scored
  WHERE fills >= min_fills AND providers >= min_providers AND prior_supply > elapsed * ratio + tolerance
    AND fill_date BETWEEN $window_from::DATE AND $window_to::DATE
),
evidence AS (
  -- the lines of the triggering fills and of the prior fills they were compared with, read again for those
  -- few fills only (no line lists carried through the fills and the pairing)
  SELECT n.psn_no, n.drug_key, list_sort(list_distinct(list(l.feedetl_sn))) AS feedetl_sn
  FROM (
    SELECT psn_no, drug_key, mdtrt_id FROM trig
    UNION
    SELECT t.psn_no, t.drug_key, pr.prior_mdtrt_id
    FROM trig t JOIN pair pr ON pr.psn_no = t.psn_no AND pr.drug_key = t.drug_key AND pr.mdtrt_id = t.mdtrt_id
  ) n
  JOIN line l ON l.psn_no = n.psn_no AND l.drug_key = n.drug_key AND l.mdtrt_id = n.mdtrt_id
  GROUP BY n.psn_no, n.drug_key
)
SELECT psn_no, NULL::VARCHAR AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id,
       any_value(ev.feedetl_sn) AS feedetl_sn,
       any_value(admdvs) AS admdvs,
       json_object('drug', drug_key, 'hilist_name', any_value(hilist_name),
                   'triggering_fills', count(*), 'trigger_visits', list(mdtrt_id ORDER BY fill_date, mdtrt_id),
                   'max_fills_in_window', max(fills), 'max_providers', max(providers),
                   'worst_prior_supply_days', arg_max(prior_supply, prior_supply - elapsed * ratio),
                   'worst_elapsed_days', arg_max(elapsed, prior_supply - elapsed * ratio),
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
