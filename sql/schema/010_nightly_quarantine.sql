-- A batch directory that keeps failing to ingest is quarantined after `nightly.max_attempts` tries
-- (pipeline/nightly/stages.ts): moved to <inbox>/_quarantine/<name>, out of the inbox scan, and kept here with
-- status 'quarantined'. `attempts` counts ingest tries (a try killed mid-way counts); `error` holds the last error.

ALTER TABLE nightly_inbox ADD COLUMN attempts INTEGER DEFAULT 0;
ALTER TABLE nightly_inbox ADD COLUMN quarantine_dir VARCHAR;   -- where the directory was moved
