import { placeholders, type Store } from '../store/store.ts';
import { ACTIVE_SQL, MATCH_SQL } from './suppress.ts';

const CHUNK = 1000;

/**
 * Of `caseIds`, the cases that must not be handed out today, each with the last day it stays away
 * (YYYY-MM-DD, inclusive):
 * - snoozed: the case's latest `case_snoozes` entry (暂缓, console/API) has `until` today or later;
 * - suppressed: every live alert (open or suppressed) of the case is covered by a rule suppression in force
 *   for its subject (one rule × one subject); the case waits until the first of those suppressions ends.
 * Checked live (not only at the next case update), so a suppression added today already counts. It runs on
 * every take-next: explicit IN lists (index and row-group pruning) and no alert scan while no suppression is
 * in force.
 */
export async function snoozedCases(store: Store, caseIds: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (caseIds.length === 0) return out;
  const anySuppression = (await store.scalar<number>(`SELECT count(*)::INTEGER FROM suppressions s WHERE ${ACTIVE_SQL}`)) > 0;
  for (let i = 0; i < caseIds.length; i += CHUNK) {
    const ids = caseIds.slice(i, i + CHUNK);
    const rows = await store.all<{ case_id: string; until: string }>(
      `SELECT case_id, strftime(arg_max(until, created_at), '%Y-%m-%d') AS until FROM case_snoozes
       WHERE case_id IN (${placeholders(ids.length)}) GROUP BY case_id HAVING arg_max(until, created_at) >= current_date`,
      ids,
    );
    for (const r of rows) out.set(r.case_id, r.until);
    if (anySuppression) {
      for (const r of await suppressedUntil(store, ids)) out.set(r.case_id, out.has(r.case_id) && out.get(r.case_id)! > r.until ? out.get(r.case_id)! : r.until);
    }
  }
  return out;
}

/** Cases whose every live alert is covered by a suppression in force, with the first end date among them. */
async function suppressedUntil(store: Store, ids: string[]): Promise<{ case_id: string; until: string }[]> {
  const links = await store.all<{ case_id: string; alert_id: string }>(
    `SELECT case_id, alert_id FROM case_alerts WHERE case_id IN (${placeholders(ids.length)})`, ids,
  );
  if (links.length === 0) return [];
  const covered = new Map<string, string | null>(); // alert → latest end of the suppressions covering it
  for (let i = 0; i < links.length; i += CHUNK) {
    const alertIds = links.slice(i, i + CHUNK).map((l) => l.alert_id);
    const rows = await store.all<{ alert_id: string; until: string | null }>(
      `SELECT a.alert_id, strftime(max(s.until), '%Y-%m-%d') AS until
       FROM alerts a LEFT JOIN suppressions s ON ${ACTIVE_SQL} AND ${MATCH_SQL}
       WHERE a.alert_id IN (${placeholders(alertIds.length)}) AND a.status IN ('open', 'suppressed')
       GROUP BY a.alert_id`,
      alertIds,
    );
    for (const r of rows) covered.set(r.alert_id, r.until);
  }
  const byCase = new Map<string, { live: number; until: string | null; uncovered: boolean }>();
  for (const l of links) {
    if (!covered.has(l.alert_id)) continue; // withdrawn: not live
    const until = covered.get(l.alert_id)!;
    const c = byCase.get(l.case_id) ?? { live: 0, until: null, uncovered: false };
    c.live++;
    if (until === null) c.uncovered = true;
    else if (c.until === null || until < c.until) c.until = until;
    byCase.set(l.case_id, c);
  }
  return [...byCase].filter(([, c]) => !c.uncovered && c.until).map(([case_id, c]) => ({ case_id, until: c.until! }));
}

/** Epoch ms of the start (Beijing time) of the day after `until`: when a snoozed case may come back. */
export function snoozeEndsAt(until: string): number {
  return Date.parse(`${until}T00:00:00+08:00`) + 86_400_000;
}
