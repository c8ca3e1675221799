-- kp_surgery_discount: two or more different operations of one operation group (知识库第二批 限定主次操作,
-- e.g. 胃肠手术组) billed in one visit on one day — i.e. through the same incision — where the second and later
-- operations were not discounted. The main operation is the group's highest-priced line of the day; a later
-- operation is "not discounted" when its unit price is above p.discount_ratio × its full price (+ p.price_tolerance
-- yuan) — so both lines at full price are always caught, and so is a partial discount above the ratio.
-- Full price = pric_uplmt_amt of the line, else med_catalog.pric_uplmt_amt, else the highest unit price of that
-- code at that provider in the scanned period. Offending lines = the not-discounted later operations.
-- One hit per visit; amount at risk = Σ their totals (measured.overcharge_estimate = Σ (pric − ratio × full) × cnt).
-- Lines are read from $scan_from (the detector's lookback) so a visit's evidence is complete when a stay spans
-- run windows; activity_date is the latest offending day, so each run that sees a new offending line
-- re-emits the visit's whole evidence under the same alert id (evidence_key = mdtrt_id).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
kp_line AS (
  SELECT fe.feedetl_sn, fe.mdtrt_id, fe.psn_no, fe.fixmedins_code, fe.med_list_codg, fe.fee_ocur_time::DATE AS d,
         fe.pric::DOUBLE AS pric, fe.cnt::DOUBLE AS cnt, fe.det_item_fee_sumamt::DECIMAL(14, 2) AS amount,
         coalesce(fe.pric_uplmt_amt, c.pric_uplmt_amt)::DOUBLE AS ceiling, f.admdvs,
         min(k.grp) AS grp, min(k.kp_id) AS kp_id, min(k.item_name) AS item_name
  FROM clean_fee fe
  JOIN kb_current_codes k ON k.code = fe.med_list_codg AND k.rule_class = 'surgery_discount' AND k.grp IS NOT NULL
  JOIN fixmedins f ON f.fixmedins_code = fe.fixmedins_code
  LEFT JOIN med_catalog c ON c.med_list_codg = fe.med_list_codg
  WHERE fe.fee_ocur_time >= $scan_from::DATE AND fe.fee_ocur_time < $window_to::DATE + 1
  GROUP BY ALL
),
priced AS (
  SELECT *, coalesce(ceiling, max(pric) OVER (PARTITION BY fixmedins_code, med_list_codg)) AS full_price
  FROM kp_line
),
grouped AS (
  SELECT p.*, count(DISTINCT med_list_codg) OVER g AS codes_in_group,
         row_number() OVER (PARTITION BY mdtrt_id, grp, d ORDER BY pric DESC, amount DESC, feedetl_sn) AS rank_in_group
  FROM priced p, win
  WHERE p.d BETWEEN win.scan_from AND win.window_to
  WINDOW g AS (PARTITION BY mdtrt_id, grp, d)
),
judged AS (
  SELECT g.*, g.pric > pa.discount_ratio * g.full_price + pa.price_tolerance AS not_discounted,
         max(CASE WHEN g.rank_in_group = 1 THEN g.med_list_codg END) OVER w AS main_code,
         max(CASE WHEN g.rank_in_group = 1 THEN g.item_name END) OVER w AS main_name
  FROM grouped g JOIN params pa ON pa.admdvs = g.admdvs
  WHERE g.codes_in_group >= 2
  WINDOW w AS (PARTITION BY g.mdtrt_id, g.grp, g.d)
),
offending AS (
  SELECT * FROM judged
  WHERE rank_in_group > 1 AND not_discounted AND med_list_codg <> main_code
)
SELECT any_value(o.psn_no) AS psn_no, any_value(o.fixmedins_code) AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg,
       o.mdtrt_id, NULL::VARCHAR AS setl_id,
       list(o.feedetl_sn ORDER BY o.feedetl_sn) AS feedetl_sn, any_value(o.admdvs) AS admdvs,
       json_object('groups', list(DISTINCT o.grp ORDER BY o.grp), 'main_codes', list(DISTINCT o.main_code ORDER BY o.main_code),
                   'main_names', list(DISTINCT o.main_name ORDER BY o.main_name), 'dates', list(DISTINCT o.d ORDER BY o.d),
                   'secondary', list(json_object('feedetl_sn', o.feedetl_sn, 'med_list_codg', o.med_list_codg,
                                                 'item_name', o.item_name, 'pric', o.pric, 'full_price', o.full_price)
                                     ORDER BY o.feedetl_sn),
                   'overcharge_estimate', round(sum((o.pric - pa.discount_ratio * o.full_price) * o.cnt), 2)) AS measured,
       json_object('discount_ratio', any_value(pa.discount_ratio), 'price_tolerance', any_value(pa.price_tolerance)) AS threshold,
       NULL::JSON AS peer,
       sum(o.amount)::DECIMAL(14, 2) AS amount_at_risk,
       max(o.d) AS activity_date,
       o.mdtrt_id AS evidence_key
FROM offending o JOIN params pa ON pa.admdvs = o.admdvs
GROUP BY o.mdtrt_id
