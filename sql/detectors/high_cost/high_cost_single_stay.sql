-- high_cost_single_stay: an inpatient stay (med_type 2x, discharged in the window) whose total cost (Σ
-- medfee_sumamt of its non-reversed settlements) is at least p.min_stay_cost AND whose cost is not explained by
-- ordinary care. Size alone is not a finding: intensive care, ECMO, targeted cancer drugs or a joint replacement
-- cost this much by nature. A stay fires on either of two findings:
--   price — fee lines billed at ≥ p.min_price_ratio × the item's usual unit price (its most common price on the
--     stays of the same case-mix group in the scanned history, items with ≥ p.min_item_lines lines there) add up,
--     above the usual price, to ≥ p.min_overprice_share of the stay total (e.g. an implant billed at four times its
--     price);
--   case mix — the total is ≥ p.min_peer_ratio × the median total of stays of the same case-mix group
--     (principal diagnosis category × principal operation, as in cost_per_stay_peer; ≥ p.min_peer_stays stays in
--     the scanned history, else no finding) and the stay has no high-intensity care that explains it: no diagnosis,
--     procedure or fee line starting with p.intensive_diag_prefixes / p.intensive_oprn_prefixes /
--     p.intensive_item_prefixes (data/reference/clinical/high-intensity-care-codes.csv: ICU, ECMO, ventilation,
--     dialysis, transplants, radiotherapy, antineoplastic and immunosuppressive drugs).
-- feedetl_sn = the overpriced lines. Amount at risk = the larger of the amount above the usual prices and the
-- excess of the total over the case-mix median (when that finding holds).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
stay AS (
  SELECT m.mdtrt_id, any_value(m.psn_no) AS psn_no, any_value(m.fixmedins_code) AS fixmedins_code,
         any_value(m.dscg_maindiag_code) AS diag, upper(left(trim(any_value(m.dscg_maindiag_code)), 3)) AS diag3,
         any_value(m.dscg_maindiag_name) AS diag_name, any_value(m.diag_codes) AS diag_codes, any_value(m.oprn_oprt_codes) AS oprn_codes,
         any_value(m.begntime)::DATE AS adm_date, coalesce(any_value(m.endtime), max(s.setl_time))::DATE AS dscg_date,
         sum(s.medfee_sumamt) AS total_cost, count(*) AS settlements, list(s.setl_id) AS setl_ids
  FROM clean_mdtrt m JOIN clean_setl s ON s.mdtrt_id = m.mdtrt_id
  WHERE m.med_type LIKE '2%' AND coalesce(m.endtime, m.begntime) >= $scan_from::DATE
  GROUP BY m.mdtrt_id
),
scanned AS MATERIALIZED (SELECT stay.* FROM stay, win WHERE dscg_date BETWEEN win.scan_from AND win.window_to),
cand AS MATERIALIZED (
  SELECT s.*, f.admdvs, p.min_stay_cost, p.min_price_ratio, p.min_overprice_share, p.min_item_lines, p.min_peer_ratio, p.min_peer_stays,
         upper(coalesce(s.diag, '') || '|' || coalesce(s.diag_codes, '')) AS diags, coalesce(s.oprn_codes, '') AS oprns,
         coalesce(left(list_filter(list_transform(string_split(coalesce(s.oprn_codes, ''), '|'), lambda x: trim(x)),
                                   lambda x: TRY_CAST(left(x, 2) AS INTEGER) <= 86)[1], 4), '') AS op,
         list_filter(list_transform(string_split(p.intensive_item_prefixes, ','), lambda x: trim(x)), lambda x: x <> '') AS xitem,
         list_filter(list_transform(string_split(p.intensive_oprn_prefixes, ','), lambda x: trim(x)), lambda x: x <> '') AS xoprn,
         list_filter(list_transform(string_split(p.intensive_diag_prefixes, ','), lambda x: upper(trim(x))), lambda x: x <> '') AS xdiag
  FROM scanned s CROSS JOIN win
  JOIN fixmedins f ON f.fixmedins_code = s.fixmedins_code
  JOIN params p ON p.admdvs = f.admdvs
  WHERE s.total_cost >= p.min_stay_cost AND s.dscg_date BETWEEN win.window_from AND win.window_to
),
-- the stays of the candidates' case-mix groups (principal operation worked out for their diagnosis categories only)
group_stay AS (
  SELECT g.* FROM (
    SELECT s.mdtrt_id, s.diag3, s.diag_name, s.total_cost,
           coalesce(left(list_filter(list_transform(string_split(coalesce(s.oprn_codes, ''), '|'), lambda x: trim(x)),
                                     lambda x: TRY_CAST(left(x, 2) AS INTEGER) <= 86)[1], 4), '') AS op
    FROM scanned s WHERE s.diag3 IN (SELECT diag3 FROM cand)) g
  WHERE (g.diag3, g.op) IN (SELECT diag3, op FROM cand)
),
-- The candidates' own lines (those of their non-reversed settlements), and for the usual prices the item and unit
-- price of every line billed on a stay of the candidates' case-mix groups (reversed or not: a price charged).
group_line AS MATERIALIZED (
  SELECT fe.mdtrt_id, fe.med_list_codg, fe.pric::DOUBLE AS pric
  FROM fee_list_d fe WHERE fe.mdtrt_id IN (SELECT mdtrt_id FROM group_stay)
),
cand_line AS (
  SELECT c.mdtrt_id, l.feedetl_sn, l.med_list_codg, l.hilist_name, l.pric::DOUBLE AS pric, l.cnt::DOUBLE AS cnt,
         len(list_filter(c.xitem, lambda x: starts_with(l.med_list_codg, x))) > 0 AS intensive
  FROM cand c JOIN fee_list_d l ON l.mdtrt_id = c.mdtrt_id
  WHERE list_contains(c.setl_ids, l.setl_id)
),
usual AS (
  SELECT med_list_codg, mode(pric) AS usual_pric, count(*) AS n
  FROM group_line WHERE med_list_codg IN (SELECT med_list_codg FROM cand_line) GROUP BY med_list_codg
),
overpriced AS (
  SELECT l.*, u.usual_pric, (l.pric - u.usual_pric) * l.cnt AS excess
  FROM cand_line l JOIN cand c USING (mdtrt_id) JOIN usual u USING (med_list_codg)
  WHERE u.n >= c.min_item_lines AND u.usual_pric > 0 AND l.pric >= c.min_price_ratio * u.usual_pric
),
price AS (
  SELECT mdtrt_id, sum(excess) AS overprice, list(feedetl_sn ORDER BY feedetl_sn) AS sn,
         list(json_object('feedetl_sn', feedetl_sn, 'med_list_codg', med_list_codg, 'name', hilist_name, 'pric', pric,
                          'usual_pric', usual_pric, 'cnt', cnt, 'excess', round(excess, 2)) ORDER BY excess DESC) AS lines
  FROM overpriced GROUP BY mdtrt_id
),
intensive AS (
  SELECT mdtrt_id FROM cand_line WHERE intensive
  UNION
  SELECT mdtrt_id FROM cand
  WHERE len(list_filter(string_split(oprns, '|'), lambda o: len(list_filter(xoprn, lambda x: starts_with(trim(o), x))) > 0)) > 0
     OR len(list_filter(string_split(diags, '|'), lambda d: len(list_filter(xdiag, lambda x: starts_with(trim(d), x))) > 0)) > 0
),
case_mix AS (SELECT diag3, op, count(*) AS n, median(total_cost) AS med, mad(total_cost) AS mad FROM group_stay GROUP BY diag3, op),
diag_name AS (SELECT diag3, mode(diag_name) AS name FROM group_stay WHERE diag_name IS NOT NULL GROUP BY diag3),
judged AS (
  SELECT c.*, cm.n AS peer_n, cm.med AS peer_med, cm.mad AS peer_mad, pr.overprice, pr.sn, pr.lines,
         c.mdtrt_id IN (SELECT mdtrt_id FROM intensive) AS has_intensive,
         coalesce(pr.overprice, 0) >= c.min_overprice_share * c.total_cost AND pr.overprice > 0 AS price_finding,
         c.mdtrt_id NOT IN (SELECT mdtrt_id FROM intensive) AND cm.n >= c.min_peer_stays
           AND c.total_cost >= c.min_peer_ratio * cm.med AS case_mix_finding,
         c.diag3 || coalesce(' ' || dn.name, '') || '·' || CASE WHEN c.op = '' THEN '非手术' ELSE '手术 ' || c.op END AS case_mix_group
  FROM cand c
  LEFT JOIN case_mix cm USING (diag3, op)
  LEFT JOIN price pr USING (mdtrt_id)
  LEFT JOIN diag_name dn USING (diag3)
)
SELECT psn_no, fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, mdtrt_id, NULL::VARCHAR AS setl_id,
       coalesce(CASE WHEN price_finding THEN sn END, []::VARCHAR[]) AS feedetl_sn, admdvs,
       json_object('total_cost', round(total_cost, 2), 'settlements', settlements, 'dscg_maindiag_code', diag,
                   'admission', strftime(adm_date, '%Y-%m-%d'), 'discharge', strftime(dscg_date, '%Y-%m-%d'),
                   'case_mix_group', case_mix_group, 'findings', list_filter(['price', 'case_mix'], lambda f: (f = 'price' AND price_finding) OR (f = 'case_mix' AND case_mix_finding)),
                   'overprice_amount', round(coalesce(overprice, 0), 2), 'overpriced_lines', coalesce(lines, []),
                   'ratio_to_case_mix_median', round(total_cost / nullif(peer_med, 0), 2), 'high_intensity_care', has_intensive,
                   'amount_basis', '高于常用单价部分，或住院总费用超出同病组中位数部分（取大者） amount above the usual unit prices, or the excess over the case-mix median (the larger)') AS measured,
       json_object('min_stay_cost', min_stay_cost, 'min_price_ratio', min_price_ratio, 'min_overprice_share', min_overprice_share,
                   'min_peer_ratio', min_peer_ratio, 'min_peer_stays', min_peer_stays) AS threshold,
       json_object('group', case_mix_group, 'size', peer_n, 'median', round(peer_med, 2), 'spread', round(peer_mad, 2),
                   'score', round(total_cost / nullif(peer_med, 0), 2)) AS peer,
       round(greatest(CASE WHEN price_finding THEN overprice ELSE 0 END,
                      CASE WHEN case_mix_finding THEN total_cost - peer_med ELSE 0 END), 2)::DECIMAL(14, 2) AS amount_at_risk,
       dscg_date AS activity_date,
       mdtrt_id AS evidence_key
FROM judged
WHERE price_finding OR case_mix_finding
