import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import multipart from '@fastify/multipart';
import helmet from '@fastify/helmet';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { CaseTransitionError } from '../pipeline/cases/lifecycle.ts';
import { HttpError, type AppDeps, type ServerDeps } from './context.ts';
import { ReadPool } from './read-pool.ts';
import { UserInputError, sessionUser, tokenUser } from '../pipeline/access/users.ts';
import { AccessDenied, isAction, mayDo } from '../pipeline/access/policy.ts';
import { serverConfig } from './server-config.ts';
import { checkCsrf, checkOrigin } from './web-guard.ts';
import { LoginLimiter } from './login-limit.ts';
import { Metrics } from './metrics.ts';
import { AuthCache } from './auth-cache.ts';
import { registerSystemRoutes } from './routes/system.ts';
import { registerAuthRoutes, SESSION_COOKIE } from './routes/auth.ts';
import { registerCaseRoutes } from './routes/cases.ts';
import { registerDataRoutes } from './routes/data.ts';
import { registerBatchRoutes } from './routes/batches.ts';
import { registerReferralRoutes } from './routes/referrals.ts';
import { registerDashboardRoutes } from './routes/dashboard.ts';
import { registerInstitutionRoutes } from './routes/institution.ts';
import { registerAdminRoutes } from './routes/admin.ts';
import { registerRankingRoutes } from './routes/rankings.ts';
import { registerDetectorRoutes } from './routes/detectors.ts';
import { registerBullBoard } from './routes/bull-board.ts';

export const CONSOLE_DIR = fileURLToPath(new URL('./console/', import.meta.url));
const ECHARTS_DIR = dirname(createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'));

export interface ServerOptions {
  logger?: boolean;
  /** Bull Board at /admin/queues (needs Redis); off in most tests. */
  bullBoard?: boolean;
  /** Overrides of the config's login limits (tests). */
  loginLimits?: { perAccount?: number; perAddress?: number };
  /** Reader connections for GET routes (default 4). */
  readers?: number;
}

/** The Fastify app of the owner process: API, console, docs, metrics. Does not listen. */
export async function buildServer(serverDeps: ServerDeps, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const web = serverConfig(serverDeps.config);
  const deps: AppDeps = { ...serverDeps, reads: await ReadPool.open(serverDeps.store, opts.readers ?? 4) };
  const app = Fastify({
    logger: opts.logger ?? false,
    trustProxy: web.trust_proxy,
    bodyLimit: 1_048_576,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });
  const metrics = new Metrics();
  const authCache = new AuthCache();
  app.decorate('authCache', authCache);
  app.decorateRequest('user', null);
  app.addHook('onClose', async () => deps.reads.close());

  await app.register(cookie);
  // Security headers; the console loads its scripts and ECharts from this server only.
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"], objectSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'self'"], formAction: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    strictTransportSecurity: false, // set by the HTTPS front (reverse proxy); this server speaks plain HTTP
  });
  await app.register(rateLimit, { global: false });
  await app.register(multipart, { limits: { fileSize: 200 * 1024 * 1024, files: 50, fields: 20 } });
  await app.register(swagger, {
    openapi: {
      info: { title: 'FundWatch 医保基金监测 API', version: '1' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          token: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // A GET route without query parameters declares an empty querystring: an unknown parameter is a 400, never
  // silently ignored (and every /api/v1 route validates its input).
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/v1/') && !isAction(route.config?.action)) {
      throw new Error(`route ${route.url} names no access-policy action (config.action, pipeline/access/policy.ts)`);
    }
    if (!route.url.startsWith('/api/v1/') || ![route.method].flat().includes('GET') || route.schema?.querystring) return;
    route.schema = { ...(route.schema ?? {}), querystring: { type: 'object', additionalProperties: false, properties: {} } };
  });

  // Authentication, the policy's action check (before body validation: anonymous → 401, not allowed → 403), and
  // for every state-changing request the Origin check and, with a session cookie, its CSRF token.
  app.addHook('onRequest', async (req) => {
    metrics.start(req);
    const url = req.url;
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const cookieToken = bearer ? undefined : req.cookies[SESSION_COOKIE];
    checkOrigin(req, web.allowed_origins);
    const guarded = url.startsWith('/api/v1/') || url.startsWith('/admin/');
    if (!guarded) return;
    const found = bearer ? await authCache.get(`b:${bearer}`, () => tokenUser(deps.store, bearer))
      : cookieToken ? await authCache.get(`c:${cookieToken}`, () => sessionUser(deps.store, cookieToken)) : null;
    if (!found) throw new HttpError(401, '请先登录 authentication required');
    req.user = { ...found, via: bearer ? 'token' : 'session' };
    if (cookieToken) checkCsrf(req, cookieToken);
    // Bull Board's own routes (/admin/queues) name no action: they are the queue admin UI.
    const action = req.routeOptions.config?.action ?? (url.startsWith('/admin/') ? 'queues.admin_ui' : undefined);
    if (!isAction(action) || !mayDo(req.user, action)) {
      throw new HttpError(403, `角色 ${req.user.role} 无权访问 (role ${req.user.role} may not use this resource)`);
    }
  });
  app.addHook('onResponse', async (req, reply) => metrics.finish(req, reply));

  app.setErrorHandler((err, req, reply) => {
    const e = err as Error & { statusCode?: number; validation?: unknown; code?: string };
    if (e.validation) return reply.code(400).send({ error: 'bad_request', message: `请求参数无效 invalid request: ${e.message}` });
    if (e instanceof HttpError) return reply.code(e.statusCode).send({ error: errorName(e.statusCode), message: e.message });
    if (e instanceof AccessDenied) return reply.code(403).send({ error: 'forbidden', message: e.message });
    if (e instanceof CaseTransitionError) return reply.code(409).send({ error: 'conflict', message: e.message });
    if (e instanceof UserInputError) return reply.code(400).send({ error: 'bad_request', message: e.message });
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.code(e.statusCode).send({ error: errorName(e.statusCode), message: e.message });
    }
    req.log.error(err);
    return reply.code(500).send({ error: 'internal', message: `服务器内部错误 internal error: ${e.message}` });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not_found', message: `未找到 not found: ${req.method} ${req.url.split('?')[0]}` }));

  await app.register(fastifyStatic, { root: CONSOLE_DIR, prefix: '/', index: ['index.html'], wildcard: false });
  await app.register(fastifyStatic, { root: ECHARTS_DIR, prefix: '/vendor/echarts/', decorateReply: false, wildcard: false });

  registerSystemRoutes(app, deps, metrics);
  registerAuthRoutes(app, deps, {
    cookieSecure: web.cookie_secure,
    perAddress: opts.loginLimits?.perAddress ?? web.login_attempts_per_address,
    accounts: new LoginLimiter(opts.loginLimits?.perAccount ?? web.login_failures_per_account),
  });
  registerCaseRoutes(app, deps);
  registerDataRoutes(app, deps);
  registerBatchRoutes(app, deps);
  registerReferralRoutes(app, deps);
  registerDashboardRoutes(app, deps);
  registerInstitutionRoutes(app, deps);
  registerAdminRoutes(app, deps);
  registerRankingRoutes(app, deps);
  registerDetectorRoutes(app, deps);
  if (opts.bullBoard) await registerBullBoard(app, deps);
  return app;
}

function errorName(status: number): string {
  return ({ 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 413: 'payload_too_large', 415: 'unsupported_media_type', 429: 'too_many_requests' } as Record<number, string>)[status] ?? 'error';
}
