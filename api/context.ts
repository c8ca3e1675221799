import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../pipeline/store/store.ts';
import type { FundwatchConfig } from '../pipeline/config.ts';
import type { RedisSettings } from '../pipeline/queue/redis.ts';
import type { Action, Principal } from '../pipeline/access/policy.ts';
import type { ReadPool } from './read-pool.ts';

/** What every route module gets: the owner's open store and settings. */
export interface ServerDeps {
  store: Store;
  config: FundwatchConfig;
  redis: RedisSettings;
  dbPath: string;
  /** Token for `/internal/cli` (from the owner file); undefined: the route refuses everything. */
  localToken?: string;
  /** Where uploaded batches are written (the nightly inbox). */
  inboxDir: string;
  /** Starts a nightly run in the background; returns its run id. */
  startRun?: (actor: string) => Promise<{ run_id: string; started: boolean; message: string }>;
  /** Runs a CLI command forwarded by the local CLI (`/internal/cli`), as the principal the route authenticated. Given by
   *  the composition layer (app/serve.ts), so the API never imports the CLI. */
  runCommand?: (argv: string[], principal: Principal) => Promise<{ stdout: string; stderr: string; exit_code: number }>;
  /** Called when a case detail had to compute its evidence live (the owner then refreshes `case_evidence`). */
  evidenceStale?: () => void;
}

/** What the route modules get: the deps plus the reader connections their GET handlers use. */
export interface AppDeps extends ServerDeps {
  reads: ReadPool;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The policy action this route needs (pipeline/access/policy.ts); routes under /api/v1/ without one are refused. */
    action?: Action;
  }
  interface FastifyRequest {
    user: Principal | null;
  }
}

export function actorOf(req: FastifyRequest): string {
  return req.user ? req.user.user_id : 'anonymous';
}

export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

export function notFound(what: string): HttpError {
  return new HttpError(404, `未找到 not found: ${what}`);
}

export function forbidden(msg = '无权访问 forbidden'): HttpError {
  return new HttpError(403, msg);
}

export function sendHtml(reply: FastifyReply, html: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').send(html);
}

/** Shared JSON-schema pieces. */
export const S = {
  id: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,80}$' },
  date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
  month: { type: 'string', pattern: '^\\d{4}-\\d{2}$' },
  region: { type: 'string', pattern: '^[0-9A-Za-z]{1,12}$' },
  limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  offset: { type: 'integer', minimum: 0, maximum: 10_000_000, default: 0 },
  money: { type: 'number', minimum: 0, maximum: 1e12 },
  text: { type: 'string', maxLength: 2000 },
} as const;

export function idParams(name = 'id') {
  return { type: 'object', required: [name], additionalProperties: false, properties: { [name]: S.id } } as const;
}
