import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The ingest's temporary directory for the numbered copies (`fw-ingest-<pid>-XXXXXX` under the system temp
 * directory, mode 0700; the copies inside are 0600). It is removed when the ingest ends, also when the process
 * exits meanwhile; a process that is killed cannot, so every ingest first removes the directories of processes
 * that are gone (`removeStaleIngestDirs`).
 */
const PREFIX = 'fw-ingest-';
const NAME = /^fw-ingest-(\d+)-/;

export class IngestWorkDir {
  private dir: string | null = null;
  private readonly onExit = (): void => this.remove();

  /** Creates the directory on first use. */
  path(): string {
    if (!this.dir) {
      this.dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`)); // mkdtemp: mode 0700
      process.once('exit', this.onExit);
    }
    return this.dir;
  }

  remove(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    process.removeListener('exit', this.onExit);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, another user's
  }
}

/**
 * Removes the ingest work directories under `root` (default: the system temp directory) whose owning process is no
 * longer running, i.e. was killed mid-ingest; only directories of this user. Returns the paths removed. (A pid reused
 * by a new process keeps its old directory until that process ends too.)
 */
export function removeStaleIngestDirs(root: string = tmpdir()): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const uid = process.getuid?.();
  const removed: string[] = [];
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || alive(pid)) continue;
    const path = join(root, name);
    try {
      const st = lstatSync(path);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // removed meanwhile by another ingest, or not ours to remove
    }
  }
  return removed;
}
