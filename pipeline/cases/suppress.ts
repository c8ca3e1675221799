import { randomUUID } from 'node:crypto';
import type { Store } from '../store/store.ts';
import { writeAudit } from '../access/audit.ts';

export interface SuppressionInput {
  detector_id: string;
  subject_type: 'person' | 'provider' | 'physician';
  psn_no?: string | null;
  fixmedins_code?: string | null;
  bilg_dr_codg?: string | null;
  until: string; // YYYY-MM-DD, inclusive
  reason: string;
  actor: string;
}

/** How alert `a` maps to suppression `s` (visit alerts count as their provider's). */
export const MATCH_SQL = `s.detector_id = a.detector_id
  AND s.subject_type = CASE WHEN a.subject_type = 'visit' THEN 'provider' ELSE a.subject_type END
  AND (s.subject_type <> 'person' OR s.psn_no = a.psn_no)
  AND (s.subject_type = 'person' OR s.fixmedins_code = a.fixmedins_code)
  AND (s.subject_type <> 'physician' OR s.bilg_dr_codg = a.bilg_dr_codg)`;
/** Suppression `s` is in force today (until is inclusive). */
export const ACTIVE_SQL = `s.lifted_at IS NULL AND s.until >= current_date`;

/** Snooze one rule for one subject until a date (with reason, audited). Applied at the next case update. */
export async function addSuppression(store: Store, input: SuppressionInput): Promise<string> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.until)) throw new Error(`--until 日期格式应为 YYYY-MM-DD (bad date): ${input.until}`);
  if (!input.reason.trim()) throw new Error('必须填写原因 a reason is required');
  const keyMissing =
    (input.subject_type === 'person' && !input.psn_no) ||
    (input.subject_type !== 'person' && !input.fixmedins_code) ||
    (input.subject_type === 'physician' && !input.bilg_dr_codg);
  if (keyMissing) throw new Error(`主体标识不完整 subject keys missing for ${input.subject_type}`);
  const id = 'S' + randomUUID().replace(/-/g, '').slice(0, 16);
  await store.transaction(async () => {
    await store.run(
      `INSERT INTO suppressions (suppression_id, detector_id, subject_type, psn_no, fixmedins_code, bilg_dr_codg, until, reason, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::DATE, $8, $9, now())`,
      [id, input.detector_id, input.subject_type, input.subject_type === 'person' ? input.psn_no! : null,
        input.subject_type === 'person' ? null : input.fixmedins_code!, input.subject_type === 'physician' ? input.bilg_dr_codg! : null,
        input.until, input.reason, input.actor],
    );
    await writeAudit(store, { actor: input.actor, action: 'suppression.add', object_type: 'suppression', object_id: id, detail: input });
  });
  return id;
}

export async function liftSuppression(store: Store, id: string, actor: string, reason: string): Promise<void> {
  await store.transaction(async () => {
    const n = await store.scalar<number>('SELECT count(*)::INTEGER FROM suppressions WHERE suppression_id = $1 AND lifted_at IS NULL', [id]);
    if (n === 0) throw new Error(`没有有效的屏蔽 no active suppression ${id}`);
    await store.run('UPDATE suppressions SET lifted_by = $2, lifted_at = now() WHERE suppression_id = $1', [id, actor]);
    await writeAudit(store, { actor, action: 'suppression.lift', object_type: 'suppression', object_id: id, detail: { reason } });
  });
}

export async function listSuppressions(store: Store): Promise<Record<string, unknown>[]> {
  return store.all(`SELECT suppression_id, detector_id, subject_type, psn_no, fixmedins_code, bilg_dr_codg,
      strftime(until, '%Y-%m-%d') AS until, reason, created_by, strftime(created_at, '%Y-%m-%dT%H:%M:%S+08:00') AS created_at,
      lifted_by, strftime(lifted_at, '%Y-%m-%dT%H:%M:%S+08:00') AS lifted_at,
      (lifted_at IS NULL AND until >= current_date) AS active
    FROM suppressions ORDER BY created_at, suppression_id`);
}

/**
 * Marks open alerts under an active suppression as `suppressed` (status_reason `suppression:<id>`), and
 * returns alerts whose suppression expired or was lifted to `open`. Runs inside the caller's transaction.
 */
export async function applySuppressions(store: Store): Promise<{ suppressed: number; unsuppressed: number }> {
  const unsuppressed = await store.scalar<number>(`SELECT count(*)::INTEGER FROM alerts a
    WHERE a.status = 'suppressed' AND a.status_reason LIKE 'suppression:%'
      AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE ${ACTIVE_SQL} AND ${MATCH_SQL})`);
  if (unsuppressed > 0) {
    await store.run(`UPDATE alerts SET status = 'open', status_reason = NULL, updated_at = now()
      WHERE alert_id IN (SELECT a.alert_id FROM alerts a
        WHERE a.status = 'suppressed' AND a.status_reason LIKE 'suppression:%'
          AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE ${ACTIVE_SQL} AND ${MATCH_SQL}))`);
  }
  await store.run(`CREATE OR REPLACE TEMP TABLE fw_suppress AS
    SELECT a.alert_id, min(s.suppression_id) AS suppression_id FROM alerts a JOIN suppressions s ON ${ACTIVE_SQL} AND ${MATCH_SQL}
    WHERE a.status = 'open' GROUP BY a.alert_id`);
  const suppressed = await store.scalar<number>('SELECT count(*)::INTEGER FROM fw_suppress');
  if (suppressed > 0) {
    await store.run(`UPDATE alerts SET status = 'suppressed', status_reason = 'suppression:' || f.suppression_id, updated_at = now()
      FROM fw_suppress f WHERE alerts.alert_id = f.alert_id`);
  }
  await store.run('DROP TABLE fw_suppress');
  return { suppressed, unsuppressed };
}
