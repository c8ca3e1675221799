/** The roles of FundWatch users (docs/interfaces.md "HTTP API"). */
export const ROLES = ['inspector', 'expert', 'supervisor', 'admin', 'auditor', 'civil_affairs', 'institution'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_ZH: Record<Role, string> = {
  inspector: '稽核员',
  expert: '专家',
  supervisor: '主管',
  admin: '管理员',
  auditor: '审计员（只读）',
  civil_affairs: '民政/乡村振兴部门',
  institution: '定点医药机构',
};

/** Inspection staff: work cases. */
export const STAFF: readonly Role[] = ['inspector', 'expert', 'supervisor', 'admin'];
/** Everyone who may read the surveillance data (auditor: read-only). */
export const READERS: readonly Role[] = [...STAFF, 'auditor'];
/** Supervisors and administrators: assign, close above the four-eyes amount, manage batches and runs. */
export const MANAGERS: readonly Role[] = ['supervisor', 'admin'];

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}
