-- Knowledge base (知识库): NHSA knowledge points, imported as versions by `fundwatch kb import`.
--
-- Every import is a version (kb_versions) holding the files it read. A version covers one or more kinds
-- (kind = rule_class || ':' || item_kind, e.g. 'sex_limit:drug'), so files may be imported one by one:
-- for each kind the CURRENT version is the one with the newest effective_date <= the run date
-- (ties: the latest import). Detectors read the current knowledge base through the views below:
--
--   kb_current_points   one row per knowledge point with its parsed limits
--   kb_current_codes    (code, kp_id, rule_class, item_kind, <parsed limits>) — join fee lines on
--                       med_list_codg = code
--   kb_current_pairs    duplicate-charge pairs (main_code, included_code, pair_window, pair_window_hours)
--
-- The views use current_date (Asia/Shanghai). For another date use the table macros
-- kb_points_asof(DATE '2026-03-01'), kb_codes_asof(...), kb_pairs_asof(...).

CREATE TABLE kb_versions (
  version_id VARCHAR PRIMARY KEY,       -- kb-<effective yyyymmdd>-<content hash prefix>
  imported_at TIMESTAMPTZ NOT NULL,
  effective_date DATE NOT NULL,
  content_hash VARCHAR NOT NULL,        -- sha256 over the sorted sha256 of the files read
  files JSON NOT NULL,                  -- [{file, sha256, rule_class, item_kind, points, codes, skipped_rows}]
  points INTEGER NOT NULL,
  codes INTEGER NOT NULL,
  problems JSON NOT NULL,               -- [{file, sheet, row, message}] rows that could not be read
  imported_by VARCHAR
);

CREATE TABLE kb_version_kinds (
  version_id VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,                -- rule_class:item_kind
  points INTEGER NOT NULL,
  PRIMARY KEY (version_id, kind)
);

CREATE TABLE kb_points (
  version_id VARCHAR NOT NULL,
  kp_id VARCHAR NOT NULL,               -- rule_class:item_kind:source row
  kind VARCHAR NOT NULL,
  rule_class VARCHAR NOT NULL,
  item_kind VARCHAR NOT NULL,           -- drug | service
  item_name VARCHAR NOT NULL,
  constraint_text VARCHAR,
  sex VARCHAR,                          -- the sex the item is limited TO: 1 male, 2 female
  age_group VARCHAR,                    -- child | infant | newborn | working_age
  age_min DOUBLE,
  age_max DOUBLE,                       -- exclusive, years
  age_max_days INTEGER,                 -- newborns: 28
  insurance VARCHAR,                    -- work_injury | maternity
  min_level_tier INTEGER,               -- 3 三级, 2 二级及以上, 1 一级及以上
  first_rx_only BOOLEAN,
  care_setting VARCHAR,                 -- inpatient | outpatient
  emergency_allowed BOOLEAN,
  max_days INTEGER,
  course_measure VARCHAR,               -- billed_days | span
  per_stay BOOLEAN,
  per_day_max DOUBLE,
  per_day_unit VARCHAR,                 -- day | hour
  period_days INTEGER,
  period_max DOUBLE,
  min_interval_days INTEGER,
  grp VARCHAR,                          -- surgery_discount: operation group (手术组)
  source_file VARCHAR NOT NULL,
  sheet VARCHAR NOT NULL,
  row_no INTEGER NOT NULL,
  PRIMARY KEY (version_id, kp_id)
);

CREATE TABLE kb_codes (
  version_id VARCHAR NOT NULL,
  kp_id VARCHAR NOT NULL,
  code VARCHAR NOT NULL                 -- national drug code or 15-digit service code
);

CREATE TABLE kb_pairs (
  version_id VARCHAR NOT NULL,
  kp_id VARCHAR NOT NULL,
  main_code VARCHAR NOT NULL,           -- 主项编码
  included_code VARCHAR NOT NULL,       -- 从项编码: must not be billed with the main item in the window
  included_name VARCHAR,
  pair_window VARCHAR NOT NULL,         -- day (单日) | visit (单次就诊) | hours (同一小时, 6小时)
  pair_window_hours DOUBLE
);

-- For each kind, the version in force on date d.
CREATE MACRO kb_versions_asof(d) AS TABLE
  SELECT kind, version_id, effective_date
  FROM (
    SELECT k.kind, v.version_id, v.effective_date,
           row_number() OVER (PARTITION BY k.kind ORDER BY v.effective_date DESC, v.imported_at DESC) AS rn
    FROM kb_version_kinds k JOIN kb_versions v USING (version_id)
    WHERE v.effective_date <= d
  )
  WHERE rn = 1;

CREATE MACRO kb_points_asof(d) AS TABLE
  SELECT p.* FROM kb_points p
  JOIN kb_versions_asof(d) cv ON cv.version_id = p.version_id AND cv.kind = p.kind;

CREATE MACRO kb_codes_asof(d) AS TABLE
  SELECT c.code, p.* FROM kb_codes c
  JOIN kb_points_asof(d) p ON p.version_id = c.version_id AND p.kp_id = c.kp_id;

CREATE MACRO kb_pairs_asof(d) AS TABLE
  SELECT pr.main_code, pr.included_code, pr.included_name, pr.pair_window, pr.pair_window_hours, p.*
  FROM kb_pairs pr
  JOIN kb_points_asof(d) p ON p.version_id = pr.version_id AND p.kp_id = pr.kp_id;

CREATE VIEW kb_current_points AS SELECT * FROM kb_points_asof(current_date);
CREATE VIEW kb_current_codes AS SELECT * FROM kb_codes_asof(current_date);
CREATE VIEW kb_current_pairs AS SELECT * FROM kb_pairs_asof(current_date);
