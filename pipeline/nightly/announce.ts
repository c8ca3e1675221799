import type { NightlyConfig } from './config.ts';

/**
 * A failed or partial run is announced: POST to `nightly.webhook_url` (if set). The console banner reads the
 * runs table; `fundwatch nightly` exits non-zero. A webhook that does not answer is logged, never fatal.
 */
export async function announceRun(
  r: { run_id: string; status: string; error: string | null; stages: { stage: string; status: string; error: string | null }[] },
  nightly: NightlyConfig,
  log: (msg: string) => void,
): Promise<boolean> {
  if (!nightly.webhook_url) return false;
  const body = {
    event: 'nightly_run_' + r.status,
    run_id: r.run_id,
    status: r.status,
    error: r.error,
    failed_stages: r.stages.filter((s) => s.status === 'failed' || s.status === 'partial_failure').map((s) => ({ stage: s.stage, error: s.error })),
    message_zh: `夜间运行 ${r.run_id} ${r.status === 'failed' ? '失败' : '部分失败'}：${r.error ?? ''}`,
  };
  try {
    const res = await fetch(nightly.webhook_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) log(`通知失败 webhook answered HTTP ${res.status}`);
    return res.ok;
  } catch (err) {
    log(`通知失败 webhook unreachable: ${(err as Error).message}`);
    return false;
  }
}
