import type { FastifyInstance } from 'fastify';
import { HttpError, type ServerDeps } from '../context.ts';
import { auditNow } from '../audit.ts';
import type { AuthCache } from '../auth-cache.ts';
import { checkLogin, createSession, deleteSession, ROLES, ROLE_ZH } from '../users.ts';

export const SESSION_COOKIE = 'fw_session';

export function registerAuthRoutes(app: FastifyInstance, deps: ServerDeps, perMinute: number): void {
  const { store } = deps;

  app.post<{ Body: { name: string; password: string } }>('/auth/login', {
    config: { rateLimit: { max: perMinute, timeWindow: '1 minute' } },
    schema: {
      tags: ['auth'], summary: '登录 password login (sets the session cookie)',
      body: { type: 'object', required: ['name', 'password'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 200 } } },
    },
  }, async (req, reply) => {
    const user = await checkLogin(store, req.body.name, req.body.password);
    if (!user) {
      await auditNow(store, { actor: req.body.name, action: 'login_failed', object_type: 'user', object_id: req.body.name, detail: { ip: req.ip } });
      throw new HttpError(401, '用户名或密码错误 wrong name or password');
    }
    const token = await createSession(store, user.user_id);
    await auditNow(store, { actor: user.user_id, action: 'login', object_type: 'user', object_id: user.user_id, detail: { ip: req.ip } });
    reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', maxAge: 12 * 3600 });
    return { user: { ...user, role_zh: ROLE_ZH[user.role] } };
  });

  app.post('/auth/logout', { schema: { tags: ['auth'], summary: '退出 logout' } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) {
      await deleteSession(store, token);
      (app as unknown as { authCache: AuthCache }).authCache.forget(`c:${token}`);
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get('/api/v1/me', { config: { roles: [...ROLES] }, schema: { tags: ['auth'], summary: '当前用户 the signed-in user' } }, async (req) => ({
    user: { ...req.user!, role_zh: ROLE_ZH[req.user!.role] },
  }));
}
