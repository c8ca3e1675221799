import type { Store } from '../store/store.ts';
import { writeAudit } from './audit.ts';
import { AccessDenied, LOCAL_ADMIN, type Principal } from './policy.ts';
import { checkLogin, tokenUser } from './users.ts';

/** What a CLI user signs in with: an API token, or a user name and password. Neither: the local administrator. */
export interface Credentials {
  token?: string;
  user?: string;
  password?: string;
}

/**
 * The principal of a CLI command, run locally or forwarded to the owner: the user of the API token, or of the
 * name and password; with no credentials, whoever holds the database file or the owner's local token — the local
 * administrator, recorded as `local-admin`. Wrong credentials are refused (and a wrong password audited), never
 * downgraded to the local administrator.
 */
export async function authenticate(store: Store, creds: Credentials): Promise<Principal> {
  if (creds.token) {
    const u = await tokenUser(store, creds.token);
    if (!u) throw new AccessDenied('API 令牌无效或已吊销 (FUNDWATCH_TOKEN is not a valid API token)');
    return { ...u, via: 'token' };
  }
  if (creds.user) {
    const u = await checkLogin(store, creds.user, creds.password ?? '');
    if (!u) {
      await store.exclusive(() => writeAudit(store, { actor: creds.user!, action: 'login_failed', object_type: 'user', object_id: creds.user!, detail: { via: 'cli' } }));
      throw new AccessDenied(`用户名或密码错误 wrong name or password for ${creds.user}`);
    }
    return { ...u, via: 'password' };
  }
  return LOCAL_ADMIN;
}
