import { chmodSync, existsSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { migrate } from './migrate.ts';

export type Params = DuckDBValue[] | Record<string, DuckDBValue>;
export type Row = Record<string, unknown>;

export interface StoreOptions {
  /** DuckDB memory_limit, e.g. '4GB'. */
  memoryLimit?: string;
  threads?: number;
  /** Skip applying migrations (only for tools that inspect a foreign file). */
  skipMigrations?: boolean;
}

/**
 * The one DuckDB database of FundWatch. All writes go through one connection and are
 * serialised with `exclusive()`, because DuckDB allows a single writer per file.
 */
/** `$1, $2, … $n`: positional parameters for an IN list of n values. */
export function placeholders(n: number): string {
  return Array.from({ length: n }, (_, i) => `$${i + 1}`).join(', ');
}

export class Store {
  private queue: Promise<unknown> = Promise.resolve();
  /** False for a reader connection (`readerConnection`): closing it leaves the database open. */
  private ownsInstance = true;

  private constructor(
    readonly path: string,
    readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
  ) {}

  static async open(path: string, options: StoreOptions = {}): Promise<Store> {
    const config: Record<string, string> = {};
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    if (options.threads) config.threads = String(options.threads);
    // Claims data: the database, its WAL (created later by DuckDB) and whatever else this process writes — backups,
    // reports, referral files, ingest copies — are for the owning account only.
    process.umask(process.umask() | 0o077);
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, config);
    } catch (err) {
      throw new StoreOpenError(path, err);
    }
    for (const f of [path, `${path}.wal`]) if (path !== ':memory:' && path !== '' && existsSync(f)) chmodSync(f, 0o600); // made before, or by an older version
    const conn = await instance.connect();
    const store = new Store(path, instance, conn);
    await conn.run("SET TimeZone = 'Asia/Shanghai'");
    if (!options.skipMigrations) await migrate(store);
    return store;
  }

  async run(sql: string, params?: Params): Promise<void> {
    await this.conn.run(sql, params as never);
  }

  async all<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.conn.runAndReadAll(sql, params as never);
    return reader.getRowObjectsJS().map((r) => plain(r) as T);
  }

  async one<T extends Row = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async scalar<T = unknown>(sql: string, params?: Params): Promise<T> {
    const row = await this.one(sql, params);
    return (row ? Object.values(row)[0] : undefined) as T;
  }

  /** Runs `fn` alone: no other exclusive section interleaves with it on this store. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** BEGIN … COMMIT around `fn`; ROLLBACK on any error, so nothing half-done is left. */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      await this.conn.run('BEGIN TRANSACTION');
      try {
        const result = await fn();
        await this.conn.run('COMMIT');
        return result;
      } catch (err) {
        await this.conn.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /**
   * Another connection to this open database, for reads that run concurrently with this one (the API's read
   * pool). DuckDB's MVCC shows it committed data only; writes stay on the owner's connection.
   */
  async readerConnection(): Promise<Store> {
    const conn = await this.instance.connect();
    await conn.run("SET TimeZone = 'Asia/Shanghai'");
    const reader = new Store(this.path, this.instance, conn);
    reader.ownsInstance = false;
    return reader;
  }

  async tableExists(name: string): Promise<boolean> {
    const n = await this.scalar<number>(
      'SELECT count(*)::INTEGER FROM information_schema.tables WHERE table_name = $1',
      [name],
    );
    return n > 0;
  }

  close(): void {
    this.conn.closeSync();
    if (this.ownsInstance) this.instance.closeSync();
  }
}

export class StoreOpenError extends Error {
  constructor(path: string, cause: unknown) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    const locked = /lock/i.test(msg);
    super(
      locked
        ? `数据库 ${path} 正被另一个进程占用 (database is locked by another process; if \`fundwatch serve\` runs, CLI commands go through it): ${msg}`
        : `无法打开数据库 ${path} (cannot open database): ${msg}`,
    );
    this.name = 'StoreOpenError';
  }
}

/** Converts DuckDB JS values into plain JSON-safe values: bigint → number, nested lists/structs kept. */
export function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value === null || value === undefined) return value ?? null;
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = plain(v);
    return out;
  }
  return value;
}

export async function withStore<T>(path: string, fn: (store: Store) => Promise<T>, options?: StoreOptions): Promise<T> {
  const store = await Store.open(path, options);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
