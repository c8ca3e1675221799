-- oversized_days_supply: take-away drug lines (list_type 101/102 or charge category 09/10/11, quantity > 0) of
-- outpatient visits (med_type 1x) and, when p.pharmacy_as_outpatient, pharmacy purchases (41), whose prd_days exceed
-- the limit of their context (《处方管理办法》第十九条, 《长期处方管理规范（试行）》):
--   emergency           med_type 13                                                      → p.emergency_max_days (3)
--   long prescription   → p.chronic_max_days (84, 12 weeks), for a drug not in p.no_long_rx_atc (antimicrobials,
--                         narcotics, psychotropics), when
--     chronic_visit       the visit is 门慢门特 (med_type 14xxxx)
--     chronic_drug        the drug's ATC is in p.chronic_atc (statins, antihypertensives, antidiabetics …)
--     chronic_diagnosis   the visit's principal or other diagnosis is in p.chronic_icd10
--     chronic_person      a pharmacy purchase of a person with a 门慢门特 visit or a chronic diagnosis in the
--                         look-back year or the window (the pharmacy fills a chronic patient's prescription)
--   course              the visit's diagnosis has a standard course in p.course_icd10 longer than 7 days (H. pylori
--                       eradication 14 days …) → its days, for every drug of the visit (the regimen's antibiotics too)
--   outpatient / no_long_rx   anything else                                              → p.outpatient_max_days (7)
-- The ATC of a western drug is its national code's characters 2–6 (X + ATC, e.g. XC10AA… = C10AA statins); list
-- entries are prefixes or ranges of prefixes ('I10-I15'), dots ignored. Return lines (negative quantity or amount)
-- are no prescription. Inpatient and day-surgery lines (2x) are dispensed daily and not checked. One hit per visit with its offending lines; amount at risk = Σ their
-- det_item_fee_sumamt; threshold = the limit of the line furthest over it.
WITH lists AS (
  SELECT admdvs, list, split_part(e, '-', 1) AS lo, coalesce(nullif(split_part(e, '-', 2), ''), split_part(e, '-', 1)) AS hi
  FROM (
    SELECT admdvs, 'icd' AS list, unnest(string_split(upper(replace(replace(chronic_icd10, '.', ''), ' ', '')), ',')) AS e FROM params
    UNION ALL SELECT admdvs, 'atc', unnest(string_split(upper(replace(chronic_atc, ' ', '')), ',')) FROM params
    UNION ALL SELECT admdvs, 'no_long', unnest(string_split(upper(replace(no_long_rx_atc, ' ', '')), ',')) FROM params
  )
  WHERE e <> ''
),
courses AS (
  SELECT admdvs, split_part(c, '-', 1) AS lo, coalesce(nullif(split_part(c, '-', 2), ''), split_part(c, '-', 1)) AS hi, days
  FROM (SELECT admdvs, split_part(e, ':', 1) AS c, TRY_CAST(split_part(e, ':', 2) AS DOUBLE) AS days
        FROM (SELECT admdvs, unnest(string_split(upper(replace(replace(course_icd10, '.', ''), ' ', '')), ',')) AS e FROM params))
  WHERE c <> '' AND days > 0
),
cand AS (
  -- sale lines over the lowest limit of any region: the only ones that can offend, so only these meet their visits
  -- (prd_days > 0 first: a constant the scan applies itself)
  SELECT fe.feedetl_sn, fe.mdtrt_id, fe.setl_id, fe.med_list_codg, fe.hilist_name, fe.prd_days, fe.cnt,
         fe.det_item_fee_sumamt, fe.fee_ocur_time
  FROM clean_fee fe
  WHERE fe.prd_days > 0 AND (fe.list_type IN ('101', '102') OR fe.med_chrgitm_type IN ('09', '10', '11'))
    AND fe.prd_days > (SELECT min(least(outpatient_max_days, emergency_max_days)) FROM params)
    AND coalesce(fe.cnt, 1) > 0 AND coalesce(fe.det_item_fee_sumamt, 0) >= 0
),
line AS MATERIALIZED (
  SELECT c.*, coalesce(c.fee_ocur_time, m.begntime)::DATE AS fee_date, m.psn_no, m.fixmedins_code, m.med_type,
         m.dscg_maindiag_code, m.diag_codes, f.admdvs, p.outpatient_max_days, p.emergency_max_days, p.chronic_max_days,
         CASE WHEN c.med_list_codg LIKE 'X%' THEN upper(substr(c.med_list_codg, 2, 5)) END AS atc
  FROM cand c
  JOIN clean_mdtrt m ON m.mdtrt_id = c.mdtrt_id
  JOIN fixmedins f ON f.fixmedins_code = m.fixmedins_code
  JOIN params p ON p.admdvs = f.admdvs
  WHERE (m.med_type LIKE '1%' OR (m.med_type = '41' AND p.pharmacy_as_outpatient))
    AND coalesce(c.fee_ocur_time, m.begntime) >= $window_from::DATE
    AND (c.prd_days > p.outpatient_max_days OR (m.med_type = '13' AND c.prd_days > p.emergency_max_days))
),
kept AS MATERIALIZED (
  -- with their drug class
  SELECT l.*, coalesce(dc.no_long, false) AS no_long, coalesce(dc.chronic, false) AS chronic_drug
  FROM line l
  LEFT JOIN (
    SELECT k.atc, k.admdvs, bool_or(r.list = 'no_long') AS no_long, bool_or(r.list = 'atc') AS chronic
    FROM (SELECT DISTINCT atc, admdvs FROM line WHERE atc IS NOT NULL) k
    JOIN lists r ON r.admdvs = k.admdvs AND r.list IN ('atc', 'no_long') AND left(k.atc, length(r.lo)) BETWEEN r.lo AND r.hi
    GROUP BY k.atc, k.admdvs
  ) dc ON dc.atc = l.atc AND dc.admdvs = l.admdvs
),
undecided AS (
  -- lines the visit type and the drug class leave open: only these need the diagnoses (an emergency keeps 3 days; a
  -- 门慢门特 visit or a chronic drug is a long prescription unless the drug may never be long)
  SELECT * FROM kept
  WHERE med_type <> '13' AND (no_long OR (med_type NOT LIKE '14%' AND NOT chronic_drug))
),
visit_code AS (
  -- diagnoses of the undecided visits; then of every visit of the persons with an undecided pharmacy purchase
  SELECT v.mdtrt_id, NULL::VARCHAR AS psn_no, v.admdvs, v.med_type,
         upper(replace(trim(unnest(list_prepend(v.dscg_maindiag_code, coalesce(string_split(v.diag_codes, '|'), []::VARCHAR[])))), '.', '')) AS code
  FROM (SELECT DISTINCT mdtrt_id, admdvs, med_type, dscg_maindiag_code, diag_codes FROM undecided) v
  UNION ALL
  SELECT NULL, m.psn_no, pp.admdvs, m.med_type,
         upper(replace(trim(unnest(list_prepend(m.dscg_maindiag_code, coalesce(string_split(m.diag_codes, '|'), []::VARCHAR[])))), '.', ''))
  FROM clean_mdtrt m JOIN (SELECT DISTINCT psn_no, admdvs FROM undecided WHERE med_type = '41' AND NOT no_long) pp ON pp.psn_no = m.psn_no
  WHERE m.begntime >= $scan_from::DATE
),
code_class AS (
  -- each distinct code once against the lists: whether it is chronic, and its course days
  SELECT c.code, c.admdvs,
         bool_or(r.lo IS NOT NULL) AS chronic,
         (SELECT max(k.days) FROM courses k WHERE k.admdvs = c.admdvs AND left(c.code, length(k.lo)) BETWEEN k.lo AND k.hi) AS course_days
  FROM (SELECT DISTINCT code, admdvs FROM visit_code WHERE code <> '') c
  LEFT JOIN lists r ON r.list = 'icd' AND r.admdvs = c.admdvs AND left(c.code, length(r.lo)) BETWEEN r.lo AND r.hi
  GROUP BY c.code, c.admdvs
),
coded AS MATERIALIZED (
  SELECT v.mdtrt_id, v.psn_no, v.admdvs, v.med_type, cc.chronic, cc.course_days
  FROM visit_code v JOIN code_class cc ON cc.code = v.code AND cc.admdvs = v.admdvs
),
visit_context AS (
  SELECT mdtrt_id, bool_or(chronic) AS chronic_dx, max(course_days) AS course_days
  FROM coded WHERE mdtrt_id IS NOT NULL GROUP BY mdtrt_id
),
chronic_person AS (
  SELECT DISTINCT psn_no, admdvs FROM coded WHERE psn_no IS NOT NULL AND (chronic OR med_type LIKE '14%')
),
judged AS (
  SELECT *,
         CASE WHEN med_type = '13' THEN 'emergency'
              WHEN long_context IS NOT NULL AND chronic_max_days >= coalesce(course_days, 0) THEN long_context
              WHEN course_days > outpatient_max_days THEN 'course'
              WHEN no_long THEN 'no_long_rx'
              ELSE 'outpatient' END AS context
  FROM (
    SELECT k.*, vc.course_days,
           CASE WHEN k.no_long THEN NULL
                WHEN k.med_type LIKE '14%' THEN 'chronic_visit'
                WHEN k.chronic_drug THEN 'chronic_drug'
                WHEN coalesce(vc.chronic_dx, false) THEN 'chronic_diagnosis'
                WHEN cp.psn_no IS NOT NULL THEN 'chronic_person' END AS long_context
    FROM kept k
    LEFT JOIN visit_context vc ON vc.mdtrt_id = k.mdtrt_id
    LEFT JOIN chronic_person cp ON cp.psn_no = k.psn_no AND cp.admdvs = k.admdvs AND k.med_type = '41'
  )
),
offending AS (
  SELECT *, CASE WHEN context = 'emergency' THEN 'emergency_max_days'
                 WHEN context IN ('outpatient', 'no_long_rx') THEN 'outpatient_max_days'
                 WHEN context = 'course' THEN 'course_max_days'
                 ELSE 'chronic_max_days' END AS limit_name
  FROM (SELECT *, CASE WHEN context = 'emergency' THEN emergency_max_days
                       WHEN context IN ('outpatient', 'no_long_rx') THEN outpatient_max_days
                       WHEN context = 'course' THEN course_days
                       ELSE chronic_max_days END AS max_days FROM judged)
  WHERE prd_days > max_days
)
SELECT any_value(psn_no) AS psn_no, any_value(fixmedins_code) AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg,
       mdtrt_id,
       CASE WHEN count(DISTINCT setl_id) = 1 THEN any_value(setl_id) END AS setl_id,
       list(feedetl_sn ORDER BY feedetl_sn) AS feedetl_sn,
       any_value(admdvs) AS admdvs,
       json_object('med_type', any_value(med_type), 'max_prd_days', max(prd_days), 'offending_lines', count(*),
                   'lines', list(json_object('feedetl_sn', feedetl_sn, 'med_list_codg', med_list_codg,
                                             'hilist_name', hilist_name, 'prd_days', prd_days, 'max_days', max_days,
                                             'context', context) ORDER BY prd_days - max_days DESC, feedetl_sn)) AS measured,
       json_object(first(limit_name ORDER BY prd_days - max_days DESC, feedetl_sn),
                   first(max_days ORDER BY prd_days - max_days DESC, feedetl_sn)) AS threshold,
       NULL::JSON AS peer,
       sum(det_item_fee_sumamt)::DECIMAL(14, 2) AS amount_at_risk,
       min(fee_date) AS activity_date,
       mdtrt_id AS evidence_key
FROM offending
GROUP BY mdtrt_id
