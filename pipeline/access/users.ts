import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/store.ts';
import { writeAudit } from './audit.ts';
import { ROLES, isRole, type Role } from './roles.ts';
import type { Principal } from './policy.ts';

/** A user as stored (the principal of sessions and tokens). */
export type User = Principal;

const SCRYPT_N = 16384;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N: SCRYPT_N });
  return `scrypt$${SCRYPT_N}$${salt.toString('hex')}$${hash.toString('hex')}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const [kind, n, saltHex, hashHex] = stored.split('$');
  if (kind !== 'scrypt' || !saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, 'hex');
  const got = scryptSync(password, Buffer.from(saltHex, 'hex'), expected.length, { N: Number(n) });
  return timingSafeEqual(expected, got);
}

export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** A password people can type: 16 characters from an unambiguous alphabet. */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(16);
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

export class UserInputError extends Error {}

export interface NewUser {
  name: string;
  role: string;
  region?: string | null;
  institution?: string | null;
  password?: string;
}

/** Creates a user and returns the password (generated unless given) — shown once, stored only as scrypt. */
export async function addUser(store: Store, u: NewUser, createdBy: string): Promise<{ user: User; password: string }> {
  if (!/^[A-Za-z0-9_.@-]{2,64}$/.test(u.name)) {
    throw new UserInputError(`用户名只能包含字母、数字和 _.@- (2–64 位) (invalid user name "${u.name}")`);
  }
  if (!isRole(u.role)) throw new UserInputError(`角色无效 invalid role "${u.role}" (one of ${ROLES.join(', ')})`);
  const role = u.role as Role;
  if (role === 'civil_affairs' && !u.region) throw new UserInputError('民政部门账号须指定 --region (civil_affairs needs --region)');
  if (role === 'institution' && !u.institution) throw new UserInputError('机构账号须指定 --institution (institution needs --institution CODE)');
  const password = u.password ?? generatePassword();
  const user: User = { user_id: u.name, role, region: u.region ?? null, institution: u.institution ?? null };
  await store.transaction(async () => {
    const exists = await store.scalar<number>('SELECT count(*)::INTEGER FROM users WHERE user_id = $1', [u.name]);
    if (exists) throw new UserInputError(`用户已存在 user already exists: ${u.name}`);
    await store.run(
      `INSERT INTO users (user_id, role, region, institution, password_hash, created_at, created_by) VALUES ($1, $2, $3, $4, $5, now(), $6)`,
      [user.user_id, role, user.region, user.institution, hashPassword(password), createdBy],
    );
    await writeAudit(store, { actor: createdBy, action: 'user_add', object_type: 'user', object_id: u.name, detail: { role, region: user.region, institution: user.institution } });
  });
  return { user, password };
}

export async function listUsers(store: Store): Promise<(User & { disabled: boolean; created_at: string })[]> {
  return store.all(
    `SELECT user_id, role, region, institution, disabled, strftime(created_at, '%Y-%m-%dT%H:%M:%S+08:00') AS created_at FROM users ORDER BY user_id`,
  ) as never;
}

/** Checks a login; null when the name or password is wrong or the user is disabled. */
export async function checkLogin(store: Store, name: string, password: string): Promise<User | null> {
  const row = await store.one<User & { password_hash: string; disabled: boolean }>(
    'SELECT user_id, role, region, institution, password_hash, disabled FROM users WHERE user_id = $1',
    [name],
  );
  if (!row || row.disabled || !verifyPassword(password, row.password_hash)) return null;
  return { user_id: row.user_id, role: row.role, region: row.region, institution: row.institution };
}

export async function createSession(store: Store, userId: string, hours = 12): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await store.exclusive(() =>
    store.run(`INSERT INTO sessions VALUES ($1, $2, now(), now() + to_hours($3::BIGINT))`, [sha256(token), userId, hours]),
  );
  return token;
}

export async function deleteSession(store: Store, token: string): Promise<void> {
  await store.exclusive(() => store.run('DELETE FROM sessions WHERE session_hash = $1', [sha256(token)]));
}

export async function sessionUser(store: Store, token: string): Promise<User | null> {
  return (await store.one<User>(
    `SELECT u.user_id, u.role, u.region, u.institution FROM sessions s JOIN users u USING (user_id)
     WHERE s.session_hash = $1 AND s.expires_at > now() AND NOT u.disabled`,
    [sha256(token)],
  )) ?? null;
}

/** API token for a system account: `fw_<id>_<secret>`; returned once, stored as sha256. */
export async function createApiToken(store: Store, userId: string, label: string | null, createdBy: string): Promise<{ token_id: string; token: string }> {
  const tokenId = randomBytes(6).toString('hex');
  const token = `fw_${tokenId}_${randomBytes(24).toString('base64url')}`;
  await store.transaction(async () => {
    const exists = await store.scalar<number>('SELECT count(*)::INTEGER FROM users WHERE user_id = $1', [userId]);
    if (!exists) throw new UserInputError(`用户不存在 no such user: ${userId}`);
    await store.run('INSERT INTO api_tokens VALUES ($1, $2, $3, $4, now(), NULL)', [sha256(token), tokenId, userId, label]);
    await writeAudit(store, { actor: createdBy, action: 'token_create', object_type: 'user', object_id: userId, detail: { token_id: tokenId, label } });
  });
  return { token_id: tokenId, token };
}

export async function tokenUser(store: Store, token: string): Promise<User | null> {
  return (await store.one<User>(
    `SELECT u.user_id, u.role, u.region, u.institution FROM api_tokens t JOIN users u USING (user_id)
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled`,
    [sha256(token)],
  )) ?? null;
}

/** For `fundwatch demo --serve`: a demo admin with a fresh password (created, or its password reset). */
export async function createDemoAdmin(store: Store): Promise<{ name: string; password: string; role: Role }> {
  const name = 'demo-admin';
  const exists = await store.scalar<number>('SELECT count(*)::INTEGER FROM users WHERE user_id = $1', [name]);
  if (!exists) {
    const { password } = await addUser(store, { name, role: 'admin' }, 'demo');
    return { name, password, role: 'admin' };
  }
  const password = generatePassword();
  await store.transaction(async () => {
    await store.run('UPDATE users SET password_hash = $2, disabled = false WHERE user_id = $1', [name, hashPassword(password)]);
    await writeAudit(store, { actor: 'demo', action: 'user_password_reset', object_type: 'user', object_id: name });
  });
  return { name, password, role: 'admin' };
}
