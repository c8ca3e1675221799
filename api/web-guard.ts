import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './context.ts';

export const CSRF_HEADER = 'x-csrf-token';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The CSRF token of a cookie session: derived from the session's secret (never stored), given to the console at
 * login and by /api/v1/me, sent back in the `x-csrf-token` header on every state-changing request. A page on
 * another site can make the browser send the cookie, but cannot read this token.
 */
export function csrfToken(sessionToken: string): string {
  return createHmac('sha256', 'fundwatch-csrf').update(sessionToken).digest('base64url');
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function isStateChange(req: FastifyRequest): boolean {
  return UNSAFE.has(req.method);
}

/**
 * A state-changing request whose `Origin` (or `Sec-Fetch-Site: cross-site`) names anywhere but this server or an
 * allowed origin is refused, whatever its credentials.
 */
export function checkOrigin(req: FastifyRequest, allowedOrigins: string[]): void {
  if (!isStateChange(req)) return;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const own = `${req.protocol}://${req.headers.host ?? ''}`;
    if (origin !== own && !allowedOrigins.includes(origin)) {
      throw new HttpError(403, `跨站请求被拒绝 cross-origin request refused (Origin ${origin})`);
    }
  } else if (req.headers['sec-fetch-site'] === 'cross-site') {
    throw new HttpError(403, '跨站请求被拒绝 cross-site request refused');
  }
}

/**
 * A state-changing request authenticated by the session cookie must carry that session's CSRF token. Requests
 * with an API token (systems, the CLI) carry no cookie and need none.
 */
export function checkCsrf(req: FastifyRequest, sessionToken: string): void {
  if (!isStateChange(req)) return;
  const given = req.headers[CSRF_HEADER];
  if (typeof given !== 'string' || !sameToken(given, csrfToken(sessionToken))) {
    throw new HttpError(403, `缺少或错误的 CSRF 令牌 missing or wrong CSRF token (send the ${CSRF_HEADER} header given at login)`);
  }
}
