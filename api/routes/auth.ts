import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError, type ServerDeps } from '../context.ts';
import { auditNow } from '../../pipeline/access/audit.ts';
import type { AuthCache } from '../auth-cache.ts';
import { checkLogin, createSession, deleteSession, sessionUser } from '../../pipeline/access/users.ts';
import { ROLE_ZH } from '../../pipeline/access/roles.ts';
import type { LoginLimiter } from '../login-limit.ts';
import { checkCsrf, csrfToken } from '../web-guard.ts';

export const SESSION_COOKIE = 'fw_session';

export interface LoginOptions {
  /** The cookie's Secure flag: always, never, or when the request came over HTTPS. */
  cookieSecure: boolean | 'auto';
  /** Login attempts per client address per minute. */
  perAddress: number;
  /** Failed logins per account. */
  accounts: LoginLimiter;
}

export function registerAuthRoutes(app: FastifyInstance, deps: ServerDeps, opts: LoginOptions): void {
  const { store } = deps;
  const secure = (req: FastifyRequest) => (opts.cookieSecure === 'auto' ? req.protocol === 'https' : opts.cookieSecure);

  app.post<{ Body: { name: string; password: string } }>('/auth/login', {
    config: { rateLimit: { max: opts.perAddress, timeWindow: '1 minute' } },
    schema: {
      tags: ['auth'], summary: '登录 password login (sets the session cookie; returns the CSRF token for state-changing requests)',
      body: { type: 'object', required: ['name', 'password'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 200 } } },
    },
  }, async (req, reply) => {
    const name = req.body.name;
    const wait = opts.accounts.retryAfterMs(name);
    if (wait > 0) {
      await auditNow(store, { actor: name, action: 'login_locked', object_type: 'user', object_id: name, detail: { ip: req.ip } });
      reply.header('retry-after', Math.ceil(wait / 1000));
      throw new HttpError(429, `登录失败次数过多，请 ${Math.ceil(wait / 60_000)} 分钟后再试 (too many failed logins for this account; try again later)`);
    }
    const user = await checkLogin(store, name, req.body.password);
    if (!user) {
      opts.accounts.fail(name);
      await auditNow(store, { actor: name, action: 'login_failed', object_type: 'user', object_id: name, detail: { ip: req.ip } });
      throw new HttpError(401, '用户名或密码错误 wrong name or password');
    }
    opts.accounts.succeed(name);
    const token = await createSession(store, user.user_id);
    await auditNow(store, { actor: user.user_id, action: 'login', object_type: 'user', object_id: user.user_id, detail: { ip: req.ip } });
    reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure: secure(req), maxAge: 12 * 3600 });
    return { user: { ...user, role_zh: ROLE_ZH[user.role] }, csrf_token: csrfToken(token) };
  });

  app.post('/auth/logout', { schema: { tags: ['auth'], summary: '退出 logout (needs the CSRF token while the session is valid)' } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token && (await sessionUser(store, token))) {
      checkCsrf(req, token);
      await deleteSession(store, token);
      (app as unknown as { authCache: AuthCache }).authCache.forget(`c:${token}`);
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get('/api/v1/me', { config: { action: 'me.read' }, schema: { tags: ['auth'], summary: '当前用户 the signed-in user (and, for a session, its CSRF token)' } }, async (req) => {
    const token = req.user!.via === 'session' ? req.cookies[SESSION_COOKIE] : undefined;
    const { via: _via, ...user } = req.user!;
    return { user: { ...user, role_zh: ROLE_ZH[user.role] }, ...(token ? { csrf_token: csrfToken(token) } : {}) };
  });
}
