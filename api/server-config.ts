import { checkSection, type FundwatchConfig, type JsonSchema } from '../pipeline/config.ts';

/** Section `server` of fundwatch.config.json. */
export interface ServerConfig {
  /** Working days on the case SLA clock in the console. */
  sla_days: number;
  /** The session cookie's `Secure` flag: always, never, or `auto` (when the request came over HTTPS). */
  cookie_secure: boolean | 'auto';
  /** Behind a reverse proxy: trust its X-Forwarded-* headers (client address, protocol). */
  trust_proxy: boolean;
  /** Origins allowed to send state-changing requests besides the server's own (e.g. the proxy's public URL). */
  allowed_origins: string[];
  /** Failed logins per account within 15 minutes before it is locked for the rest of the window. */
  login_failures_per_account: number;
  /** Login attempts per client address per minute (an office behind one address shares it). */
  login_attempts_per_address: number;
}

export const SERVER_DEFAULTS: ServerConfig = {
  sla_days: 10,
  cookie_secure: 'auto',
  trust_proxy: false,
  allowed_origins: [],
  login_failures_per_account: 5,
  login_attempts_per_address: 100,
};

const count = (d: number, max: number) => ({ type: 'integer', minimum: 1, maximum: max, default: d });

export const SERVER_SCHEMA: JsonSchema = {
  type: 'object', additionalProperties: false,
  properties: {
    sla_days: count(SERVER_DEFAULTS.sla_days, 365),
    cookie_secure: { oneOf: [{ type: 'boolean' }, { const: 'auto' }], default: SERVER_DEFAULTS.cookie_secure },
    trust_proxy: { type: 'boolean', default: SERVER_DEFAULTS.trust_proxy },
    allowed_origins: { type: 'array', items: { type: 'string', pattern: '^https?://[^/\\s]+$' }, default: [] },
    login_failures_per_account: count(SERVER_DEFAULTS.login_failures_per_account, 1000),
    login_attempts_per_address: count(SERVER_DEFAULTS.login_attempts_per_address, 100_000),
  },
};

export function serverConfig(config: FundwatchConfig): ServerConfig {
  return checkSection<ServerConfig>(config, 'server', SERVER_SCHEMA);
}
