import type { FastifyInstance } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { HttpError, type AppDeps } from '../context.ts';
import type { Metrics } from '../metrics.ts';
import { runForwardedCli } from '../cli-runner.ts';
import { LOCAL_TOKEN_HEADER } from '../../pipeline/owner/forward.ts';
import { checkRedis } from '../../pipeline/queue/redis.ts';

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

  // CLI forwarding (pipeline/owner/forward.ts): only with the local token from <db>.owner.json.
  app.post<{ Body: { argv: string[]; actor: string } }>('/internal/cli', {
    schema: {
      hide: true,
      body: {
        type: 'object', required: ['argv', 'actor'], additionalProperties: false,
        properties: { argv: { type: 'array', maxItems: 200, items: { type: 'string', maxLength: 4096 } }, actor: { type: 'string', maxLength: 200 } },
      },
    },
  }, async (req) => {
    const given = String(req.headers[LOCAL_TOKEN_HEADER] ?? '');
    const ok = deps.localToken !== undefined && given.length === deps.localToken.length && timingSafeEqual(Buffer.from(given), Buffer.from(deps.localToken));
    if (!ok) throw new HttpError(403, '本地令牌无效 invalid local token');
    if (req.body.argv[0] === 'serve') throw new HttpError(400, 'serve 不能转发 serve cannot be forwarded');
    return runForwardedCli(store, req.body.argv, req.body.actor);
  });
}
