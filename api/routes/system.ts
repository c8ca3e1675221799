import type { FastifyInstance } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { HttpError, type AppDeps } from '../context.ts';
import type { Metrics } from '../metrics.ts';
import { LOCAL_TOKEN_HEADER } from '../../pipeline/owner/owner.ts';
import { checkRedis } from '../../pipeline/queue/redis.ts';
import { authenticate, type Credentials } from '../../pipeline/access/identity.ts';
import { AccessDenied, type Principal } from '../../pipeline/access/policy.ts';
import { auditNow } from '../../pipeline/access/audit.ts';

export function registerSystemRoutes(app: FastifyInstance, deps: AppDeps, metrics: Metrics): void {
  const { store, reads } = deps;

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get('/health', { schema: { tags: ['system'], summary: '存活检查 liveness' } }, async () => ({ status: 'ok', pid: process.pid }));

  app.get('/ready', { schema: { tags: ['system'], summary: '就绪检查 readiness (database and Redis)' } }, async (_req, reply) => {
    let db = false;
    try {
      db = (await reads.scalar<number>('SELECT 1')) === 1;
    } catch {
      db = false;
    }
    const redis = await checkRedis(deps.redis, 1000);
    const body = { ready: db, database: db, redis: redis.ok };
    return reply.code(db ? 200 : 503).send(body);
  });

  app.get('/metrics', { schema: { tags: ['system'], summary: 'Prometheus metrics (text format)' } }, async (_req, reply) => {
    const cases = await reads.all<{ status: string; n: number }>('SELECT status, count(*)::INTEGER AS n FROM cases GROUP BY status ORDER BY status');
    const alerts = await reads.all<{ status: string; n: number }>('SELECT status, count(*)::INTEGER AS n FROM alerts GROUP BY status ORDER BY status');
    const last = await reads.one<{ status: string }>(`SELECT status FROM runs WHERE kind = 'nightly' ORDER BY started_at DESC LIMIT 1`);
    const text = metrics.render([
      { name: 'fundwatch_cases', help: 'Cases by status.', values: cases.map((r) => ({ labels: { status: r.status }, value: r.n })) },
      { name: 'fundwatch_alerts', help: 'Alerts by status.', values: alerts.map((r) => ({ labels: { status: r.status }, value: r.n })) },
      { name: 'fundwatch_last_nightly_ok', help: '1 when the last nightly run succeeded, 0 when it failed or was partial.', values: last ? [{ value: last.status === 'succeeded' ? 1 : 0 }] : [] },
    ]);
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });

  // CLI forwarding (app/cli/forward.ts): only with the local token from <db>.owner.json.
  // The command runs as the user its credentials authenticate (an API token, or a name and password); with none, as
  // the local administrator — the local token alone proves only access to the database's files.
  app.post<{ Body: { argv: string[]; credentials?: Credentials } }>('/internal/cli', {
    schema: {
      hide: true,
      body: {
        type: 'object', required: ['argv'], additionalProperties: false,
        properties: {
          argv: { type: 'array', maxItems: 200, items: { type: 'string', maxLength: 4096 } },
          credentials: {
            type: 'object', additionalProperties: false,
            properties: { token: { type: 'string', maxLength: 200 }, user: { type: 'string', maxLength: 64 }, password: { type: 'string', maxLength: 200 } },
          },
        },
      },
    },
  }, async (req) => {
    const given = String(req.headers[LOCAL_TOKEN_HEADER] ?? '');
    const ok = deps.localToken !== undefined && given.length === deps.localToken.length && timingSafeEqual(Buffer.from(given), Buffer.from(deps.localToken));
    if (!ok) throw new HttpError(403, '本地令牌无效 invalid local token');
    if (req.body.argv[0] === 'serve') throw new HttpError(400, 'serve 不能转发 serve cannot be forwarded');
    let who: Principal;
    try {
      who = await authenticate(store, req.body.credentials ?? {});
    } catch (err) {
      if (err instanceof AccessDenied) return { stdout: '', stderr: `错误 error: ${err.message}\n`, exit_code: 1 };
      throw err;
    }
    await auditNow(store, { actor: who.user_id, action: 'cli_command', object_type: 'command', object_id: req.body.argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ').slice(0, 80), detail: { via: who.via } });
    if (!deps.runCommand) throw new HttpError(503, '本服务不接受转发的命令 this server runs no forwarded commands');
    return deps.runCommand(req.body.argv, who);
  });
}
