-- co_admission_groups (结伙住院): pairs of persons admitted (med_type 2x) to the same provider within
-- p.admit_window_days of each other on at least p.min_co_admissions distinct occasions (counted as the smaller
-- of the two persons' distinct stays involved) in the scanned history up to the window end. Ordinary practice
-- left out: a family admitted together and a shared accident. The contract has no household key, so a household
-- is approximated by surname (compound surnames such as 欧阳 count as one) + the region part of the ID number
-- (certno characters 1–6); pairs of one household do not count (p.exclude_same_household), nor occasions where
-- both stays have an injury or poisoning principal diagnosis (ICD-10 S/T: one accident, p.exclude_shared_injury).
-- The limit: spouses have different surnames, so a couple counts as two households, and unrelated persons of one
-- surname and county as one. A provider fires when its persons in such pairs number at least p.min_group_persons
-- from at least p.min_group_households households and its latest co-admission falls in the window. Peer evidence:
-- the number of such persons at providers of the same kind (level tier, specialty, type).
-- Amount at risk = Σ cost of the co-admitted stays of those pairs (the whole stays are in question).
WITH win AS (
  SELECT $scan_from::DATE AS scan_from, $window_from::DATE AS window_from, $window_to::DATE AS window_to
),
stay AS MATERIALIZED (
  SELECT m.mdtrt_id, any_value(m.psn_no) AS psn_no, any_value(m.fixmedins_code) AS fixmedins_code,
         any_value(m.begntime)::DATE AS adm_date, sum(s.medfee_sumamt) AS cost,
         upper(left(trim(any_value(m.dscg_maindiag_code)), 1)) IN ('S', 'T') AS injury
  FROM clean_mdtrt m JOIN clean_setl s ON s.mdtrt_id = m.mdtrt_id
  WHERE m.med_type LIKE '2%' AND m.begntime >= $scan_from::DATE AND m.begntime < $window_to::DATE + 1
  GROUP BY m.mdtrt_id
),
pair_stay AS (
  SELECT a.fixmedins_code, a.psn_no AS psn_a, b.psn_no AS psn_b, a.mdtrt_id AS stay_a, b.mdtrt_id AS stay_b,
         greatest(a.adm_date, b.adm_date) AS d
  FROM stay a
  JOIN fixmedins f ON f.fixmedins_code = a.fixmedins_code
  JOIN params p ON p.admdvs = f.admdvs
  JOIN stay b ON b.fixmedins_code = a.fixmedins_code AND a.psn_no < b.psn_no
   AND abs(date_diff('day', a.adm_date, b.adm_date)) <= p.admit_window_days
  WHERE NOT (p.exclude_shared_injury AND a.injury AND b.injury)
),
pair AS (
  SELECT ps.fixmedins_code, psn_a, psn_b, least(count(DISTINCT stay_a), count(DISTINCT stay_b)) AS times,
         list(DISTINCT stay_a) || list(DISTINCT stay_b) AS stays, min(d) AS first_date, max(d) AS last_date
  FROM pair_stay ps GROUP BY ps.fixmedins_code, psn_a, psn_b
),
household AS (
  SELECT i.psn_no,
         CASE WHEN coalesce(any_value(i.psn_name), '') = '' THEN i.psn_no
              ELSE CASE WHEN left(any_value(i.psn_name), 2) IN ('欧阳', '司马', '诸葛', '上官', '东方', '皇甫', '尉迟', '公孙', '慕容', '令狐',
                                                                '长孙', '宇文', '司徒', '夏侯', '轩辕', '端木', '独孤', '南宫', '西门', '百里',
                                                                '呼延', '申屠', '太史', '闻人', '万俟', '澹台', '公冶', '宗政', '濮阳', '淳于',
                                                                '赫连', '钟离', '东郭')
                        THEN left(any_value(i.psn_name), 2) ELSE left(any_value(i.psn_name), 1) END
                   || '|' || coalesce(left(any_value(i.certno), 6), '') END AS hh
  FROM psn_info i WHERE i.psn_no IN (SELECT psn_a FROM pair UNION SELECT psn_b FROM pair) GROUP BY i.psn_no
),
repeated AS (
  SELECT pair.* FROM pair JOIN fixmedins f ON f.fixmedins_code = pair.fixmedins_code
  JOIN params p ON p.admdvs = f.admdvs
  LEFT JOIN household ha ON ha.psn_no = pair.psn_a
  LEFT JOIN household hb ON hb.psn_no = pair.psn_b
  WHERE times >= p.min_co_admissions
    AND NOT (p.exclude_same_household AND ha.hh IS NOT DISTINCT FROM hb.hh AND ha.hh IS NOT NULL)
),
prov_group AS (
  SELECT fixmedins_code, count(*) AS pairs, max(times) AS max_times, min(first_date) AS first_date, max(last_date) AS last_date,
         list_sort(list_distinct(flatten(list([psn_a, psn_b])))) AS persons,
         list_sort(list_distinct(flatten(list(stays)))) AS stays
  FROM repeated GROUP BY fixmedins_code
),
prov_households AS (
  SELECT g.fixmedins_code, count(DISTINCT coalesce(h.hh, x.psn)) AS households
  FROM prov_group g, unnest(g.persons) AS x(psn) LEFT JOIN household h ON h.psn_no = x.psn
  GROUP BY g.fixmedins_code
),
all_prov AS (
  SELECT f.fixmedins_code, f.admdvs,
         fw_provider_kind(f.hosp_lv, f.fixmedins_type, f.fixmedins_name) AS peer_group,
         coalesce(len(g.persons), 0) AS persons_n
  FROM fixmedins f LEFT JOIN prov_group g ON g.fixmedins_code = f.fixmedins_code
  WHERE f.fixmedins_code IN (SELECT fixmedins_code FROM stay)
),
grp AS (SELECT peer_group, count(*) AS n, median(persons_n) AS med, mad(persons_n) AS mad FROM all_prov GROUP BY peer_group)
SELECT NULL::VARCHAR AS psn_no, g.fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, NULL::VARCHAR AS mdtrt_id,
       NULL::VARCHAR AS setl_id, []::VARCHAR[] AS feedetl_sn, ap.admdvs,
       json_object('persons', g.persons, 'persons_count', len(g.persons), 'households', hh.households, 'pairs', g.pairs,
                   'max_co_admissions', g.max_times, 'stays', g.stays, 'stays_count', len(g.stays),
                   'first_date', strftime(g.first_date, '%Y-%m-%d'), 'last_date', strftime(g.last_date, '%Y-%m-%d'),
                   'amount_basis', '结伙住院涉及住院的总费用 total cost of the co-admitted stays') AS measured,
       json_object('admit_window_days', p.admit_window_days, 'min_co_admissions', p.min_co_admissions,
                   'min_group_persons', p.min_group_persons, 'min_group_households', p.min_group_households) AS threshold,
       json_object('group', ap.peer_group, 'size', gr.n, 'median', gr.med, 'spread', gr.mad,
                   'score', round((len(g.persons) - gr.med) / greatest(1.4826 * gr.mad, 1), 2)) AS peer,
       round((SELECT sum(st.cost) FROM stay st WHERE list_contains(g.stays, st.mdtrt_id)), 2)::DECIMAL(14, 2) AS amount_at_risk,
       g.last_date AS activity_date,
       strftime(g.last_date, '%Y-%m') AS evidence_key
FROM prov_group g
JOIN prov_households hh ON hh.fixmedins_code = g.fixmedins_code
JOIN all_prov ap ON ap.fixmedins_code = g.fixmedins_code
JOIN grp gr ON gr.peer_group = ap.peer_group
JOIN params p ON p.admdvs = ap.admdvs
WHERE len(g.persons) >= p.min_group_persons AND hh.households >= p.min_group_households
