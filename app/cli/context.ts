import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { Store } from '../../pipeline/store/store.ts';
import { loadConfig, type FundwatchConfig } from '../../pipeline/config.ts';
import { requireCommand, type Principal } from '../../pipeline/access/policy.ts';
import { authenticate } from '../../pipeline/access/identity.ts';
import { readCredentials } from './credentials.ts';

/**
 * Where a command runs. Normally in its own process (it opens the database and is its owner for its
 * lifetime). When `fundwatch serve` owns the database, the CLI forwards argv to the server, which runs
 * the same command inside `cliInvocation.run({...})` with its open store and captured output streams.
 */
export interface Invocation {
  store?: Store;
  stdout: Writable;
  stderr: Writable;
  /** The authenticated user on whose behalf the command runs (forwarded commands: authenticated by the owner). */
  principal?: Principal;
}

export const cliInvocation = new AsyncLocalStorage<Invocation>();

export interface CliContext {
  dbPath: string;
  configPath: string | undefined;
  json: boolean;
  stdout: Writable;
  stderr: Writable;
  /** The command's path below `fundwatch` (`case decide`): what the access policy checks. */
  commandPath: string;
  /** `--user NAME`: sign in as that user (password from FUNDWATCH_PASSWORD or the terminal). */
  user: string | undefined;
  /** The authenticated principal, known once `withCliStore` has opened the store (or at once when forwarded). */
  principal: Principal | null;
  /** The principal's user id (`local-admin` for the holder of the database file); set with `principal`. */
  actor: string;
  config: () => FundwatchConfig;
}

/** The global options (`--db`, `--config`, `--json`), accepted after any command. */
export function cliContext(cmd: Command): CliContext {
  const o = cmd.optsWithGlobals() as { db?: string; config?: string; json?: boolean; user?: string };
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
    commandPath: commandPath(cmd),
    user: o.user,
    principal: inv?.principal ?? null,
    actor: inv?.principal?.user_id ?? '',
    config: () => (config ??= loadConfig(configPath)),
  };
}

/** `case decide` for the `decide` subcommand of `case`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Runs `fn` with the store and the authenticated principal: forwarded, the owner's open store and the user it
 * authenticated; locally, the file opened for this command and the user of FUNDWATCH_TOKEN or `--user` (else the
 * local administrator). Either way the access policy decides first whether the principal may run the command.
 */
export async function withCliStore<T>(ctx: CliContext, fn: (store: Store, who: Principal) => Promise<T>): Promise<T> {
  const inv = cliInvocation.getStore();
  if (inv?.store) return fn(inv.store, signIn(ctx, inv.principal!));
  const store = await Store.open(ctx.dbPath);
  try {
    return await fn(store, signIn(ctx, await authenticate(store, await readCredentials(ctx.user))));
  } finally {
    store.close();
  }
}

function signIn(ctx: CliContext, who: Principal): Principal {
  requireCommand(who, ctx.commandPath);
  ctx.principal = who;
  ctx.actor = who.user_id;
  return who;
}

/**
 * `--by`, `--role` and `--inspector` of older scripts: accepted only when they name the signed-in user and role —
 * a command never acts as someone it was merely told about.
 */
export function requireSameActor(ctx: CliContext, o: { by?: unknown; role?: unknown; inspector?: unknown }): void {
  const who = ctx.principal!;
  for (const [opt, v] of [['--by', o.by], ['--inspector', o.inspector]] as const) {
    if (v !== undefined && v !== who.user_id) {
      throw new UsageError(`${opt} ${String(v)} 与登录用户 ${who.user_id} 不符：请以该用户身份登录 (FUNDWATCH_TOKEN 或 --user) (${opt} must name the signed-in user; sign in as ${String(v)} instead)`);
    }
  }
  if (o.role !== undefined && o.role !== who.role) {
    throw new UsageError(`--role ${String(o.role)} 与登录用户的角色 ${who.role} 不符 (--role cannot change your role; it is the signed-in user's)`);
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
