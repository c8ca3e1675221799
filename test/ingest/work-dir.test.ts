import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ingestBatch } from '../../pipeline/ingest/ingest.ts';
import { removeStaleIngestDirs } from '../../pipeline/ingest/work-dir.ts';
import { tempDir, tempStore } from '../helpers.ts';
import { baseBatch, writeCsvBatch } from '../fixtures/ingest/batch.ts';

/** The numbered copies' work directory: private, removed on every exit path, and after a kill at the next start. */
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function withTmpdir<T>(dir: string, f: () => Promise<T>): Promise<T> {
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return f().finally(() => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  });
}

describe('ingest work directory (work-dir.ts)', () => {
  it('is fw-ingest-<pid>-…, mode 0700 with copies 0600, and is gone after the ingest', async () => {
    const s = await tempStore();
    const d = tempDir('fw-batch-');
    const tmp = tempDir('fw-tmp-');
    cleanups.push(s.cleanup, d.cleanup, tmp.cleanup);
    writeCsvBatch(d.dir, baseBatch());
    writeFileSync(join(d.dir, 'fixmedins.csv'), 'fixmedins_code,fixmedins_name\nH1,"unclosed\n');
    const seen: { name: string; dirMode: number; files: [string, number][] }[] = [];
    await withTmpdir(tmp.dir, () => ingestBatch(s.store, d.dir, {
      onProgress: (p) => {
        if (p.phase !== 'merge' || seen.length > 0) return;
        const [name] = readdirSync(tmp.dir);
        const dir = join(tmp.dir, name);
        seen.push({ name, dirMode: statSync(dir).mode & 0o777, files: readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mode & 0o777]) });
      },
    }));
    expect(seen[0].name).toMatch(new RegExp(`^fw-ingest-${process.pid}-`));
    expect(seen[0].dirMode).toBe(0o700);
    expect(seen[0].files.length).toBe(6); // five copies and the sidecar of fixmedins.csv
    expect(seen[0].files.some(([f]) => f.endsWith('.rejects.jsonl'))).toBe(true);
    for (const [f, mode] of seen[0].files) expect([f, mode]).toEqual([f, 0o600]);
    expect(readdirSync(tmp.dir)).toEqual([]);
  });

  it('a process killed mid-ingest leaves its directory; the next ingest removes it, not those of live processes', async () => {
    const s = await tempStore();
    const d = tempDir('fw-batch-');
    const tmp = tempDir('fw-tmp-');
    cleanups.push(s.cleanup, d.cleanup, tmp.cleanup);
    writeCsvBatch(d.dir, baseBatch());
    const db = s.store.path;
    s.store.close();
    const r = spawnSync(process.execPath, ['app/cli/fundwatch.js', 'ingest', d.dir, '--db', db], {
      env: { ...process.env, TMPDIR: tmp.dir, FUNDWATCH_INGEST_CRASH_AFTER_FIRST_TABLE: '1' },
      encoding: 'utf8',
    });
    expect(r.signal).toBe('SIGKILL');
    const ours = () => readdirSync(tmp.dir).filter((n) => n.startsWith('fw-')).sort(); // tsx keeps its cache there too
    const left = ours();
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^fw-ingest-\d+-/);
    expect(readdirSync(join(tmp.dir, left[0])).length).toBeGreaterThan(0);
    // A directory of a process that is alive (this one, and our parent) and other names stay.
    mkdirSync(join(tmp.dir, `fw-ingest-${process.ppid}-keep`));
    mkdirSync(join(tmp.dir, 'fw-ingest-other'));
    expect(removeStaleIngestDirs(join(tmp.dir, 'no-such-dir'))).toEqual([]);

    const again = await tempStore();
    cleanups.push(again.cleanup);
    const summary = await withTmpdir(tmp.dir, () => ingestBatch(again.store, d.dir));
    expect(summary.status).toBe('loaded');
    expect(ours()).toEqual([`fw-ingest-${process.ppid}-keep`, 'fw-ingest-other']);
  });
});
