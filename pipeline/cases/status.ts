/** Case lifecycle: new → assigned → in_review → (expert_review) → decided → (appeal → decided) → closed. */
export const CASE_STATUSES = ['new', 'assigned', 'in_review', 'expert_review', 'decided', 'appeal', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** Statuses in which a case waits for or is under inspection: these belong in the BullMQ inspection queue. */
export const QUEUED_STATUSES: readonly CaseStatus[] = ['new', 'assigned', 'in_review', 'expert_review', 'appeal'];
export const QUEUED_STATUSES_SQL = QUEUED_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * The inspector's queue lock (pipeline/queue/locks.ts): `queue_token` + `queue_lock_expires_at` are the lock,
 * `queue_taken_by` / `queue_taken_at` who took it. A decision ends the lock and keeps who took it last;
 * a case going back to the queue (release, expiry, reopen) forgets both.
 */
export const END_QUEUE_LOCK_SQL = 'queue_token = NULL, queue_lock_expires_at = NULL';
export const CLEAR_QUEUE_LOCK_SQL = `${END_QUEUE_LOCK_SQL}, queue_taken_by = NULL, queue_taken_at = NULL`;

/** What a reopened case goes back to: new, unassigned, not closed, and due to be dispatched again with no lock. */
export const REOPEN_SET_SQL = `status = 'new', assignee = NULL, closed_by = NULL, closed_at = NULL,
  dispatched_priority = NULL, ${CLEAR_QUEUE_LOCK_SQL}`;

export const DECISIONS = ['confirmed', 'false_alarm', 'onsite_inspection'] as const;
export type Decision = (typeof DECISIONS)[number];

export const STATUS_ZH: Record<CaseStatus, string> = {
  new: '新建',
  assigned: '已分派',
  in_review: '审核中',
  expert_review: '专家评审',
  decided: '已决定',
  appeal: '申诉中',
  closed: '已结案',
};

export const DECISION_ZH: Record<Decision, string> = {
  confirmed: '确认违规',
  false_alarm: '误报',
  onsite_inspection: '转现场检查',
};
