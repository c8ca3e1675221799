-- Evidence lines of each case, materialised (pipeline/nightly/case-evidence.ts) so that the case detail does
-- not join fee_list_d per request: one row per line, the line as the API returns it (JSON text), read with one
-- index lookup. A cache: rebuilt for a case when its alerts (ids, statuses) or the loaded batches changed; the
-- API computes a stale or missing case live. A case without lines keeps one row with seq 0 and line NULL.
-- Numbered apart from 009… so that parallel work adding the next migration number cannot collide with it.

CREATE TABLE case_evidence (
  case_id VARCHAR NOT NULL,
  alerts_sig VARCHAR NOT NULL,           -- md5 of the case's 'alert_id:status' values, sorted, comma-joined
  data_version VARCHAR NOT NULL,         -- latest loaded batch's finished_at when built ('' with none)
  seq INTEGER NOT NULL,                  -- display order: offending lines first, then by time and line number
  line VARCHAR                           -- {feedetl_sn, mdtrt_id, …, offending, detectors}
);
CREATE INDEX case_evidence_case ON case_evidence (case_id);
