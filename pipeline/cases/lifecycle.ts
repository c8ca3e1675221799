import type { Store } from '../store/store.ts';
import { appendCaseEvent } from './events.ts';
import { casesConfig, type CasesConfig } from './config.ts';
import { DECISIONS, type CaseStatus, type Decision } from './status.ts';
import { requireAction, requireCaseWorker, requireCloser, type Principal } from '../access/policy.ts';
import { isRole } from '../access/roles.ts';

export class CaseTransitionError extends Error {}

interface CaseRow {
  case_id: string;
  admdvs: string;
  status: CaseStatus;
  assignee: string | null;
  decision: Decision | null;
  decided_by: string | null;
  confirmed_amount: number | null;
  decided_days_ago: number | null;
}

async function loadCase(store: Store, caseId: string): Promise<CaseRow> {
  const row = await store.one<CaseRow & Record<string, unknown>>(
    `SELECT case_id, admdvs, status, assignee, decision, decided_by, confirmed_amount::DOUBLE AS confirmed_amount,
       date_diff('day', decided_at, now()) AS decided_days_ago FROM cases WHERE case_id = $1`,
    [caseId],
  );
  if (!row) throw new CaseTransitionError(`案件不存在 case not found: ${caseId}`);
  return row;
}

function requireStatus(c: CaseRow, allowed: CaseStatus[], action: string): void {
  if (!allowed.includes(c.status)) {
    throw new CaseTransitionError(
      `案件 ${c.case_id} 当前状态为 ${c.status}，不能执行 ${action} (case is ${c.status}; ${action} needs one of ${allowed.join(', ')})`,
    );
  }
}

async function setStatus(store: Store, c: CaseRow, to: CaseStatus, actor: string, action: string, reason: string | null, detail?: unknown, extraSet = '', extraParams: unknown[] = []): Promise<void> {
  await store.run(
    `UPDATE cases SET status = $2, updated_at = now()${extraSet ? ', ' + extraSet : ''} WHERE case_id = $1`,
    [c.case_id, to, ...extraParams] as never,
  );
  await appendCaseEvent(store, { case_id: c.case_id, actor, action, from_status: c.status, to_status: to, reason, detail });
}

/**
 * Who acts: an authenticated principal (API session or token, CLI sign-in, or the local administrator), as the
 * entry points give it — never a name or role taken from the request. Without a role: an inspector.
 */
export interface Actor {
  actor: string;
  role?: string;
  region?: string | null;
}

function principalOf(by: Actor): Principal {
  return { user_id: by.actor, role: isRole(by.role) ? by.role : 'inspector', region: by.region ?? null, institution: null };
}

/** Assign (or reassign) to an inspector: new → assigned; later statuses keep their status. */
export async function assignCase(store: Store, caseId: string, assignee: string, by: Actor, reason: string | null = null): Promise<void> {
  await store.transaction(async () => {
    requireAction(principalOf(by), 'cases.assign');
    const c = await loadCase(store, caseId);
    requireStatus(c, ['new', 'assigned', 'in_review', 'expert_review', 'appeal'], 'assign');
    const to = c.status === 'new' ? 'assigned' : c.status;
    await setStatus(store, c, to, by.actor, 'assign', reason, { assignee }, 'assignee = $3', [assignee]);
  });
}

export async function startReview(store: Store, caseId: string, by: Actor, reason: string | null = null): Promise<void> {
  await store.transaction(async () => {
    const c = await loadCase(store, caseId);
    requireCaseWorker(principalOf(by), c, '开始审核');
    requireStatus(c, ['new', 'assigned'], 'review');
    await setStatus(store, c, 'in_review', by.actor, 'review', reason, undefined, 'assignee = coalesce(assignee, $3)', [by.actor]);
  });
}

/** 专家评审 (optional step). */
export async function requestExpertReview(store: Store, caseId: string, by: Actor, reason: string | null = null): Promise<void> {
  await store.transaction(async () => {
    const c = await loadCase(store, caseId);
    requireCaseWorker(principalOf(by), c, '提交专家评审');
    requireStatus(c, ['in_review'], 'expert');
    await setStatus(store, c, 'expert_review', by.actor, 'expert', reason);
  });
}

