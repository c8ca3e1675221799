import { MANAGERS, READERS, ROLES, STAFF, type Role } from './roles.ts';

/**
 * The one access policy of FundWatch: every API route and every CLI command (run locally or forwarded to the
 * owner process) names an action here, and only this module decides whether a principal may do it. Checks on a
 * particular case (who may decide, four eyes), on regions and on unmasking live here too, so the API and the CLI
 * cannot drift apart.
 */

/** An authenticated user: by session, API token, password at the CLI, or the local owner token. */
export type Principal = {
  user_id: string;
  role: Role;
  /** Pooling-region prefix the user is bound to (null: all regions). */
  region: string | null;
  /** Institution code of an `institution` account. */
  institution: string | null;
  /** How the user was authenticated; `local`: the database owner's local token or file, acting as administrator. */
  via?: 'session' | 'token' | 'password' | 'local';
};

/** Whoever holds the database file (or its owner's local token): the local administrator, recorded as such. */
export const LOCAL_ADMIN: Principal = { user_id: 'local-admin', role: 'admin', region: null, institution: null, via: 'local' };

export class AccessDenied extends Error {}

const ALL: readonly Role[] = ROLES;
const ADMIN: readonly Role[] = ['admin'];
const DEPARTMENTS: readonly Role[] = ['civil_affairs', 'admin'];

