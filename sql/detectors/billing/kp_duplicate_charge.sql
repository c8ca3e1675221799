-- kp_duplicate_charge: an included item (从项) billed together with the main item (主项) that contains it
-- (知识库第七批 重复收费) in the same visit within the pair's window: 单日 = same calendar day, 单次就诊 = anywhere
-- in the visit, 同一小时 / 6小时 = fee_ocur_time less than that many hours apart. With p.window_mode = 'same_day'
-- every pair is checked on the same calendar day instead. Offending lines = the included item's lines;
-- the main item's lines are listed in measured. One hit per visit; amount at risk = Σ the included lines' totals.
-- Lines are read from $scan_from (the detector's lookback) so a visit's evidence is complete when a stay spans
-- run windows; activity_date is the latest offending day, so each run that sees a new offending line
-- re-emits the visit's whole evidence under the same alert id (evidence_key = mdtrt_id).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
fee AS (
  SELECT fe.feedetl_sn, fe.mdtrt_id, fe.psn_no, fe.fixmedins_code, fe.med_list_codg, fe.fee_ocur_time,
         fe.fee_ocur_time::DATE AS d, fe.det_item_fee_sumamt::DECIMAL(14, 2) AS amount, f.admdvs
  FROM clean_fee fe
  JOIN fixmedins f ON f.fixmedins_code = fe.fixmedins_code
  WHERE fe.fee_ocur_time >= $scan_from::DATE AND fe.fee_ocur_time < $window_to::DATE + 1
    AND fe.med_list_codg IN (SELECT main_code FROM kb_current_pairs UNION SELECT included_code FROM kb_current_pairs)
),
included AS MATERIALIZED (
  -- included-item lines with their pairs first, so the visit self-join matches on (visit, main code)
  SELECT i.*, k.kp_id, k.item_name AS main_name, k.main_code, k.included_name, k.pair_window AS kb_window,
         k.pair_window_hours
  FROM fee i JOIN kb_current_pairs k ON k.included_code = i.med_list_codg
),
pair_hit AS (
  SELECT i.feedetl_sn, i.mdtrt_id, i.psn_no, i.fixmedins_code, i.med_list_codg, i.amount, i.d, i.admdvs,
         m.feedetl_sn AS main_sn, i.kp_id, i.main_name, i.main_code, i.included_name,
         CASE WHEN p.window_mode = 'same_day' THEN 'day' ELSE i.kb_window END AS pair_window,
         i.pair_window_hours
  FROM included i
  JOIN fee m ON m.mdtrt_id = i.mdtrt_id AND m.med_list_codg = i.main_code AND m.feedetl_sn <> i.feedetl_sn
  JOIN params p ON p.admdvs = i.admdvs
  WHERE CASE WHEN p.window_mode = 'same_day' OR i.kb_window = 'day' THEN m.d = i.d
             WHEN i.kb_window = 'visit' THEN true
             WHEN i.kb_window = 'hours' THEN abs(epoch(i.fee_ocur_time) - epoch(m.fee_ocur_time)) < i.pair_window_hours * 3600
             ELSE m.d = i.d END
),
line AS (
  SELECT feedetl_sn, any_value(mdtrt_id) AS mdtrt_id, any_value(psn_no) AS psn_no,
         any_value(fixmedins_code) AS fixmedins_code, any_value(amount) AS amount, any_value(d) AS d,
         any_value(admdvs) AS admdvs
  FROM pair_hit GROUP BY feedetl_sn
),
visit_pairs AS (
  SELECT mdtrt_id, list(DISTINCT main_sn ORDER BY main_sn) AS main_lines,
         list_sort(list(DISTINCT json_object('kp_id', kp_id, 'main_code', main_code, 'main_name', main_name,
                                             'included_code', med_list_codg, 'included_name', included_name,
                                             'window', pair_window, 'window_hours', pair_window_hours))) AS pairs
  FROM pair_hit GROUP BY mdtrt_id
)
SELECT any_value(l.psn_no) AS psn_no, any_value(l.fixmedins_code) AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg,
       l.mdtrt_id, NULL::VARCHAR AS setl_id,
       list(l.feedetl_sn ORDER BY l.feedetl_sn) AS feedetl_sn, any_value(l.admdvs) AS admdvs,
       json_object('included_lines', count(*), 'main_lines', any_value(v.main_lines), 'pairs', any_value(v.pairs),
                   'dates', list(DISTINCT l.d ORDER BY l.d)) AS measured,
       json_object('window_mode', any_value(p.window_mode)) AS threshold,
       NULL::JSON AS peer,
       sum(l.amount)::DECIMAL(14, 2) AS amount_at_risk,
       max(l.d) AS activity_date,
       l.mdtrt_id AS evidence_key
FROM line l
JOIN visit_pairs v ON v.mdtrt_id = l.mdtrt_id
JOIN params p ON p.admdvs = l.admdvs
GROUP BY l.mdtrt_id
