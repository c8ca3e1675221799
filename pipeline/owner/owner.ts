import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * `<db>.owner.json`: written by the owner process (`fundwatch serve`) while it has the database open.
 * Every CLI command looks for a live owner first and forwards its argv there (see forward.ts).
 */
export interface OwnerInfo {
  pid: number;
  port: number;
  host: string;
  /** Local token: proves the caller can read this file (i.e. is on this machine with access to the db). */
  token: string;
  db: string;
  started_at: string;
}

/** The header a CLI command forwarded to the owner carries the local token in. */
export const LOCAL_TOKEN_HEADER = 'x-fundwatch-local-token';

export function ownerFilePath(dbPath: string): string {
  return resolve(dbPath) + '.owner.json';
}

export function writeOwnerFile(info: OwnerInfo): string {
  const path = ownerFilePath(info.db);
  writeFileSync(path, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  return path;
}

/** Removes the owner file, but only if it is ours (a newer owner may have replaced it). */
export function removeOwnerFile(dbPath: string, pid = process.pid): void {
  const info = readOwnerFile(dbPath);
  if (info && info.pid !== pid) return;
  rmSync(ownerFilePath(dbPath), { force: true });
}

export function readOwnerFile(dbPath: string): OwnerInfo | null {
  const path = ownerFilePath(dbPath);
  if (!existsSync(path)) return null;
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as OwnerInfo;
    if (typeof v.pid !== 'number' || typeof v.port !== 'number' || typeof v.token !== 'string') return null;
    return v;
  } catch {
    return null;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The owner, if its pid is alive and its port answers `/health` for the same database; else null. */
export async function findLiveOwner(dbPath: string, timeoutMs = 1500): Promise<OwnerInfo | null> {
  const info = readOwnerFile(dbPath);
  if (!info || !pidAlive(info.pid)) return null;
  try {
    const res = await fetch(`http://${info.host}:${info.port}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
    const body = (await res.json()) as { pid?: number };
    return body.pid === info.pid ? info : null;
  } catch {
    return null;
  }
}
