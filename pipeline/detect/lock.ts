import type { Store } from '../store/store.ts';

export const PIPELINE_LOCK = 'pipeline';

export class RunLockedError extends Error {
  constructor(readonly holder: { run_id: string; pid: number; acquired_at: string }) {
    super(
      `另一个运行正在进行，本次未执行 (another pipeline run is in progress: run ${holder.run_id}, pid ${holder.pid}, since ${holder.acquired_at})`,
    );
    this.name = 'RunLockedError';
  }
}

/**
 * Takes the pipeline run lock (table run_lock) for `runId`. A lock held by a process that no longer exists
 * is stale and taken over (the returned note says so); a live holder makes this throw RunLockedError.
 */
export async function acquireRunLock(store: Store, runId: string): Promise<string | null> {
  return store.transaction(async () => {
    const holder = await store.one<{ run_id: string; pid: number; acquired_at: string }>(
      `SELECT run_id, pid, strftime(acquired_at, '%Y-%m-%dT%H:%M:%S') || '+08:00' AS acquired_at
       FROM run_lock WHERE lock_name = $1`,
      [PIPELINE_LOCK],
    );
    let note: string | null = null;
    if (holder) {
      if (processAlive(holder.pid)) throw new RunLockedError(holder);
      note = `接管了失效的运行锁 took over a stale run lock (run ${holder.run_id}, pid ${holder.pid} is gone)`;
      await store.run('DELETE FROM run_lock WHERE lock_name = $1', [PIPELINE_LOCK]);
    }
    await store.run('INSERT INTO run_lock VALUES ($1, $2, $3, now())', [PIPELINE_LOCK, runId, process.pid]);
    return note;
  });
}

export async function releaseRunLock(store: Store, runId: string): Promise<void> {
  await store.exclusive(() => store.run('DELETE FROM run_lock WHERE lock_name = $1 AND run_id = $2', [PIPELINE_LOCK, runId]));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