export interface DecisionInput {
  decision: Decision;
  confirmed_amount?: number;
  recovered_amount?: number; // 追回
  deducted_amount?: number; // 扣款
  fined_amount?: number; // 罚款
  reason?: string | null;
}

/** Decide: confirmed violation / false alarm (误报) / refer to on-site inspection (转现场检查). */
export async function decideCase(store: Store, caseId: string, input: DecisionInput, by: Actor): Promise<void> {
  if (!DECISIONS.includes(input.decision)) {
    throw new CaseTransitionError(`决定无效 invalid decision ${input.decision} (one of ${DECISIONS.join(', ')})`);
  }
  for (const k of ['confirmed_amount', 'recovered_amount', 'deducted_amount', 'fined_amount'] as const) {
    const v = input[k];
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) throw new CaseTransitionError(`${k} 必须是非负金额 must be a non-negative amount`);
  }
  if (input.decision === 'confirmed' && input.confirmed_amount === undefined) {
    throw new CaseTransitionError('确认违规须填写确认金额 a confirmed violation needs --confirmed-amount');
  }
  const money = (v: number | undefined) => (v === undefined ? null : Math.round(v * 100) / 100);
  await store.transaction(async () => {
    const c = await loadCase(store, caseId);
    requireCaseWorker(principalOf(by), c, '作出决定');
    requireStatus(c, ['in_review', 'expert_review', 'appeal'], 'decide');
    await setStatus(
      store, c, 'decided', by.actor, 'decide', input.reason ?? null,
      { decision: input.decision, confirmed_amount: money(input.confirmed_amount), recovered_amount: money(input.recovered_amount), deducted_amount: money(input.deducted_amount), fined_amount: money(input.fined_amount) },
      `decision = $3, decided_by = $4, decided_at = now(), confirmed_amount = $5, recovered_amount = $6, deducted_amount = $7, fined_amount = $8`,
      [input.decision, by.actor, money(input.confirmed_amount), money(input.recovered_amount), money(input.deducted_amount), money(input.fined_amount)],
    );
  });
}

/** 申诉: the institution appeals a decision, within `appeal_days` of it. The case goes back to the queue. */
export async function appealCase(store: Store, caseId: string, by: Actor, reason: string, config: CasesConfig = casesConfig()): Promise<void> {
  await store.transaction(async () => {
    requireAction(principalOf(by), 'cases.appeal');
    const c = await loadCase(store, caseId);
    requireStatus(c, ['decided'], 'appeal');
    if (c.decision === 'false_alarm') throw new CaseTransitionError('误报案件无需申诉 a false alarm cannot be appealed');
    if ((c.decided_days_ago ?? 0) > config.appeal_days) {
      throw new CaseTransitionError(`已超过申诉期 ${config.appeal_days} 天 (appeal period of ${config.appeal_days} days has passed)`);
    }
    await setStatus(store, c, 'appeal', by.actor, 'appeal', reason, undefined, 'dispatched_priority = NULL');
  });
}

/**
 * Close a decided case. Four eyes (policy.ts `requireCloser`): a confirmed case above `four_eyes_amount` must be
 * closed by a supervisor (or admin) who is not the person who decided it.
 */
export async function closeCase(store: Store, caseId: string, by: Actor, reason: string | null = null, config: CasesConfig = casesConfig()): Promise<void> {
  await store.transaction(async () => {
    const c = await loadCase(store, caseId);
    requireStatus(c, ['decided'], 'close');
    requireCloser(principalOf(by), c, config.four_eyes_amount);
    await setStatus(store, c, 'closed', by.actor, 'close', reason, by.role ? { role: by.role } : undefined, 'closed_by = $3, closed_at = now()', [by.actor]);
  });
}

export async function commentCase(store: Store, caseId: string, by: Actor, text: string): Promise<void> {
  requireAction(principalOf(by), 'cases.work');
  if (!text.trim()) throw new CaseTransitionError('评论不能为空 empty comment');
  await store.transaction(async () => {
    const c = await loadCase(store, caseId);
    await appendCaseEvent(store, { case_id: caseId, actor: by.actor, action: 'comment', from_status: c.status, to_status: c.status, reason: text });
  });
}
