-- The inspector's hold on a case is the store's, not only Redis's (pipeline/queue/locks.ts): with its expiry,
-- reconcile can restore a held case as held after Redis lost it (FLUSHALL, restart without persistence), and
-- take next refuses a case whose lock is live whatever Redis says. A lock taken before this migration has no
-- expiry and counts as expired here (Redis's own lock still protects it until its next renewal writes one).

ALTER TABLE cases ADD COLUMN queue_lock_expires_at TIMESTAMPTZ;
