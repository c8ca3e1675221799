import { execFile } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ARCHIVE_FILE = /\.(tar|tar\.gz|tgz)$/i;

/**
 * Unpacks an uploaded batch archive (tar, tar.gz) into `dest`, flattening its folders: the table files land
 * in `dest` itself. Names starting with `_` or `.` (`_SUCCESS`, `_truth/`) are skipped, as in a batch
 * directory. GNU tar refuses `..` members and strips leading `/`; anything that is not a regular file with a
 * table file name is refused (throws with the entry's name), and two entries with the same name too.
 */
export async function unpackBatchArchive(archive: string, dest: string, tableFile: RegExp): Promise<string[]> {
  const work = join(dest, '.unpack');
  mkdirSync(work, { recursive: true });
  try {
    await run('tar', ['-xf', archive, '-C', work, '--no-same-owner', '--no-same-permissions'], { timeout: 120_000 })
      .catch((e: Error) => { throw new ArchiveError(`无法解包 cannot unpack ${basename(archive)}: ${e.message.split('\n')[0]}`); });
    const files: string[] = [];
    const walk = (dir: string, rel: string): void => {
      for (const name of readdirSync(dir).sort()) {
        const path = join(dir, name);
        const entry = rel ? `${rel}/${name}` : name;
        if (name.startsWith('_') || name.startsWith('.')) continue;
        const st = lstatSync(path);
        if (st.isDirectory()) { walk(path, entry); continue; }
        if (!st.isFile() || !tableFile.test(name)) throw new ArchiveError(`归档中的文件无效 invalid entry in the archive: ${entry}`);
        if (files.includes(name)) throw new ArchiveError(`归档中文件重名 duplicate file name in the archive: ${entry}`);
        renameSync(path, join(dest, name));
        files.push(name);
      }
    };
    walk(work, '');
    return files;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export class ArchiveError extends Error {}
