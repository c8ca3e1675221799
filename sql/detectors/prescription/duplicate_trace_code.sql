-- duplicate_trace_code: drug_trac_codg holds one 20-digit code per box, ','-separated. A box is sold once, or in
-- parts (拆零) by one provider. Each occurrence of a code carries a quantity u = |cnt| ÷ (codes on the line): boxes,
-- a fraction of one when a pharmacy sells part of a box (fee_list_d.cnt counts 最小计价包装单位), or unit doses when
-- a ward pharmacy scans the box for each dose it dispenses from it (a code left empty by a stray comma still counts
-- in the line's codes). Occurrences are sales (cnt ≥ 0 and amount ≥ 0)
-- or returns (negative lines carrying the code); held = Σ sales u − Σ returns u of the earlier occurrences. A sale
-- repeats the box when
--   held > 0 and the box's last sale was at another provider (one box cannot be at two providers), or
--   held + u > the box's content: 1 + p.split_tolerance boxes, or p.max_ward_units unit doses when the sale is on
--   an inpatient stay that already had the box (the pack size is not in med_catalog, so this bounds it).
-- So unit-dose sales of one box at one provider and a resale after a return do not fire; reversed settlements are
-- already gone (clean_fee), so a resale after a refund is the only sale. Order of events: fee time (visit begin when
-- missing), then feedetl_sn, then the position in the list (a code twice on one outpatient line repeats too). One hit
-- per visit holding a repeated sale: feedetl_sn = its repeating line(s) plus the line(s) of the earlier sales of the
-- same codes; amount at risk = Σ det_item_fee_sumamt of the repeating lines.
-- Only codes occurring at least twice can repeat, so the ordered window runs over those codes alone.
WITH src AS (
  -- the codes of a line, trimmed only when the line holds a space (most lines hold none, and trim copies each code),
  -- and the quantity each code stands for
  SELECT feedetl_sn, mdtrt_id, setl_id, hash(fixmedins_code) AS prov, t, det_item_fee_sumamt, sign, codes,
         CASE WHEN cnt IS NULL OR cnt = 0 THEN 1.0 ELSE least(1.0, abs(cnt)::DOUBLE / len(codes)) END AS q
  FROM (
    SELECT fe.feedetl_sn, fe.mdtrt_id, fe.setl_id, fe.fixmedins_code, fe.t, fe.det_item_fee_sumamt, fe.cnt,
           CASE WHEN coalesce(fe.cnt, 0) < 0 OR coalesce(fe.det_item_fee_sumamt, 0) < 0 THEN -1 ELSE 1 END AS sign,
           CASE WHEN contains(fe.drug_trac_codg, ' ') THEN list_transform(string_split(fe.drug_trac_codg, ','), lambda c: trim(c))
                ELSE string_split(fe.drug_trac_codg, ',') END AS codes
    FROM clean_fee_timed fe
    WHERE fe.drug_trac_codg IS NOT NULL AND fe.t >= $scan_from::DATE
  )
),
occ AS (
  SELECT feedetl_sn, mdtrt_id, setl_id, prov, t, det_item_fee_sumamt, sign, q, code, pos
  FROM (SELECT src.* EXCLUDE (codes), unnest(codes) AS code, generate_subscripts(codes, 1) AS pos FROM src)
  WHERE code <> ''
),
multi AS (
  -- hashes of codes written at least twice on any line: a superset of the codes that can repeat (a hash
  -- collision only adds a code that occurs once, which cannot repeat), counted on 8-byte keys straight from
  -- the fee lines so the occurrences themselves are read once, streamed into the window
  SELECT hash(code) AS h
  FROM (
    SELECT unnest(CASE WHEN contains(drug_trac_codg, ' ') THEN list_transform(string_split(drug_trac_codg, ','), lambda c: trim(c))
                       ELSE string_split(drug_trac_codg, ',') END) AS code
    FROM clean_fee WHERE drug_trac_codg IS NOT NULL
  )
  WHERE code <> '' GROUP BY h HAVING count(*) > 1
),
ranked AS (
  SELECT *,
         coalesce(sum(sign * q) OVER w_before, 0) AS held_before,
         last_value(CASE WHEN sign = 1 THEN prov END IGNORE NULLS) OVER w_before AS last_sale_provider,
         count(*) FILTER (WHERE sign = 1) OVER w_upto AS sale_no,
         first_value(CASE WHEN sign = 1 THEN t END IGNORE NULLS) OVER w_upto AS first_sale_time,
         first_value(CASE WHEN sign = 1 THEN prov END IGNORE NULLS) OVER w_upto AS first_sale_provider
  FROM occ WHERE hash(code) IN (SELECT h FROM multi)
  WINDOW w_before AS (PARTITION BY code ORDER BY t, feedetl_sn, pos ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
         w_upto AS (PARTITION BY code ORDER BY t, feedetl_sn, pos ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
repeat AS (
  SELECT r.*,
         CASE WHEN r.held_before > 1e-6 AND r.last_sale_provider IS DISTINCT FROM r.prov THEN 'other_provider'
              WHEN r.ward OR r.q < 1 OR r.held_before < 1 - 1e-6 THEN 'beyond_content'
              ELSE 'sold_again' END AS reason
  FROM (
    SELECT r.*, coalesce(m.med_type LIKE '2%', false)
                AND EXISTS (SELECT 1 FROM ranked e WHERE e.code = r.code AND e.mdtrt_id = r.mdtrt_id AND e.sign = 1 AND e.sale_no < r.sale_no) AS ward,
           coalesce(p.split_tolerance, (SELECT min(split_tolerance) FROM params)) AS split_tolerance,
           coalesce(p.max_ward_units, (SELECT min(max_ward_units) FROM params)) AS max_ward_units
    FROM ranked r
    LEFT JOIN clean_mdtrt m ON m.mdtrt_id = r.mdtrt_id
    LEFT JOIN fixmedins f ON hash(f.fixmedins_code) = r.prov
    LEFT JOIN params p ON p.admdvs = f.admdvs
    WHERE r.sign = 1 AND r.held_before > 1e-6
  ) r
  WHERE r.last_sale_provider IS DISTINCT FROM r.prov
     OR r.held_before + r.q > CASE WHEN r.ward THEN r.max_ward_units ELSE 1 + r.split_tolerance END
),
earlier AS (
  -- the earlier sales of each repeated code, attached to the visit of the repeat
  SELECT DISTINCT r.mdtrt_id, e.feedetl_sn
  FROM repeat r JOIN ranked e ON e.code = r.code AND e.sign = 1 AND e.sale_no < r.sale_no
),
repeat_line AS (
  SELECT DISTINCT mdtrt_id, feedetl_sn, setl_id, det_item_fee_sumamt, t::DATE AS fee_date FROM repeat
),
per_visit AS (
  SELECT mdtrt_id, sum(det_item_fee_sumamt) AS amount, min(fee_date) AS activity_date,
         list(feedetl_sn ORDER BY feedetl_sn) AS repeat_sn,
         CASE WHEN count(DISTINCT setl_id) = 1 THEN any_value(setl_id) END AS setl_id
  FROM repeat_line GROUP BY mdtrt_id
),
codes AS (
  SELECT mdtrt_id, list(DISTINCT code ORDER BY code) AS codes, max(sale_no) AS max_sales,
         first(code ORDER BY t, feedetl_sn, pos) AS code, first(feedetl_sn ORDER BY t, feedetl_sn, pos) AS first_repeat_sn,
         first(reason ORDER BY t, feedetl_sn, pos) AS reason,
         first(round(held_before + q, 2) ORDER BY t, feedetl_sn, pos) AS sold_boxes,
         first(first_sale_time ORDER BY t, feedetl_sn, pos) AS first_sale_time,
         first(first_sale_provider ORDER BY t, feedetl_sn, pos) AS first_sale_provider
  FROM repeat GROUP BY mdtrt_id
),
evidence AS (
  SELECT mdtrt_id, list(DISTINCT feedetl_sn ORDER BY feedetl_sn) AS sn
  FROM (SELECT mdtrt_id, feedetl_sn FROM repeat_line UNION SELECT mdtrt_id, feedetl_sn FROM earlier)
  GROUP BY mdtrt_id
),
earlier_sn AS (
  SELECT mdtrt_id, list(DISTINCT feedetl_sn ORDER BY feedetl_sn) AS sn FROM earlier GROUP BY mdtrt_id
)
SELECT m.psn_no, m.fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, v.mdtrt_id, v.setl_id,
       e.sn AS feedetl_sn, f.admdvs,
       json_object('repeated_codes', c.codes, 'max_sale_count', c.max_sales, 'repeat_lines', v.repeat_sn,
                   'earlier_lines', es.sn, 'code', c.code, 'hilist_name', nm.hilist_name, 'reason', c.reason,
                   'sold_boxes', c.sold_boxes, 'first_sale_date', c.first_sale_time::DATE::VARCHAR,
                   'first_sale_fixmedins_code', fp.fixmedins_code) AS measured,
       json_object('max_sales_per_code', 1, 'split_tolerance', p.split_tolerance, 'max_ward_units', p.max_ward_units) AS threshold,
       NULL::JSON AS peer,
       v.amount::DECIMAL(14, 2) AS amount_at_risk,
       v.activity_date,
       v.mdtrt_id AS evidence_key
FROM per_visit v
JOIN codes c ON c.mdtrt_id = v.mdtrt_id
JOIN evidence e ON e.mdtrt_id = v.mdtrt_id
LEFT JOIN earlier_sn es ON es.mdtrt_id = v.mdtrt_id
JOIN clean_mdtrt m ON m.mdtrt_id = v.mdtrt_id
LEFT JOIN fixmedins f ON f.fixmedins_code = m.fixmedins_code
LEFT JOIN params p ON p.admdvs = f.admdvs
LEFT JOIN (SELECT feedetl_sn, hilist_name FROM clean_fee WHERE feedetl_sn IN (SELECT first_repeat_sn FROM codes)) nm
  ON nm.feedetl_sn = c.first_repeat_sn
LEFT JOIN fixmedins fp ON hash(fp.fixmedins_code) = c.first_sale_provider
