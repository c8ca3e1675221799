import { Job, type Queue } from 'bullmq';
import { CASE_JOB_NAME, caseJobData, caseJobOptions, heldJobOptions, type CaseJobData, type CaseJobRow } from './dispatch.ts';

/*
 * A held case's job is in one of three states: active under the holder's token (taken, Redis kept it),
 * delayed (restored by reconcile after Redis lost it, or refused by take next's held check) or missing
 * (Redis lost it and no reconcile has run yet). Renew and release work in all three.
 */

/** Renew in Redis: the job stays out of everyone else's reach until `until`. False when the lock was lost. */
export async function extendHeldJob(q: Queue<CaseJobData>, c: CaseJobRow, token: string, until: number, lockMs: number): Promise<boolean> {
  const job = await Job.fromId<CaseJobData>(q, c.case_id);
  if (!job) {
    await q.add(CASE_JOB_NAME, caseJobData(c), heldJobOptions(c, until));
    return true;
  }
  const state = await job.getState();
  if (state === 'active') return (await job.extendLock(token, lockMs)) === 1;
  if (state === 'delayed') {
    try {
      // the delay counts from now, so the job is due no earlier than `until`
      await job.changeDelay(Math.max(0, until - Date.now()));
      return true;
    } catch {
      return false; // promoted in the meantime: its lock ran out
    }
  }
  return false;
}

/** Release in Redis: the job goes back to the queue with its priority. False when Redis could not do it. */
export async function returnHeldJob(q: Queue<CaseJobData>, c: CaseJobRow, token: string): Promise<boolean> {
  const job = await Job.fromId<CaseJobData>(q, c.case_id);
  if (!job) {
    await q.add(CASE_JOB_NAME, caseJobData(c), caseJobOptions(c.case_id, c.priority));
    return true;
  }
  const state = await job.getState();
  if (state === 'waiting' || state === 'prioritized') return true;
  try {
    if (state === 'active') await job.moveToWait(token);
    else if (state === 'delayed') await job.promote();
    else return false;
    return true;
  } catch {
    return false; // locked by someone else (taken but not recorded) or moved meanwhile
  }
}
