-- benford_amounts: first-digit test (Benford) on a provider's settlement totals (medfee_sumamt ≥ p.min_amount,
-- settled in the window), with Nigrini's mean absolute deviation MAD = mean over d = 1..9 of
-- |observed share − log10(1 + 1/d)|: ≤ 0.006 close conformity, ≤ 0.012 acceptable, ≤ 0.015 marginal,
-- above p.mad_nonconformity (0.015) nonconformity. Providers with fewer than p.min_sample amounts are skipped.
-- Because catalogue prices make some providers' amounts naturally lumpy, a hit also needs the provider's MAD
-- to stand out from the other tested providers: (MAD − median) / max(1.4826 × MAD of MADs, p.spread_floor)
-- ≥ p.min_peer_z, with at least p.min_peers tested providers (set min_peer_z to 0 to test against Benford only).
-- Amounts a price list decides are not Benford data (Nigrini: leave out fixed and recurring amounts): for the
-- providers that fail the test above, settlements whose every fee line is billed at the provider's standard
-- unit price for that item (its most common price there, covering ≥ p.standard_price_share of the item's lines)
-- — itemised ordinary billing, dialysis sessions, fixed-fee packages — are left out and the test is run again on
-- the rest (settlements without fee lines stay in): it must still have p.min_sample amounts, fail Benford and
-- stand out from the same peer median and spread.
-- Amount at risk = Σ over over-represented digits of (observed − expected count) × mean amount with that digit.
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
amt AS MATERIALIZED (
  -- first significant digit: the first character of the amount from 1 yuan up, else the first non-zero one
  SELECT s.setl_id, s.fixmedins_code, f.admdvs, s.medfee_sumamt AS x, s.setl_time::DATE AS d,
         CASE WHEN s.medfee_sumamt >= 1 THEN left(s.medfee_sumamt::DECIMAL(14, 2)::VARCHAR, 1)
              ELSE left(ltrim(replace(s.medfee_sumamt::DECIMAL(14, 2)::VARCHAR, '.', ''), '0'), 1) END::INTEGER AS digit
  FROM clean_setl s
  JOIN (SELECT f.fixmedins_code, f.admdvs, p.min_amount FROM fixmedins f JOIN params p ON p.admdvs = f.admdvs) f
    ON f.fixmedins_code = s.fixmedins_code
  WHERE s.setl_time >= $window_from::DATE AND s.setl_time < $window_to::DATE + 1 AND s.medfee_sumamt >= f.min_amount AND s.medfee_sumamt > 0
),
prov AS (
  SELECT a.fixmedins_code, any_value(a.admdvs) AS admdvs, count(*) AS n
  FROM amt a JOIN params p ON p.admdvs = a.admdvs
  GROUP BY a.fixmedins_code HAVING count(*) >= any_value(p.min_sample)
),
digit_counts AS (
  SELECT pr.fixmedins_code, dg.digit, log10(1 + 1 / dg.digit) AS expected, count(a.x) AS cnt
  FROM prov pr
  CROSS JOIN (SELECT unnest(range(1, 10)) AS digit) dg
  LEFT JOIN amt a ON a.fixmedins_code = pr.fixmedins_code AND a.digit = dg.digit
  GROUP BY pr.fixmedins_code, dg.digit
),
tested AS (
  SELECT pr.*, avg(abs(dc.cnt / pr.n - dc.expected)) AS mad_benford
  FROM prov pr JOIN digit_counts dc USING (fixmedins_code)
  GROUP BY ALL
),
grp AS (SELECT count(*) AS n_peers, median(mad_benford) AS med, mad(mad_benford) AS mad FROM tested),
cand AS (
  SELECT t.fixmedins_code, t.admdvs, t.n AS n_all, g.*, p.min_sample, p.min_amount, p.min_peers, p.min_peer_z, p.mad_close,
         p.mad_acceptable, p.mad_nonconformity, p.standard_price_share, greatest(1.4826 * g.mad, p.spread_floor) AS spread
  FROM tested t CROSS JOIN grp g JOIN params p ON p.admdvs = t.admdvs
  WHERE t.mad_benford > p.mad_nonconformity AND g.n_peers >= p.min_peers
    AND (t.mad_benford - g.med) / greatest(1.4826 * g.mad, p.spread_floor) >= p.min_peer_z
),
-- Standard prices, for the failing providers only: the most common unit price of each item there.
-- (every line of the provider counts for its standard prices; only settlements tested above are judged)
cand_line AS (
  SELECT fe.fixmedins_code, fe.setl_id, fe.med_list_codg, fe.pric
  FROM fee_list_d fe JOIN cand c ON c.fixmedins_code = fe.fixmedins_code
),
item_price AS (
  SELECT fixmedins_code, med_list_codg, pric, count(*) AS n,
         sum(count(*)) OVER (PARTITION BY fixmedins_code, med_list_codg) AS item_lines
  FROM cand_line GROUP BY fixmedins_code, med_list_codg, pric
),
standard AS (
  SELECT i.fixmedins_code, i.med_list_codg, arg_max(i.pric, i.n) AS pric
  FROM item_price i JOIN cand c USING (fixmedins_code)
  GROUP BY i.fixmedins_code, i.med_list_codg
  HAVING max(i.n) >= any_value(c.standard_price_share) * any_value(i.item_lines)
),
fixed_setl AS (
  SELECT l.setl_id FROM cand_line l
  LEFT JOIN standard s ON s.fixmedins_code = l.fixmedins_code AND s.med_list_codg = l.med_list_codg AND s.pric = l.pric
  GROUP BY l.setl_id HAVING bool_and(s.pric IS NOT NULL)
),
kept AS (
  SELECT a.* FROM amt a JOIN cand c USING (fixmedins_code) WHERE a.setl_id NOT IN (SELECT setl_id FROM fixed_setl)
),
kept_n AS (SELECT fixmedins_code, count(*) AS n, max(d) AS last_date FROM kept GROUP BY fixmedins_code),
kept_digits AS (
  SELECT k.fixmedins_code, dg.digit, log10(1 + 1 / dg.digit) AS expected, count(a.x) AS cnt, avg(a.x) AS mean_x
  FROM kept_n k
  CROSS JOIN (SELECT unnest(range(1, 10)) AS digit) dg
  LEFT JOIN kept a ON a.fixmedins_code = k.fixmedins_code AND a.digit = dg.digit
  GROUP BY k.fixmedins_code, dg.digit
),
retested AS (
  SELECT c.*, k.n, k.last_date, avg(abs(dc.cnt / k.n - dc.expected)) AS mad_benford,
         list(round(dc.cnt / k.n, 4) ORDER BY dc.digit) AS observed,
         sum(CASE WHEN dc.cnt > dc.expected * k.n THEN (dc.cnt - dc.expected * k.n) * dc.mean_x ELSE 0 END) AS excess_amount
  FROM cand c JOIN kept_n k USING (fixmedins_code) JOIN kept_digits dc USING (fixmedins_code)
  GROUP BY ALL
)
SELECT NULL::VARCHAR AS psn_no, fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id, []::VARCHAR[] AS feedetl_sn, admdvs,
       json_object('amounts', n, 'amounts_at_standard_prices_left_out', n_all - n, 'mad', round(mad_benford, 5),
                   'conformity', CASE WHEN mad_benford <= mad_close THEN 'close' WHEN mad_benford <= mad_acceptable THEN 'acceptable'
                                      WHEN mad_benford <= mad_nonconformity THEN 'marginal' ELSE 'nonconformity' END,
                   'observed_first_digit_shares', observed,
                   'expected_first_digit_shares', [0.301, 0.1761, 0.1249, 0.0969, 0.0792, 0.0669, 0.058, 0.0512, 0.0458],
                   'period_from', win.window_from, 'period_to', win.window_to,
                   'amount_basis', '超出 Benford 期望的首位数字笔数 × 该数字平均金额 excess count of over-represented first digits × their mean amount (estimate)') AS measured,
       json_object('mad_nonconformity', mad_nonconformity, 'mad_acceptable', mad_acceptable, 'mad_close', mad_close,
                   'min_sample', min_sample, 'min_amount', min_amount, 'min_peer_z', min_peer_z, 'min_peers', min_peers,
                   'standard_price_share', standard_price_share) AS threshold,
       json_object('group', '金额笔数达标的全部机构（≥ ' || min_sample::INTEGER || ' 笔）',
                   'size', n_peers, 'median', round(med, 5), 'spread', round(mad, 5), 'score', round((mad_benford - med) / spread, 2)) AS peer,
       round(excess_amount, 2)::DECIMAL(14, 2) AS amount_at_risk,
       last_date AS activity_date,
       strftime(win.window_from, '%Y-%m-%d') || '..' || strftime(win.window_to, '%Y-%m-%d') AS evidence_key
FROM retested CROSS JOIN win
WHERE n >= min_sample AND mad_benford > mad_nonconformity AND (mad_benford - med) / spread >= min_peer_z
