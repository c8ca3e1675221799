-- Access control for the API and console (api/): users, login sessions, API tokens, institution appeals
-- (申诉) with attachments, case snoozes, and the shared audit log (also created by 005; same shape).

CREATE TABLE users (
  user_id VARCHAR PRIMARY KEY,           -- the login name
  role VARCHAR NOT NULL,                 -- inspector | expert | supervisor | admin | auditor | civil_affairs | institution
  region VARCHAR,                        -- admdvs prefix the user is bound to (civil_affairs: required)
  institution VARCHAR,                   -- fixmedins_code (institution: required)
  password_hash VARCHAR NOT NULL,        -- scrypt$<N>$<salt hex>$<hash hex>
  disabled BOOLEAN NOT NULL DEFAULT false,
  created_at TIMESTAMPTZ NOT NULL,
  created_by VARCHAR NOT NULL
);

-- Login sessions (cookie): only the sha256 of the cookie value is stored.
CREATE TABLE sessions (
  session_hash VARCHAR PRIMARY KEY,
  user_id VARCHAR NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);

-- API tokens for systems (Authorization: Bearer): only the sha256 is stored.
CREATE TABLE api_tokens (
  token_hash VARCHAR PRIMARY KEY,
  token_id VARCHAR NOT NULL,
  user_id VARCHAR NOT NULL,
  label VARCHAR,
  created_at TIMESTAMPTZ NOT NULL,
  revoked_at TIMESTAMPTZ
);

CREATE TABLE appeals (
  appeal_id VARCHAR PRIMARY KEY,
  case_id VARCHAR NOT NULL,
  institution VARCHAR NOT NULL,
  actor VARCHAR NOT NULL,
  reason VARCHAR NOT NULL,
  filed_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE appeal_attachments (
  appeal_id VARCHAR NOT NULL,
  file_name VARCHAR NOT NULL,
  content_type VARCHAR,
  size_bytes BIGINT NOT NULL,
  sha256 VARCHAR NOT NULL,
  content BLOB NOT NULL
);

-- 暂缓: an inspector puts a case aside until a date; the latest row per case counts.
CREATE TABLE case_snoozes (
  case_id VARCHAR NOT NULL,
  until DATE NOT NULL,
  reason VARCHAR,
  actor VARCHAR NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS audit_log (
  "at" TIMESTAMPTZ NOT NULL,
  actor VARCHAR NOT NULL,
  action VARCHAR NOT NULL,
  object_type VARCHAR,
  object_id VARCHAR,
  detail JSON
);
