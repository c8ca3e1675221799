import type { FastifyInstance } from 'fastify';
import { S, actorOf, idParams, type AppDeps } from '../context.ts';
import { ts } from '../sql.ts';
import { addUser, createApiToken, listUsers } from '../../pipeline/access/users.ts';
import { ROLES, type Role } from '../../pipeline/access/roles.ts';

export function registerAdminRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { store, reads } = deps;

  app.get('/api/v1/users', { config: { action: 'users.manage' }, schema: { tags: ['admin'], summary: '用户列表 users' } }, async () => ({ items: await reads.use(listUsers) }));

  app.post<{ Body: { name: string; role: Role; region?: string; institution?: string } }>('/api/v1/users', {
    config: { action: 'users.manage' },
    schema: {
      tags: ['admin'], summary: '新建用户 create a user (the generated password is returned once)',
      body: {
        type: 'object', required: ['name', 'role'], additionalProperties: false,
        properties: { name: { type: 'string', pattern: '^[A-Za-z0-9_.@-]{2,64}$' }, role: { type: 'string', enum: [...ROLES] }, region: S.region, institution: S.id },
      },
    },
  }, async (req, reply) => {
    const { user, password } = await addUser(store, req.body, actorOf(req));
    return reply.code(201).send({ user, password });
  });

  app.post<{ Params: { id: string }; Body: { label?: string } }>('/api/v1/users/:id/tokens', {
    config: { action: 'users.manage' },
    schema: {
      tags: ['admin'], summary: '签发 API 令牌 issue an API token for a system account (returned once)', params: idParams(),
      body: { type: 'object', additionalProperties: false, properties: { label: { type: 'string', maxLength: 100 } } },
    },
  }, async (req, reply) => reply.code(201).send(await createApiToken(store, req.params.id, req.body?.label ?? null, actorOf(req))));

  app.get<{ Querystring: { action?: string; actor?: string; object_id?: string; limit: number; offset: number } }>('/api/v1/audit', {
    config: { action: 'audit.read' },
    schema: {
      tags: ['admin'], summary: '审计日志 audit log',
      querystring: {
        type: 'object', additionalProperties: false,
        properties: { action: { type: 'string', pattern: '^[a-z_]{1,40}$' }, actor: { type: 'string', pattern: '^[A-Za-z0-9_.@:-]{1,80}$' }, object_id: S.id, limit: S.limit, offset: S.offset },
      },
    },
  }, async (req) => {
    const params: unknown[] = [];
    const where = ['true'];
    if (req.query.action) where.push(`action = $${params.push(req.query.action)}`);
    if (req.query.actor) where.push(`actor = $${params.push(req.query.actor)}`);
    if (req.query.object_id) where.push(`object_id = $${params.push(req.query.object_id)}`);
    const items = await reads.all(
      `SELECT ${ts('"at"')} AS "at", actor, action, object_type, object_id, detail::VARCHAR AS detail FROM audit_log
       WHERE ${where.join(' AND ')} ORDER BY "at" DESC LIMIT ${req.query.limit} OFFSET ${req.query.offset}`, params as never);
    return { items: items.map((r) => ({ ...r, detail: r.detail ? JSON.parse(r.detail as string) : null })) };
  });
}
