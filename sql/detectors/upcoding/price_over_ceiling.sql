-- price_over_ceiling: fee lines whose unit price exceeds the price ceiling (pric_uplmt_amt on the line, else
-- med_catalog.pric_uplmt_amt) by more than p.price_tolerance yuan. One hit per visit; amount at risk = the
-- over-charge Σ (pric − ceiling) × cnt (not the whole line totals; said in measured).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
line AS (
  SELECT fe.feedetl_sn, fe.mdtrt_id, fe.psn_no, fe.fixmedins_code, fe.med_list_codg, coalesce(fe.hilist_name, c.name) AS name, fe.cnt::DOUBLE AS cnt,
         fe.pric::DOUBLE AS pric, fe.det_item_fee_sumamt::DOUBLE AS line_total,
         coalesce(fe.pric_uplmt_amt, c.pric_uplmt_amt)::DOUBLE AS ceiling,
         CASE WHEN fe.pric_uplmt_amt IS NOT NULL THEN 'fee_list_d' ELSE 'med_catalog' END AS ceiling_source,
         fe.fee_ocur_time::DATE AS d, f.admdvs
  FROM clean_fee fe
  JOIN fixmedins f ON f.fixmedins_code = fe.fixmedins_code
  LEFT JOIN med_catalog c ON c.med_list_codg = fe.med_list_codg
  WHERE fe.fee_ocur_time >= $window_from::DATE AND fe.fee_ocur_time < $window_to::DATE + 1
),
over AS (
  SELECT l.* FROM line l JOIN params p ON p.admdvs = l.admdvs
  WHERE l.ceiling IS NOT NULL AND l.pric > l.ceiling + p.price_tolerance
)
SELECT any_value(o.psn_no) AS psn_no, any_value(o.fixmedins_code) AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg,
       o.mdtrt_id, NULL::VARCHAR AS setl_id, list(o.feedetl_sn ORDER BY o.feedetl_sn) AS feedetl_sn, any_value(o.admdvs) AS admdvs,
       json_object('lines', count(*),
                   'items', list(DISTINCT o.med_list_codg ORDER BY o.med_list_codg),
                   'max_price_ratio', round(max(o.pric / nullif(o.ceiling, 0)), 4),
                   'lines_total', round(sum(o.line_total), 2),
                   'detail', list(json_object('feedetl_sn', o.feedetl_sn, 'med_list_codg', o.med_list_codg, 'name', o.name,
                                              'date', strftime(o.d, '%Y-%m-%d'), 'pric', o.pric, 'ceiling', o.ceiling, 'cnt', o.cnt,
                                              'ceiling_source', o.ceiling_source) ORDER BY o.feedetl_sn),
                   'amount_basis', '超限价部分 Σ(单价 − 限价) × 数量 over-charge above the ceiling') AS measured,
       json_object('price_tolerance', any_value(p.price_tolerance)) AS threshold,
       NULL::JSON AS peer,
       round(sum((o.pric - o.ceiling) * o.cnt), 2)::DECIMAL(14, 2) AS amount_at_risk,
       max(o.d) AS activity_date,
       o.mdtrt_id AS evidence_key
FROM over o JOIN params p ON p.admdvs = o.admdvs
GROUP BY o.mdtrt_id
