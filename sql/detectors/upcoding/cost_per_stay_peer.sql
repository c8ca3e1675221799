-- cost_per_stay_peer: a provider's mean cost per inpatient stay (discharged in the window) for one case-mix
-- group, against providers of the same kind treating the same group with at least p.min_stays stays each.
--   case-mix group (an ADRG stand-in; the contract carries no DRG): the principal diagnosis category (ICD-10,
--     3 characters) and, for surgical stays, the principal operation (the first ICD-9-CM-3 code of chapters
--     00–86, 4 characters, e.g. 47.0 appendectomy) — a surgical appendicitis is not compared with a medical one;
--   provider kind: level tier, specialty from the name (儿童/妇幼/肿瘤/中医/精神/康复/口腔/眼科 hospitals) and
--     type — e.g. 二级医院, 三级肿瘤医院 — so a hospital whose patients are heavier by nature is compared with its like.
-- Score = robust z on ln(mean cost): (ln x − median ln) / max(1.4826 × MAD ln, p.spread_floor). Fires when the
-- group has at least p.min_peers providers (else no alert), z ≥ p.z_threshold and mean / peer median ≥ p.min_ratio.
-- peer.group is the readable label, e.g. 二级医院·J18 肺炎·非手术. Amount at risk = (mean − peer median) × stays.
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
stay AS (
  SELECT m.mdtrt_id, any_value(m.fixmedins_code) AS fixmedins_code,
         upper(left(trim(any_value(m.dscg_maindiag_code)), 3)) AS diag3, any_value(m.dscg_maindiag_name) AS diag_name,
         coalesce(left(list_filter(list_transform(string_split(coalesce(any_value(m.oprn_oprt_codes), ''), '|'), lambda x: trim(x)),
                                   lambda x: TRY_CAST(left(x, 2) AS INTEGER) <= 86)[1], 4), '') AS op,
         coalesce(any_value(m.endtime), max(s.setl_time))::DATE AS dscg_date, sum(s.medfee_sumamt) AS cost
  FROM clean_mdtrt m JOIN clean_setl s ON s.mdtrt_id = m.mdtrt_id
  WHERE m.med_type LIKE '2%' AND m.dscg_maindiag_code IS NOT NULL
  GROUP BY m.mdtrt_id
),
in_window AS MATERIALIZED (SELECT stay.* FROM stay, win WHERE dscg_date BETWEEN win.window_from AND win.window_to AND cost > 0),
diag_name AS (SELECT diag3, mode(diag_name) AS name FROM in_window WHERE diag_name IS NOT NULL GROUP BY diag3),
kind AS (
  SELECT f.fixmedins_code, f.admdvs,
         fw_provider_kind(f.hosp_lv, f.fixmedins_type, f.fixmedins_name) AS peer_kind
  FROM fixmedins f
),
prov AS (
  SELECT s.fixmedins_code, s.diag3, s.op, any_value(k.admdvs) AS admdvs, any_value(k.peer_kind) AS peer_kind,
         count(*) AS stays, avg(s.cost) AS mean_cost, max(s.dscg_date) AS last_date
  FROM in_window s JOIN kind k ON k.fixmedins_code = s.fixmedins_code
  GROUP BY s.fixmedins_code, s.diag3, s.op
),
eligible AS (SELECT prov.* FROM prov JOIN params p ON p.admdvs = prov.admdvs WHERE stays >= p.min_stays),
grp AS (
  SELECT peer_kind, diag3, op, count(*) AS n, median(ln(mean_cost)) AS med_ln, mad(ln(mean_cost)) AS mad_ln,
         median(mean_cost) AS med_cost
  FROM eligible GROUP BY peer_kind, diag3, op
),
scored AS (
  SELECT e.*, g.n, g.med_ln, g.mad_ln, g.med_cost, p.z_threshold, p.min_ratio, p.min_stays, p.min_peers, dn.name AS diag_name,
         e.diag3 || coalesce(' ' || dn.name, '') || '·' || CASE WHEN e.op = '' THEN '非手术' ELSE '手术 ' || e.op END AS case_mix,
         (ln(e.mean_cost) - g.med_ln) / greatest(1.4826 * g.mad_ln, p.spread_floor) AS z
  FROM eligible e JOIN grp g USING (peer_kind, diag3, op) JOIN params p ON p.admdvs = e.admdvs
  LEFT JOIN diag_name dn ON dn.diag3 = e.diag3
)
SELECT NULL::VARCHAR AS psn_no, fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id, []::VARCHAR[] AS feedetl_sn, admdvs,
       json_object('case_mix_group', case_mix, 'provider_kind', peer_kind,
                   'diagnosis_group', diag3, 'diagnosis_name', diag_name, 'operation_group', nullif(op, ''),
                   'stays', stays, 'mean_cost', round(mean_cost, 2), 'peer_median_cost', round(med_cost, 2),
                   'ratio_to_peer_median', round(mean_cost / med_cost, 2),
                   'period_from', win.window_from, 'period_to', win.window_to,
                   'amount_basis', '(次均费用 − 同组中位数) × 住院人次 (mean cost − peer median) × stays (estimate)') AS measured,
       json_object('z_threshold', z_threshold, 'min_ratio', min_ratio, 'min_stays', min_stays, 'min_peers', min_peers) AS threshold,
       json_object('group', peer_kind || '·' || case_mix, 'size', n, 'median', round(med_cost, 2), 'spread', round(mad_ln, 4), 'score', round(z, 2)) AS peer,
       round((mean_cost - med_cost) * stays, 2)::DECIMAL(14, 2) AS amount_at_risk,
       last_date AS activity_date,
       diag3 || ':' || op || ':' || strftime(win.window_from, '%Y-%m-%d') || '..' || strftime(win.window_to, '%Y-%m-%d') AS evidence_key
FROM scored CROSS JOIN win
WHERE n >= min_peers AND z >= z_threshold AND mean_cost >= min_ratio * med_cost
