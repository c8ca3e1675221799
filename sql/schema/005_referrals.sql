-- High-expense early warning (高额医疗费用支出预警) and referrals to civil affairs / agriculture-rural
-- departments (pipeline/warning, pipeline/referrals), plus the shared audit log.

CREATE TABLE referrals (
  referral_id VARCHAR PRIMARY KEY,       -- deterministic: hash(psn_no, year, trigger, level or mdtrt_id)
  run_id VARCHAR,
  month VARCHAR NOT NULL,                -- YYYY-MM of the crossing
  trigger VARCHAR NOT NULL,              -- ytd | single_stay
  level INTEGER NOT NULL,                -- 1 = threshold crossed, 2 = threshold + step, ...; single_stay: 1
  psn_no VARCHAR NOT NULL,
  psn_name VARCHAR,
  certno VARCHAR,
  insu_admdvs VARCHAR,
  aid_category VARCHAR NOT NULL,         -- general when none
  threshold DECIMAL(14, 2) NOT NULL,
  ytd_total_cost DECIMAL(14, 2) NOT NULL,
  ytd_fund_paid DECIMAL(14, 2) NOT NULL,
  ytd_critical_illness_paid DECIMAL(14, 2) NOT NULL,
  ytd_assistance_paid DECIMAL(14, 2) NOT NULL,
  ytd_out_of_pocket DECIMAL(14, 2) NOT NULL,
  month_out_of_pocket DECIMAL(14, 2) NOT NULL,
  stays INTEGER NOT NULL,
  main_diagnoses VARCHAR[] NOT NULL,
  mdtrt_id VARCHAR,                      -- single_stay: the stay
  stay_out_of_pocket DECIMAL(14, 2),
  created_at TIMESTAMPTZ NOT NULL
);

-- One row per referral and receiving department: the delivery outbox and its receipts.
CREATE TABLE referral_deliveries (
  referral_id VARCHAR NOT NULL,
  department_id VARCHAR NOT NULL,        -- e.g. civil_affairs-421000
  department VARCHAR NOT NULL,           -- civil_affairs | agri_rural
  channels VARCHAR[] NOT NULL,           -- webhook and/or file
  status VARCHAR NOT NULL,               -- webhook: pending | queued | delivered | dead_letter; file only: pending_file | delivered
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error VARCHAR,
  delivered_at TIMESTAMPTZ,
  webhook_receipt JSON,                  -- {http_status, body, idempotency_key}
  file_delivered_at TIMESTAMPTZ,
  file_receipt JSON,                     -- [{file, sha256, rows}]
  created_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (referral_id, department_id)
);

-- What the receiving department reported back; append-only, the latest one counts.
CREATE TABLE referral_outcomes (
  referral_id VARCHAR NOT NULL,
  department_id VARCHAR NOT NULL,
  reported_at TIMESTAMPTZ NOT NULL,
  outcome VARCHAR NOT NULL,              -- received | verified | assistance_granted | not_eligible
  note VARCHAR,
  actor VARCHAR NOT NULL
);

-- "at" is a keyword in DuckDB: quote it in queries.
CREATE TABLE IF NOT EXISTS audit_log (
  "at" TIMESTAMPTZ NOT NULL,
  actor VARCHAR NOT NULL,
  action VARCHAR NOT NULL,
  object_type VARCHAR,
  object_id VARCHAR,
  detail JSON
);
