-- Cases: alerts grouped per subject and pooling region, their lifecycle event log, rule suppressions,
-- and the dispatch outbox state towards the BullMQ inspection queues (pipeline/cases, pipeline/queue).

CREATE TABLE cases (
  case_id VARCHAR PRIMARY KEY,           -- deterministic: 'C' + hash(subject keys, region); no ':' (BullMQ job id)
  subject_type VARCHAR NOT NULL,         -- person | provider | physician (visit alerts join their provider's case)
  psn_no VARCHAR,
  fixmedins_code VARCHAR,
  bilg_dr_codg VARCHAR,
  admdvs VARCHAR NOT NULL,               -- pooling region: provider admdvs, or the person's insu_admdvs
  status VARCHAR NOT NULL,               -- new | assigned | in_review | expert_review | decided | appeal | closed
  risk_score DOUBLE NOT NULL,            -- 0..100, see pipeline/cases/score.ts
  alert_count INTEGER NOT NULL,
  amount_at_risk DECIMAL(14, 2) NOT NULL,
  families VARCHAR[] NOT NULL,
  assignee VARCHAR,
  decision VARCHAR,                      -- confirmed | false_alarm | onsite_inspection (latest decision)
  decided_by VARCHAR,
  decided_at TIMESTAMPTZ,
  confirmed_amount DECIMAL(14, 2),
  recovered_amount DECIMAL(14, 2),       -- 追回
  deducted_amount DECIMAL(14, 2),        -- 扣款
  fined_amount DECIMAL(14, 2),           -- 罚款
  closed_by VARCHAR,
  closed_at TIMESTAMPTZ,
  -- outbox towards BullMQ: the priority last sent (NULL = not yet dispatched) and the lock of the inspector
  dispatched_priority INTEGER,
  dispatched_at TIMESTAMPTZ,
  queue_token VARCHAR,                   -- BullMQ lock token of the inspector who took it
  queue_taken_by VARCHAR,
  queue_taken_at TIMESTAMPTZ,
  opened_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  last_run_id VARCHAR
);

CREATE TABLE case_alerts (
  case_id VARCHAR NOT NULL,
  alert_id VARCHAR NOT NULL,
  run_id VARCHAR,
  added_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (alert_id)
);

-- Append-only: the code only ever INSERTs here.
CREATE SEQUENCE case_event_seq;
CREATE TABLE case_events (
  event_id BIGINT PRIMARY KEY DEFAULT nextval('case_event_seq'),
  case_id VARCHAR NOT NULL,
  event_at TIMESTAMPTZ NOT NULL,
  actor VARCHAR NOT NULL,
  action VARCHAR NOT NULL,               -- open | alerts_added | reopen | assign | take | release | review | expert | decide | appeal | close | comment
  from_status VARCHAR,
  to_status VARCHAR,
  reason VARCHAR,
  detail JSON
);

CREATE TABLE suppressions (
  suppression_id VARCHAR PRIMARY KEY,
  detector_id VARCHAR NOT NULL,
  subject_type VARCHAR NOT NULL,         -- person | provider | physician
  psn_no VARCHAR,
  fixmedins_code VARCHAR,
  bilg_dr_codg VARCHAR,
  until DATE NOT NULL,                   -- suppressed up to and including this date
  reason VARCHAR NOT NULL,
  created_by VARCHAR NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  lifted_by VARCHAR,
  lifted_at TIMESTAMPTZ
);
