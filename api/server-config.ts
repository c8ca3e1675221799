import { configSection, type FundwatchConfig } from '../pipeline/config.ts';

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

export function serverConfig(config: FundwatchConfig): ServerConfig {
  const s = configSection<ServerConfig>(config, 'server');
  const out: ServerConfig = { ...SERVER_DEFAULTS, ...s };
  const bad = (key: string, what: string) => new Error(`配置项 server.${key} 无效 (invalid server.${key}: ${what})`);
  for (const k of ['sla_days', 'login_failures_per_account', 'login_attempts_per_address'] as const) {
    if (!Number.isInteger(out[k]) || out[k] < 1 || out[k] > 100_000) throw bad(k, 'a whole number from 1');
  }
  if (out.cookie_secure !== 'auto' && typeof out.cookie_secure !== 'boolean') throw bad('cookie_secure', 'true, false or "auto"');
  if (typeof out.trust_proxy !== 'boolean') throw bad('trust_proxy', 'true or false');
  if (!Array.isArray(out.allowed_origins) || out.allowed_origins.some((o) => typeof o !== 'string' || !/^https?:\/\/[^/\s]+$/.test(o))) {
    throw bad('allowed_origins', 'a list of origins like "https://fundwatch.example.gov.cn"');
  }
  return out;
}
