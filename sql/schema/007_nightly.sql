-- Nightly runs (pipeline/nightly): stage checkpoints so a killed run resumes, and the inbox directories
-- each run took, so no batch is lost or taken twice. The run itself is a row of `runs` (kind = 'nightly').

CREATE TABLE nightly_checkpoints (
  run_id VARCHAR NOT NULL,
  stage VARCHAR NOT NULL,
  status VARCHAR NOT NULL,               -- running | done | failed
  started_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ,
  ms BIGINT,
  result JSON,
  error VARCHAR,
  PRIMARY KEY (run_id, stage)
);

CREATE TABLE nightly_inbox (
  dir VARCHAR PRIMARY KEY,               -- absolute path of the batch directory
  run_id VARCHAR NOT NULL,               -- the run that took it
  status VARCHAR NOT NULL,               -- taken | ingested | failed
  batch_id VARCHAR,
  ingest_status VARCHAR,                 -- loaded | duplicate | failed
  error VARCHAR,
  taken_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ
);
