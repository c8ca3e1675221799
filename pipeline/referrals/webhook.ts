import { createHmac } from 'node:crypto';

/**
 * Signed webhook POST. Headers:
 * - `X-FundWatch-Timestamp`: unix seconds;
 * - `X-FundWatch-Signature`: `sha256=` + hex HMAC-SHA256(secret, `${timestamp}.${body}`);
 * - `Idempotency-Key`: the same on every retry of one delivery, so the receiver can drop duplicates.
 */
export function signBody(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export interface WebhookResult {
  http_status: number;
  body: string;
}

export class WebhookError extends Error {}

export async function postSigned(url: string, secret: string, body: string, idempotencyKey: string, timeoutMs = 15_000): Promise<WebhookResult> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'x-fundwatch-timestamp': timestamp,
        'x-fundwatch-signature': signBody(secret, timestamp, body),
        'idempotency-key': idempotencyKey,
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new WebhookError(`网络错误 network error posting to ${url}: ${(err as Error).message}`);
  }
  const text = (await res.text().catch(() => '')).slice(0, 1000);
  if (!res.ok) throw new WebhookError(`HTTP ${res.status} from ${url}: ${text.slice(0, 300)}`);
  return { http_status: res.status, body: text };
}
