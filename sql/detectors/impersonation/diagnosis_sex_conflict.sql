-- diagnosis_sex_conflict: a visit whose principal diagnosis, a secondary diagnosis (diag_codes, '|'-separated)
-- or a procedure (oprn_oprt_codes) is limited to one sex, on a person of the other sex (psn_info.gend 1 male,
-- 2 female; other values are not checked). Codes are compared on their category: ICD-10 the first three
-- characters (inclusive ranges), ICD-9-CM-3 the first two digits. A newborn's care billed on the mother's card
-- (新生儿随母结算) is no conflict: a male-only code on a woman's visit that lists a perinatal or newborn code
-- (P00–P96, Z38), or within p.newborn_days after her delivery (O80–O84, Z37, obstetric procedures 72–74), is left
-- out. One hit per visit; amount at risk = the visit's lines (a visit-level finding).
WITH sex_specific (kind, sex_required, code_from, code_to, group_zh) AS (
  VALUES
    -- ICD-10 diagnoses, female only ('2')
    ('diagnosis', '2', 'O00', 'O9A', '妊娠、分娩和产褥期 pregnancy, childbirth and the puerperium'),
    ('diagnosis', '2', 'N70', 'N98', '女性盆腔器官疾病 diseases of the female pelvic organs and genital tract'),
    ('diagnosis', '2', 'C51', 'C58', '女性生殖器官恶性肿瘤 malignant neoplasms of female genital organs'),
    ('diagnosis', '2', 'D06', 'D06', '子宫颈原位癌 carcinoma in situ of cervix uteri'),
    ('diagnosis', '2', 'D25', 'D28', '女性生殖器官良性肿瘤 benign neoplasms of female genital organs'),
    ('diagnosis', '2', 'E28', 'E28', '卵巢功能障碍 ovarian dysfunction'),
    ('diagnosis', '2', 'Q50', 'Q52', '女性生殖器官先天畸形 congenital malformations of female genital organs'),
    ('diagnosis', '2', 'Z32', 'Z37', '妊娠及分娩相关 pregnancy and delivery encounters'),
    -- ICD-10 diagnoses, male only ('1')
    ('diagnosis', '1', 'N40', 'N51', '男性生殖器官疾病 diseases of male genital organs'),
    ('diagnosis', '1', 'C60', 'C63', '男性生殖器官恶性肿瘤 malignant neoplasms of male genital organs'),
    ('diagnosis', '1', 'D29', 'D29', '男性生殖器官良性肿瘤 benign neoplasm of male genital organs'),
    ('diagnosis', '1', 'E29', 'E29', '睾丸功能障碍 testicular dysfunction'),
    ('diagnosis', '1', 'Q53', 'Q55', '男性生殖器官先天畸形 congenital malformations of male genital organs'),
    -- ICD-9-CM-3 procedures (first two digits)
    ('procedure', '2', '65', '71', '女性生殖器官手术 operations on female genital organs (incl. 68 hysteroscopy/uterus)'),
    ('procedure', '2', '72', '75', '产科操作 obstetric procedures'),
    ('procedure', '1', '60', '64', '男性生殖器官手术 operations on male genital organs')
),
visit AS (
  SELECT m.mdtrt_id, m.psn_no, m.fixmedins_code, m.begntime, m.dscg_maindiag_code, m.dscg_maindiag_name, m.diag_codes, m.oprn_oprt_codes,
         pe.gend, fm.admdvs, p.include_secondary_diagnoses, p.include_procedures, p.newborn_days
  FROM clean_mdtrt m
  JOIN psn_info pe ON pe.psn_no = m.psn_no
  JOIN fixmedins fm ON fm.fixmedins_code = m.fixmedins_code
  JOIN params p ON p.admdvs = fm.admdvs
  WHERE pe.gend IN ('1', '2') AND m.begntime >= $window_from::TIMESTAMP
),
code AS (
  SELECT mdtrt_id, gend, 'diagnosis' AS kind, 'principal' AS role, trim(dscg_maindiag_code) AS code FROM visit
  WHERE dscg_maindiag_code IS NOT NULL
  UNION ALL
  SELECT mdtrt_id, gend, 'diagnosis', 'secondary', trim(unnest(string_split(diag_codes, '|'))) FROM visit
  WHERE include_secondary_diagnoses AND diag_codes IS NOT NULL
  UNION ALL
  SELECT mdtrt_id, gend, 'procedure', 'procedure', trim(unnest(string_split(oprn_oprt_codes, '|'))) FROM visit
  WHERE include_procedures AND oprn_oprt_codes IS NOT NULL
),
raw_conflict AS (
  SELECT c.mdtrt_id, c.kind, c.role, c.code, c.gend, s.sex_required, s.group_zh
  FROM code c
  JOIN sex_specific s ON s.kind = c.kind AND s.sex_required <> c.gend
   AND CASE WHEN c.kind = 'diagnosis' THEN upper(left(c.code, 3)) ELSE left(c.code, 2) END BETWEEN s.code_from AND s.code_to
  WHERE c.code <> '' AND (c.kind = 'diagnosis' OR regexp_matches(c.code, '^[0-9]{2}'))
),
mother AS (
  -- women's visits with a male-only code: the newborn's care may be billed on them
  SELECT DISTINCT v.mdtrt_id, v.psn_no, v.begntime, v.newborn_days
  FROM visit v SEMI JOIN raw_conflict r ON r.mdtrt_id = v.mdtrt_id AND r.gend = '2' AND r.sex_required = '1'
),
newborn_on_mother AS (
  -- newborn codes on the visit, or a delivery of hers within newborn_days before it (the delivery visit included);
  -- the tests name w so that they run on the joined rows only, not on every visit
  SELECT w.mdtrt_id
  FROM mother w JOIN code c ON c.mdtrt_id = w.mdtrt_id
  WHERE CASE WHEN w.newborn_days > 0 AND c.kind = 'diagnosis'
             THEN upper(left(c.code, 3)) BETWEEN 'P00' AND 'P96' OR upper(left(c.code, 3)) = 'Z38' ELSE false END
  UNION
  SELECT w.mdtrt_id
  FROM mother w
  JOIN clean_mdtrt d ON d.psn_no = w.psn_no AND d.begntime <= w.begntime
   AND d.begntime >= w.begntime - to_days(CAST(w.newborn_days AS INTEGER)) AND d.begntime >= $scan_from::TIMESTAMP
  WHERE CASE WHEN w.newborn_days > 0
             THEN list_has_any(list_transform(list_prepend(d.dscg_maindiag_code, coalesce(string_split(d.diag_codes, '|'), []::VARCHAR[])),
                                              lambda x: upper(left(trim(x), 3))), ['O80', 'O81', 'O82', 'O83', 'O84', 'Z37'])
                  OR list_has_any(list_transform(coalesce(string_split(d.oprn_oprt_codes, '|'), []::VARCHAR[]), lambda x: left(trim(x), 2)), ['72', '73', '74'])
             ELSE false END
),
conflict AS (
  SELECT r.* FROM raw_conflict r
  WHERE NOT (r.gend = '2' AND r.sex_required = '1' AND r.mdtrt_id IN (SELECT mdtrt_id FROM newborn_on_mother))
),
per_visit AS (
  SELECT mdtrt_id,
         list(json_object('code', code, 'kind', kind, 'role', role,
                          'requires', CASE sex_required WHEN '2' THEN 'female' ELSE 'male' END, 'group', group_zh)
              ORDER BY kind, role, code) AS conflicts
  FROM conflict GROUP BY mdtrt_id
),
lines AS (
  SELECT f.mdtrt_id, list(f.feedetl_sn ORDER BY f.feedetl_sn) AS feedetl_sn, sum(f.det_item_fee_sumamt) AS amount
  FROM per_visit c JOIN clean_fee f ON f.mdtrt_id = c.mdtrt_id
  GROUP BY f.mdtrt_id
)
SELECT v.psn_no, v.fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, v.mdtrt_id, NULL::VARCHAR AS setl_id,
       coalesce(l.feedetl_sn, []::VARCHAR[]) AS feedetl_sn, v.admdvs,
       json_object('gend', v.gend, 'conflicts', c.conflicts, 'dscg_maindiag_code', v.dscg_maindiag_code,
                   'dscg_maindiag_name', v.dscg_maindiag_name, 'lines', len(coalesce(l.feedetl_sn, []::VARCHAR[]))) AS measured,
       json_object('rule', '性别限定诊断/手术操作 sex-specific ICD-10 categories and ICD-9-CM-3 chapters') AS threshold,
       NULL::JSON AS peer,
       coalesce(l.amount, 0)::DECIMAL(14, 2) AS amount_at_risk,
       v.begntime::DATE AS activity_date,
       v.mdtrt_id AS evidence_key
FROM per_visit c JOIN visit v USING (mdtrt_id) LEFT JOIN lines l ON l.mdtrt_id = c.mdtrt_id
