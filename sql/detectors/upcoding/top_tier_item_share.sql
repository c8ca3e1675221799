-- top_tier_item_share: within an item family (service items, list_type 201, sharing the first
-- p.family_prefix_len characters of med_list_codg, e.g. 普通门诊诊查费 tiers 普通/副主任/主任/知名专家 under one 11-character stem), the tier with the
-- highest median unit price. A provider's share of that tier (Σ cnt) against providers of the same kind (level
-- tier, specialty from the name, type — e.g. 三级儿童医院: senior-doctor consultations are common there by nature)
-- with at least p.min_family_count units of the family; a kind with fewer than p.min_peers providers: no alert. Score = robust z
-- (share − median) / max(1.4826 × MAD, p.spread_floor); fires when z ≥ p.z_threshold and
-- share − median ≥ p.min_share_gap. Amount at risk = excess top-tier units × (top-tier median price − mean
-- price of the other tiers).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
line AS (
  SELECT fe.fixmedins_code, f.admdvs, left(fe.med_list_codg, p.family_prefix_len::INTEGER) AS family,
         fe.med_list_codg AS item, fe.cnt::DOUBLE AS cnt, fe.pric::DOUBLE AS pric, fe.fee_ocur_time::DATE AS d
  FROM clean_fee fe
  JOIN fixmedins f ON f.fixmedins_code = fe.fixmedins_code
  JOIN params p ON p.admdvs = f.admdvs
  WHERE fe.list_type = '201' AND fe.cnt > 0 AND fe.fee_ocur_time >= $window_from::DATE AND fe.fee_ocur_time < $window_to::DATE + 1
),
kind AS (
  SELECT f.fixmedins_code,
         fw_provider_kind(f.hosp_lv, f.fixmedins_type, f.fixmedins_name) AS peer_kind
  FROM fixmedins f
),
-- item names from the catalogue (med_catalog), for the label
item_price AS (
  SELECT l.family, l.item, median(l.pric) AS price, any_value(c.name) AS name
  FROM line l LEFT JOIN med_catalog c ON c.med_list_codg = l.item GROUP BY l.family, l.item
),
family_top AS (
  SELECT family, arg_max(item, price) AS top_item, arg_max(name, price) AS top_name, arg_min(name, price) AS base_name,
         max(price) AS top_price, count(*) AS tiers,
         (sum(price) - max(price)) / (count(*) - 1) AS other_price
  FROM item_price GROUP BY family HAVING count(*) >= 2
),
prov AS (
  SELECT l.fixmedins_code, any_value(l.admdvs) AS admdvs, l.family, any_value(t.top_item) AS top_item,
         any_value(t.top_name) AS top_name, any_value(t.base_name) AS base_name,
         any_value(t.top_price) AS top_price, any_value(t.other_price) AS other_price, any_value(t.tiers) AS tiers,
         any_value(k.peer_kind) AS peer_group,
         sum(l.cnt) AS family_count, sum(l.cnt) FILTER (WHERE l.item = t.top_item) AS top_count, max(l.d) AS last_date
  FROM line l JOIN family_top t USING (family) JOIN kind k ON k.fixmedins_code = l.fixmedins_code
  GROUP BY l.fixmedins_code, l.family
),
eligible AS (
  SELECT prov.*, coalesce(top_count, 0) / family_count AS share
  FROM prov JOIN params p ON p.admdvs = prov.admdvs WHERE family_count >= p.min_family_count
),
grp AS (
  SELECT peer_group, family, count(*) AS n, median(share) AS med, mad(share) AS mad, quantile_cont(share, 0.9) AS p90
  FROM eligible GROUP BY peer_group, family
),
scored AS (
  SELECT e.*, g.n, g.med, g.mad, g.p90, p.z_threshold, p.min_share_gap, p.min_family_count, p.min_peers,
         (e.share - g.med) / greatest(1.4826 * g.mad, p.spread_floor) AS z,
         (e.share - g.med) * e.family_count AS excess_count
  FROM eligible e JOIN grp g USING (peer_group, family) JOIN params p ON p.admdvs = e.admdvs
)
SELECT NULL::VARCHAR AS psn_no, fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id, []::VARCHAR[] AS feedetl_sn, admdvs,
       json_object('item_family', family, 'family_name', base_name, 'top_item', top_item, 'top_item_name', top_name,
                   'tiers', tiers, 'family_count', family_count,
                   'top_count', coalesce(top_count, 0), 'share', round(share, 4), 'peer_p90', round(p90, 4),
                   'top_price', round(top_price, 2), 'other_tiers_mean_price', round(other_price, 2),
                   'excess_count', round(excess_count, 1), 'period_from', win.window_from, 'period_to', win.window_to,
                   'amount_basis', '超出同级中位数的最高档数量 × 与其他档的价差 excess top-tier units over the peer median × price gap (estimate)') AS measured,
       json_object('z_threshold', z_threshold, 'min_share_gap', min_share_gap, 'min_family_count', min_family_count, 'min_peers', min_peers) AS threshold,
       json_object('group', peer_group || '·' || coalesce(base_name, '项目族') || '（' || family || '）',
                   'size', n, 'median', round(med, 4), 'spread', round(mad, 4), 'score', round(z, 2)) AS peer,
       round(excess_count * (top_price - other_price), 2)::DECIMAL(14, 2) AS amount_at_risk,
       last_date AS activity_date,
       family || ':' || strftime(win.window_from, '%Y-%m-%d') || '..' || strftime(win.window_to, '%Y-%m-%d') AS evidence_key
FROM scored CROSS JOIN win
WHERE n >= min_peers AND z >= z_threshold AND share - med >= min_share_gap
