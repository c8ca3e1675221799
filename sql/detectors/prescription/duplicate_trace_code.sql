-- duplicate_trace_code: drug_trac_codg holds one 20-digit code per box, ','-separated. Each box may be sold
-- once: an occurrence of a code on a sale line (cnt ≥ 0 and amount ≥ 0) while an earlier sale of that code is
-- still held (earlier sales minus earlier return lines, i.e. negative lines carrying the code, ≥ 1) is a repeated
-- sale, on any provider and for any person. Reversed settlements are already gone (clean_fee). Order of events:
-- fee time (visit begin when missing), then feedetl_sn, then the position in the list (a code twice on one line
-- repeats too). One hit per visit holding a repeated sale: feedetl_sn = its repeating line(s) plus the line(s) of
-- the earlier sales of the same codes; amount at risk = Σ det_item_fee_sumamt of the repeating lines.
-- Only codes occurring at least twice can repeat, so the ordered window runs over those codes alone.
WITH src AS (
  -- the codes of a line, trimmed only when the line holds a space (most lines hold none, and trim copies each code)
  SELECT fe.feedetl_sn, fe.mdtrt_id, fe.setl_id, fe.t, fe.det_item_fee_sumamt,
         CASE WHEN coalesce(fe.cnt, 0) < 0 OR coalesce(fe.det_item_fee_sumamt, 0) < 0 THEN -1 ELSE 1 END AS sign,
         CASE WHEN contains(fe.drug_trac_codg, ' ') THEN list_transform(string_split(fe.drug_trac_codg, ','), lambda c: trim(c))
              ELSE string_split(fe.drug_trac_codg, ',') END AS codes
  FROM clean_fee_timed fe
  WHERE fe.drug_trac_codg IS NOT NULL AND fe.t >= $scan_from::DATE
),
occ AS (
  SELECT feedetl_sn, mdtrt_id, setl_id, t, det_item_fee_sumamt, sign, code, pos
  FROM (SELECT src.*, unnest(codes) AS code, generate_subscripts(codes, 1) AS pos FROM src)
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
         coalesce(sum(sign) OVER w_before, 0) AS held_before,
         count(*) FILTER (WHERE sign = 1) OVER w_upto AS sale_no
  FROM occ WHERE hash(code) IN (SELECT h FROM multi)
  WINDOW w_before AS (PARTITION BY code ORDER BY t, feedetl_sn, pos ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
         w_upto AS (PARTITION BY code ORDER BY t, feedetl_sn, pos ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
repeat AS (SELECT * FROM ranked WHERE sign = 1 AND held_before >= 1),
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
  SELECT mdtrt_id, list(DISTINCT code ORDER BY code) AS codes, max(sale_no) AS max_sales FROM repeat GROUP BY mdtrt_id
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
                   'earlier_lines', es.sn) AS measured,
       json_object('max_sales_per_code', 1) AS threshold,
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
