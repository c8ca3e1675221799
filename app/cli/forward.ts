import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { findLiveOwner, LOCAL_TOKEN_HEADER, type OwnerInfo } from '../../pipeline/owner/owner.ts';
import type { Credentials } from '../../pipeline/access/identity.ts';
import { readCredentials, userFromArgv } from './credentials.ts';


/** Commands that never go through the owner: the owner itself, and restore (it replaces the file). */
const LOCAL_ONLY = new Set(['serve', 'restore', 'help']);

export interface ForwardResult {
  stdout: string;
  stderr: string;
  exit_code: number;
}

/** `--db PATH` / `--db=PATH` from argv, else env, else the default — the same rule as the commander option. */
export function dbPathFromArgv(argv: string[], env: NodeJS.ProcessEnv = process.env): string {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--db' && argv[i + 1]) return argv[i + 1]!;
    if (argv[i]!.startsWith('--db=')) return argv[i]!.slice(5);
  }
  return env.FUNDWATCH_DB || './fundwatch.duckdb'; // empty = unset (an empty path would open an in-memory database)
}

/**
 * The owner runs in its own working directory: paths in argv that exist here (or look like paths) are made
 * absolute, so `fundwatch ingest ./batch` means the same directory through the owner.
 */
export function absolutePaths(argv: string[], cwd = process.cwd()): string[] {
  return argv.map((a, i) => {
    if (a.startsWith('-') || isAbsolute(a)) return a;
    const prev = argv[i - 1];
    const isPathOption = prev === '--db' || prev === '--config' || prev === '--out' || prev === '--inbox' || prev === '--mapping';
    const looksLikePath = a.includes('/') || a.startsWith('.') || existsSync(resolve(cwd, a));
    return (isPathOption || (looksLikePath && i > 0)) ? resolve(cwd, a) : a;
  });
}

/**
 * Runs argv in the owner. The local token proves access to the database's files; the credentials (FUNDWATCH_TOKEN
 * or `--user` and its password) say who acts — without them the owner runs the command as the local administrator.
 */
export async function forwardToOwner(owner: OwnerInfo, argv: string[], credentials: Credentials): Promise<ForwardResult> {
  const res = await fetch(`http://${owner.host}:${owner.port}/internal/cli`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [LOCAL_TOKEN_HEADER]: owner.token },
    body: JSON.stringify({ argv, credentials }),
  });
  if (!res.ok) throw new Error(`服务进程拒绝了命令 the owner process refused the command: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as ForwardResult;
}

/**
 * Called by the CLI before it opens the database: if a live owner holds it, runs argv there and returns the
 * exit code; null when the command should run locally.
 */
export async function forwardIfOwner(argv: string[]): Promise<number | null> {
  if (process.env.FUNDWATCH_NO_FORWARD === '1') return null;
  const command = argv.find((a) => !a.startsWith('-') && !isOptionValue(argv, a));
  if (!command || LOCAL_ONLY.has(command) || argv.includes('--help') || argv.includes('-h')) return null;
  const owner = await findLiveOwner(dbPathFromArgv(argv));
  if (!owner) return null;
  const result = await forwardToOwner(owner, absolutePaths(argv), await readCredentials(userFromArgv(argv)));
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  return result.exit_code;
}

function isOptionValue(argv: string[], a: string): boolean {
  const i = argv.indexOf(a);
  return i > 0 && (argv[i - 1] === '--db' || argv[i - 1] === '--config');
}
