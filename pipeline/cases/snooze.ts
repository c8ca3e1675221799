import { listValue } from '@duckdb/node-api';
import type { Store } from '../store/store.ts';
import { ACTIVE_SQL, MATCH_SQL } from './suppress.ts';

/**
 * Of `caseIds`, the cases that must not be handed out today, each with the last day it stays away
 * (YYYY-MM-DD, inclusive):
 * - snoozed: the case's latest `case_snoozes` entry (暂缓, console/API) has `until` today or later;
 * - suppressed: every live alert (open or suppressed) of the case is covered by a rule suppression in force
 *   for its subject (one rule × one subject); the case waits until the first of those suppressions ends.
 * Checked live (not only at the next case update), so a suppression added today already counts.
 */
export async function snoozedCases(store: Store, caseIds: string[]): Promise<Map<string, string>> {
  if (caseIds.length === 0) return new Map();
  const rows = await store.all<{ case_id: string; until: string }>(
    `WITH ids AS (SELECT DISTINCT unnest($1::VARCHAR[]) AS case_id),
     snz AS (
       SELECT cs.case_id, arg_max(cs.until, cs.created_at) AS until FROM case_snoozes cs JOIN ids USING (case_id) GROUP BY cs.case_id
     ),
     cover AS (
       SELECT ca.case_id, a.alert_id, max(s.until) AS until
       FROM case_alerts ca JOIN ids USING (case_id)
         JOIN alerts a ON a.alert_id = ca.alert_id AND a.status IN ('open', 'suppressed')
         LEFT JOIN suppressions s ON ${ACTIVE_SQL} AND ${MATCH_SQL}
       GROUP BY ca.case_id, a.alert_id
     ),
     sup AS (SELECT case_id, min(until) AS until FROM cover GROUP BY case_id HAVING count(until) = count(*))
     SELECT case_id, strftime(max(until), '%Y-%m-%d') AS until FROM (
       SELECT case_id, until FROM snz WHERE until >= current_date
       UNION ALL SELECT case_id, until FROM sup
     ) GROUP BY case_id`,
    [listValue(caseIds)],
  );
  return new Map(rows.map((r) => [r.case_id, r.until]));
}

/** Epoch ms of the start (Beijing time) of the day after `until`: when a snoozed case may come back. */
export function snoozeEndsAt(until: string): number {
  return Date.parse(`${until}T00:00:00+08:00`) + 86_400_000;
}
