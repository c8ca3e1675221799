-- mcc_cc_share: a provider's share of inpatient stays (discharged in the window) carrying at least one
-- secondary diagnosis on the CHS-DRG 1.1 MCC/CC lists (table ref_drg_cc), against providers of the same kind
-- (level tier, specialty from the name, type — e.g. 一级医院, 三级肿瘤医院) with at least p.min_stays stays each,
-- after allowing for case mix: a hospital treating more strokes than pneumonias has more MCC/CC stays by nature.
--   expected share = Σ over the provider's case-mix groups (principal diagnosis category × principal operation,
--   as in cost_per_stay_peer) of stays × the group's MCC/CC share at the reference providers of its kind
--   (those whose raw share does not stand out, the provider itself left out; the kind's overall reference share
--   where they have no such stay) ÷ the provider's stays;
--   excess = share − expected share.
-- Score = robust z of the excess among the providers of the kind: (excess − median) / max(1.4826 × MAD,
-- p.spread_floor). Fires when the kind has at least p.min_peers providers (else no alert), z ≥ p.z_threshold and
-- excess − median excess ≥ p.min_share_gap. Amount at risk = excess stays ((excess − median excess) × stays) ×
-- (mean cost of the provider's MCC/CC stays − mean cost of its other stays, or of the kind's if it has none).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
stay AS (
  SELECT m.mdtrt_id, any_value(m.fixmedins_code) AS fixmedins_code, any_value(m.diag_codes) AS diag_codes,
         any_value(m.dscg_maindiag_code) AS main_diag, upper(left(trim(any_value(m.dscg_maindiag_code)), 3)) AS diag3,
         coalesce(left(list_filter(list_transform(string_split(coalesce(any_value(m.oprn_oprt_codes), ''), '|'), lambda x: trim(x)),
                                   lambda x: TRY_CAST(left(x, 2) AS INTEGER) <= 86)[1], 4), '') AS op,
         coalesce(any_value(m.endtime), max(s.setl_time))::DATE AS dscg_date, sum(s.medfee_sumamt) AS cost
  FROM clean_mdtrt m JOIN clean_setl s ON s.mdtrt_id = m.mdtrt_id
  WHERE m.med_type LIKE '2%'
  GROUP BY m.mdtrt_id
),
in_window AS MATERIALIZED (SELECT stay.* FROM stay, win WHERE dscg_date BETWEEN win.window_from AND win.window_to),
secondary AS (
  SELECT DISTINCT x.mdtrt_id, r.severity
  FROM (SELECT mdtrt_id, main_diag, trim(unnest(string_split(diag_codes, '|'))) AS code FROM in_window) x
  JOIN ref_drg_cc r ON r.code = x.code
  WHERE x.code IS DISTINCT FROM x.main_diag
),
flagged AS MATERIALIZED (
  SELECT w.*, (EXISTS (SELECT 1 FROM secondary c WHERE c.mdtrt_id = w.mdtrt_id)) AS has_cc,
         (EXISTS (SELECT 1 FROM secondary c WHERE c.mdtrt_id = w.mdtrt_id AND c.severity = 'MCC')) AS has_mcc
  FROM in_window w
),
kind AS (
  SELECT f.fixmedins_code, f.admdvs,
         fw_provider_kind(f.hosp_lv, f.fixmedins_type, f.fixmedins_name) AS peer_kind
  FROM fixmedins f
),
prov AS (
  SELECT fl.fixmedins_code, any_value(k.admdvs) AS admdvs, any_value(k.peer_kind) AS peer_kind,
         count(*) AS stays, count(*) FILTER (WHERE has_cc) AS cc_stays, count(*) FILTER (WHERE has_mcc) AS mcc_stays,
         count(*) FILTER (WHERE has_cc)::DOUBLE / count(*) AS share,
         avg(cost) FILTER (WHERE has_cc) AS cc_cost, avg(cost) FILTER (WHERE NOT has_cc) AS non_cc_cost,
         max(dscg_date) AS last_date
  FROM flagged fl JOIN kind k ON k.fixmedins_code = fl.fixmedins_code
  GROUP BY fl.fixmedins_code
),
eligible AS (SELECT prov.* FROM prov JOIN params p ON p.admdvs = prov.admdvs WHERE prov.stays >= p.min_stays),
-- The reference: providers of the kind whose raw share does not already stand out (robust z < p.z_threshold or
-- less than p.min_share_gap above the kind's median), so upcoders do not set the expectation of the others.
raw_grp AS (SELECT peer_kind, median(share) AS med, mad(share) AS mad FROM eligible GROUP BY peer_kind),
reference AS (
  SELECT e.fixmedins_code FROM eligible e JOIN raw_grp g USING (peer_kind) JOIN params p ON p.admdvs = e.admdvs
  WHERE NOT ((e.share - g.med) / greatest(1.4826 * g.mad, p.spread_floor) >= p.z_threshold AND e.share - g.med >= p.min_share_gap)
),
cell AS (
  SELECT fl.fixmedins_code, e.peer_kind, fl.diag3, fl.op, count(*) AS n, count(*) FILTER (WHERE fl.has_cc) AS cc,
         fl.fixmedins_code IN (SELECT fixmedins_code FROM reference) AS in_ref
  FROM flagged fl JOIN eligible e USING (fixmedins_code) GROUP BY ALL
),
kind_cell AS (SELECT peer_kind, diag3, op, sum(n) AS n, sum(cc) AS cc FROM cell WHERE in_ref GROUP BY ALL),
kind_all AS (SELECT peer_kind, sum(n) AS n, sum(cc) AS cc FROM cell WHERE in_ref GROUP BY peer_kind),
expected AS (
  -- each group's share at the reference providers of the kind, the provider itself left out
  SELECT c.fixmedins_code,
         sum(c.n * CASE WHEN coalesce(kc.n, 0) - CASE WHEN c.in_ref THEN c.n ELSE 0 END > 0
                          THEN (kc.cc - CASE WHEN c.in_ref THEN c.cc ELSE 0 END) / (kc.n - CASE WHEN c.in_ref THEN c.n ELSE 0 END)
                        ELSE (ka.cc - CASE WHEN c.in_ref THEN e.cc_stays ELSE 0 END)
                             / nullif(ka.n - CASE WHEN c.in_ref THEN e.stays ELSE 0 END, 0) END) / any_value(e.stays) AS expected_share
  FROM cell c
  JOIN eligible e USING (fixmedins_code)
  LEFT JOIN kind_cell kc ON kc.peer_kind = c.peer_kind AND kc.diag3 = c.diag3 AND kc.op = c.op
  JOIN kind_all ka ON ka.peer_kind = c.peer_kind
  GROUP BY c.fixmedins_code
),
scored0 AS (
  SELECT e.*, x.expected_share, e.share - x.expected_share AS excess
  FROM eligible e JOIN expected x USING (fixmedins_code) WHERE x.expected_share IS NOT NULL
),
grp AS (
  SELECT peer_kind, count(*) AS n, median(excess) AS med, mad(excess) AS mad, median(share) AS med_share,
         avg(non_cc_cost) AS grp_non_cc_cost
  FROM scored0 GROUP BY peer_kind
),
scored AS (
  SELECT s.*, g.n, g.med, g.mad, g.med_share, p.z_threshold, p.min_share_gap, p.min_stays, p.min_peers,
         (s.excess - g.med) / greatest(1.4826 * g.mad, p.spread_floor) AS z,
         (s.excess - g.med) * s.stays AS excess_stays,
         greatest(s.cc_cost - coalesce(s.non_cc_cost, g.grp_non_cc_cost), 0) AS cost_gap
  FROM scored0 s JOIN grp g USING (peer_kind) JOIN params p ON p.admdvs = s.admdvs
)
SELECT NULL::VARCHAR AS psn_no, fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id, []::VARCHAR[] AS feedetl_sn, admdvs,
       json_object('stays', stays, 'mcc_cc_stays', cc_stays, 'mcc_stays', mcc_stays, 'share', round(share, 4),
                   'expected_share', round(expected_share, 4), 'excess_share', round(excess, 4),
                   'peer_median_share', round(med_share, 4), 'excess_stays', round(excess_stays, 1),
                   'mean_cost_mcc_cc', round(cc_cost, 2), 'mean_cost_other', round(coalesce(non_cc_cost, 0), 2),
                   'period_from', win.window_from, 'period_to', win.window_to,
                   'amount_basis', '超出病种结构预期的MCC/CC病例数 × 病例费用差 excess MCC/CC stays over the case-mix expectation × cost gap per stay (estimate)') AS measured,
       json_object('z_threshold', z_threshold, 'min_share_gap', min_share_gap, 'min_stays', min_stays, 'min_peers', min_peers) AS threshold,
       json_object('group', peer_kind, 'size', n, 'median', round(med, 4), 'spread', round(mad, 4), 'score', round(z, 2)) AS peer,
       round(excess_stays * cost_gap, 2)::DECIMAL(14, 2) AS amount_at_risk,
       last_date AS activity_date,
       strftime(win.window_from, '%Y-%m-%d') || '..' || strftime(win.window_to, '%Y-%m-%d') AS evidence_key
FROM scored CROSS JOIN win
WHERE n >= min_peers AND z >= z_threshold AND excess - med >= min_share_gap
