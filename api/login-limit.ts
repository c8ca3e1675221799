/**
 * Failed logins per account: after `max` failures within `windowMs` the account is refused (429) until the window
 * has passed, from every address — guessing one account's password from many addresses gets nowhere, while an
 * office whose users share one address still logs in. Per-address limits are the rate-limit plugin's.
 * Kept in memory: a restart forgets the counts, which only ever lets a locked account try again sooner.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly max: number, private readonly windowMs = 15 * 60_000) {}

  /** Milliseconds until the account may try again; 0 when it may now. */
  retryAfterMs(account: string, now = Date.now()): number {
    const recent = this.recent(account, now);
    return recent.length >= this.max ? recent[0] + this.windowMs - now : 0;
  }

  fail(account: string, now = Date.now()): void {
    const recent = this.recent(account, now);
    recent.push(now);
    this.failures.set(account.toLowerCase(), recent);
    if (this.failures.size > 100_000) this.failures.clear();
  }

  succeed(account: string): void {
    this.failures.delete(account.toLowerCase());
  }

  private recent(account: string, now: number): number[] {
    return (this.failures.get(account.toLowerCase()) ?? []).filter((t) => t > now - this.windowMs);
  }
}
