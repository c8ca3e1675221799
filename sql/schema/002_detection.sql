-- Detection runs and their alerts (shape fixed in ../shared/docs/interfaces.md, "Alerts").

CREATE TABLE runs (
  run_id VARCHAR PRIMARY KEY,
  kind VARCHAR NOT NULL,                 -- detect | nightly | demo
  status VARCHAR NOT NULL,               -- pending | running | succeeded | partial_failure | failed
  window_from DATE,
  window_to DATE,
  detectors JSON,                        -- ids requested
  started_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ,
  counts JSON,                           -- {alerts_new, alerts_existing, alerts_withdrawn, per_detector: {...}}
  stages JSON,                           -- [{stage, status, started_at, finished_at, ms, error}]
  warnings JSON,
  error VARCHAR
);

-- One row per pipeline run in progress: the run lock. A second run finds the row and refuses.
CREATE TABLE run_lock (
  lock_name VARCHAR PRIMARY KEY,
  run_id VARCHAR NOT NULL,
  pid INTEGER NOT NULL,
  acquired_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE alerts (
  alert_id VARCHAR PRIMARY KEY,          -- deterministic: hash of (detector, subject, evidence keys)
  run_id VARCHAR NOT NULL,               -- the run that first raised it
  last_run_id VARCHAR NOT NULL,          -- the latest run that saw it
  family VARCHAR NOT NULL,
  detector_id VARCHAR NOT NULL,
  detector_version INTEGER NOT NULL,
  gz_code VARCHAR,
  result_type VARCHAR NOT NULL,          -- violation | suspicious
  title_zh VARCHAR NOT NULL,
  subject_type VARCHAR NOT NULL,         -- person | provider | physician | visit
  psn_no VARCHAR,
  fixmedins_code VARCHAR,
  bilg_dr_codg VARCHAR,
  mdtrt_id VARCHAR,
  setl_id VARCHAR,
  feedetl_sn VARCHAR[] NOT NULL,
  admdvs VARCHAR,
  measured JSON NOT NULL,
  threshold JSON NOT NULL,
  peer JSON,
  amount_at_risk DECIMAL(14, 2) NOT NULL,
  params JSON NOT NULL,                  -- effective parameter values
  params_hash VARCHAR NOT NULL,
  legal_basis VARCHAR NOT NULL,
  activity_date DATE,                    -- the date of the offending activity (for run windows)
  status VARCHAR NOT NULL,               -- open | withdrawn | suppressed
  status_reason VARCHAR,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
