import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { Store } from '../store/store.ts';
import { loadConfig, type FundwatchConfig } from '../config.ts';

/**
 * Where a command runs. Normally in its own process (it opens the database and is its owner for its
 * lifetime). When `fundwatch serve` owns the database, the CLI forwards argv to the server, which runs
 * the same command inside `cliInvocation.run({...})` with its open store and captured output streams.
 */
export interface Invocation {
  store?: Store;
  stdout: Writable;
  stderr: Writable;
  /** The user on whose behalf the command runs (server-forwarded commands). */
  actor?: string;
}

export const cliInvocation = new AsyncLocalStorage<Invocation>();

export interface CliContext {
  dbPath: string;
  configPath: string | undefined;
  json: boolean;
  stdout: Writable;
  stderr: Writable;
  actor: string;
  config: () => FundwatchConfig;
}

/** The global options (`--db`, `--config`, `--json`), accepted after any command. */
export function cliContext(cmd: Command): CliContext {
  const o = cmd.optsWithGlobals() as { db?: string; config?: string; json?: boolean };
  if (o.db === '') throw new UsageError('--db 不能为空 (an empty path would open a throw-away in-memory database)');
  // An explicit --config that does not exist is bad usage for every command, also those that never read it.
  if (o.config !== undefined && !existsSync(o.config)) throw new UsageError(`配置文件不存在 config file not found: ${o.config}`);
  const configPath = o.config ?? (existsSync('./fundwatch.config.json') ? './fundwatch.config.json' : undefined);
  const inv = cliInvocation.getStore();
  let config: FundwatchConfig | undefined;
  return {
    dbPath: o.db ?? (process.env.FUNDWATCH_DB || './fundwatch.duckdb'),
    configPath,
    json: Boolean(o.json),
    stdout: inv?.stdout ?? process.stdout,
    stderr: inv?.stderr ?? process.stderr,
    actor: inv?.actor ?? `cli:${process.env.USER ?? 'unknown'}`,
    config: () => (config ??= loadConfig(configPath)),
  };
}

/** Runs `fn` with the store: the owner's open store when forwarded, else the file opened for this command. */
export async function withCliStore<T>(ctx: CliContext, fn: (store: Store) => Promise<T>): Promise<T> {
  const injected = cliInvocation.getStore()?.store;
  if (injected) return fn(injected);
  const store = await Store.open(ctx.dbPath);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

/** Bad usage: exit code 2. */
export class UsageError extends Error {}

/** Prints one JSON value per line (JSON Lines); bigint-safe. */
export function printJsonLine(ctx: Pick<CliContext, 'stdout'>, value: unknown): void {
  ctx.stdout.write(JSON.stringify(value, jsonReplacer) + '\n');
}

export function printLine(ctx: Pick<CliContext, 'stdout'>, text = ''): void {
  ctx.stdout.write(text + '\n');
}

/** Progress, logs and warnings: always stderr, so `--json` stdout stays pure JSON. */
export function logLine(ctx: Pick<CliContext, 'stderr'>, text: string): void {
  ctx.stderr.write(text + '\n');
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

export function reportError(err: unknown, stderr: Writable = process.stderr): void {
  const msg = err instanceof Error ? err.message : String(err);
  stderr.write(`错误 error: ${msg}\n`);
  if (process.env.FUNDWATCH_DEBUG && err instanceof Error && err.stack) stderr.write(err.stack + '\n');
}