/** Every action and the roles that may do it (resource-level rules below narrow this further). */
export const ACTIONS = {
  'me.read': ALL,
  'status.read': ALL,
  'data.read': READERS, // alerts, detectors, dashboard, rankings, runs, knowledge base, eval
  'cases.read': READERS,
  'cases.take': STAFF, // take next, renew, release (own lock)
  'cases.work': STAFF, // review, expert review, decide, close, comment, snooze — see mayWorkCase / fourEyes
  'cases.assign': MANAGERS,
  'cases.update': MANAGERS, // group open alerts into cases (a pipeline step)
  'cases.appeal': ['institution', 'admin'],
  'persons.unmask': STAFF,
  'batches.read': READERS,
  'batches.upload': MANAGERS,
  'batches.ingest': MANAGERS,
  'rejects.unmask': MANAGERS,
  'runs.start': MANAGERS,
  'detectors.backtest': MANAGERS, // run one detector with trial parameters (writes no alerts)
  'queues.manage': MANAGERS, // dispatch, reconcile
  'rules.suppress': MANAGERS,
  'kb.import': MANAGERS,
  'referrals.read': [...READERS, 'civil_affairs'],
  'referrals.unmask': [...STAFF, 'civil_affairs'],
  'referrals.outcome': DEPARTMENTS,
  'referrals.feed': DEPARTMENTS,
  'referrals.deliver': ADMIN,
  'institution.read': ['institution'],
  'institution.appeal': ['institution'],
  'users.manage': ADMIN,
  'audit.read': ['admin', 'auditor', 'supervisor'],
  'queues.admin_ui': ADMIN, // Bull Board
  'store.backup': ADMIN,
  'data.generate': ADMIN,
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof ACTIONS;

export function isAction(v: unknown): v is Action {
  return typeof v === 'string' && Object.hasOwn(ACTIONS, v);
}

export function mayDo(p: Principal, action: Action): boolean {
  return (ACTIONS[action] as readonly Role[]).includes(p.role);
}

export function requireAction(p: Principal, action: Action): void {
  if (!mayDo(p, action)) throw new AccessDenied(`角色 ${p.role} 无权执行 ${action} (role ${p.role} may not ${action})`);
}

/**
 * CLI commands (their path below `fundwatch`) and the action each needs. A command that is not listed is refused
 * for everyone but the local administrator; a test checks that every registered command is listed.
 */
export const COMMAND_ACTIONS: Record<string, Action> = {
  alerts: 'data.read',
  backtest: 'detectors.backtest',
  backup: 'store.backup',
  case: 'cases.read',
  'case show': 'cases.read',
  'case precision': 'cases.read',
  'case assign': 'cases.assign',
  'case review': 'cases.work',
  'case expert': 'cases.work',
  'case decide': 'cases.work',
  'case close': 'cases.work',
  'case comment': 'cases.work',
  'case appeal': 'cases.appeal',
  'case update': 'cases.update',
  cases: 'cases.read',
  demo: 'runs.start',
  detectors: 'data.read',
  eval: 'data.read',
  generate: 'data.generate',
  ingest: 'batches.ingest',
  kb: 'data.read',
  'kb import': 'kb.import',
  'kb list': 'data.read',
  'kb points': 'data.read',
  nightly: 'runs.start',
  queue: 'cases.read',
  'queue next': 'cases.take',
  'queue renew': 'cases.take',
  'queue release': 'cases.take',
  'queue dispatch': 'queues.manage',
  'queue reconcile': 'queues.manage',
  'queue status': 'cases.read',
  rank: 'data.read',
  referrals: 'referrals.read',
  'referrals outcome': 'referrals.outcome',
  'referrals deliver': 'referrals.deliver',
  'referrals files': 'referrals.deliver',
  run: 'runs.start',
  suppress: 'rules.suppress',
  'suppress add': 'rules.suppress',
  'suppress list': 'data.read',
  'suppress lift': 'rules.suppress',
  users: 'users.manage',
  'users add': 'users.manage',
  'users list': 'users.manage',
  'users token': 'users.manage',
};

export function requireCommand(p: Principal, path: string): void {
  const action = COMMAND_ACTIONS[path];
  if (!action) {
    if (p.via === 'local') return;
    throw new AccessDenied(`命令 ${path} 只能由本地管理员执行 (command "${path}" is for the local administrator only)`);
  }
  requireAction(p, action);
}

/** A pooling region is visible to a user bound to a region only when it lies inside (prefix) that region. */
export function seesRegion(p: Principal, admdvs: string | null | undefined): boolean {
  return !p.region || (admdvs ?? '').startsWith(p.region);
}

/**
 * The region a request may work in: the one asked for when it lies inside the user's own, else the user's own.
 * Asking for a region outside one's own is refused — a request never widens the user's region.
 */
export function scopeRegion(p: Principal, requested?: string | null): string | undefined {
  if (!requested) return p.region ?? undefined;
  if (p.region && !requested.startsWith(p.region)) {
    throw new AccessDenied(`无权访问统筹区 ${requested}：账号限于 ${p.region} (region ${requested} is outside your region ${p.region})`);
  }
  return requested;
}

/** The institution a request may act for: always the account's own, whatever the request says. */
export function scopeInstitution(p: Principal, requested?: string | null): string {
  if (!p.institution) throw new AccessDenied('账号未绑定机构 account has no institution');
  if (requested && requested !== p.institution) throw new AccessDenied(`无权代表机构 ${requested} (you act for ${p.institution} only)`);
  return p.institution;
}

export function isManager(p: Principal): boolean {
  return (MANAGERS as readonly Role[]).includes(p.role);
}

/** What the case-level rules look at. */
export interface CaseAccess {
  case_id: string;
  admdvs: string;
  assignee: string | null;
  decided_by?: string | null;
  decision?: string | null;
  confirmed_amount?: number | null;
}

/**
 * Reviewing, asking an expert, deciding and releasing a case: its assignee, or a supervisor (or admin). A case
 * nobody holds yet may be picked up by any inspection staff of its region (they become its assignee).
 */
export function requireCaseWorker(p: Principal, c: CaseAccess, what: string): void {
  requireAction(p, 'cases.work');
  if (!seesRegion(p, c.admdvs)) throw new AccessDenied(`案件 ${c.case_id} 不在您的统筹区 (case outside your region)`);
  if (isManager(p) || !c.assignee || c.assignee === p.user_id) return;
  throw new AccessDenied(`案件 ${c.case_id} 已分派给 ${c.assignee}，只有承办人或主管可以${what} (only the assignee or a supervisor may ${what})`);
}

/**
 * Four eyes (四眼原则): a confirmed case above `fourEyesAmount` is closed by a supervisor or admin who is not the
 * person who decided it — two distinct authenticated people. Below it, the assignee or a supervisor closes.
 */
export function requireCloser(p: Principal, c: CaseAccess, fourEyesAmount: number): void {
  requireAction(p, 'cases.work');
  if (!seesRegion(p, c.admdvs)) throw new AccessDenied(`案件 ${c.case_id} 不在您的统筹区 (case outside your region)`);
  if (c.decision === 'confirmed' && (c.confirmed_amount ?? 0) > fourEyesAmount) {
    if (!isManager(p)) {
      throw new AccessDenied(`确认金额超过 ${fourEyesAmount} 元，须由主管复核结案 (four eyes: closing needs a supervisor above ${fourEyesAmount} yuan)`);
    }
    if (p.user_id === c.decided_by) throw new AccessDenied('四眼原则：结案人不能是决定人 (four eyes: the closer must not be the person who decided)');
    return;
  }
  if (isManager(p) || !c.assignee || c.assignee === p.user_id || c.decided_by === p.user_id) return;
  throw new AccessDenied(`只有承办人或主管可以结案 (only the assignee or a supervisor may close case ${c.case_id})`);
}

/** Who may see names and ID numbers in full (every such view is audited by the caller). */
export function mayUnmask(p: Principal, what: 'persons' | 'rejects' | 'referrals'): boolean {
  return mayDo(p, `${what}.unmask`);
}
