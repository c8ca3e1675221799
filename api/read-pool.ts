import type { Params, Row, Store } from '../pipeline/store/store.ts';

/**
 * Reader connections to the owner's database for the API's GET routes. The owner connection runs one
 * statement at a time (and every write), so under load the API's reads queued behind each other and behind
 * the nightly run; DuckDB lets several connections of one process read at once, each seeing committed data.
 * A request leases one connection (`use`) for all its queries; leases wait their turn when all are busy.
 */
export class ReadPool {
  private readonly idle: Store[];
  private readonly waiting: ((s: Store) => void)[] = [];
  private closed = false;

  private constructor(private readonly readers: Store[]) {
    this.idle = [...readers];
  }

  static async open(store: Store, size = 4): Promise<ReadPool> {
    const readers: Store[] = [];
    for (let i = 0; i < Math.max(1, size); i++) readers.push(await store.readerConnection());
    return new ReadPool(readers);
  }

  async use<T>(fn: (db: Store) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('读连接池已关闭 read pool closed');
    const db = this.idle.pop() ?? (await new Promise<Store>((resolve) => this.waiting.push(resolve)));
    try {
      return await fn(db);
    } finally {
      const next = this.waiting.shift();
      if (next) next(db);
      else this.idle.push(db);
    }
  }

  all<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    return this.use((db) => db.all<T>(sql, params));
  }

  one<T extends Row = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return this.use((db) => db.one<T>(sql, params));
  }

  scalar<T = unknown>(sql: string, params?: Params): Promise<T> {
    return this.use((db) => db.scalar<T>(sql, params));
  }

  /** Closes the connections once every lease has ended. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (let i = 0; i < this.readers.length; i++) {
      const db = this.idle.pop() ?? (await new Promise<Store>((resolve) => this.waiting.push(resolve)));
      db.close();
    }
  }
}
