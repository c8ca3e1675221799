import type { User } from '../pipeline/access/users.ts';

/**
 * Resolved sessions and tokens for a few seconds, so a burst of requests does not look each one up in
 * DuckDB. Logout forgets its entry at once; a revoked token or disabled user stops working within `ttlMs`.
 */
export class AuthCache {
  private entries = new Map<string, { user: User | null; until: number }>();

  constructor(private readonly ttlMs = 10_000, private readonly max = 10_000) {}

  async get(key: string, load: () => Promise<User | null>): Promise<User | null> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.user;
    const user = await load();
    if (this.entries.size >= this.max) this.entries.clear();
    if (user) this.entries.set(key, { user, until: now + this.ttlMs });
    return user;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
