import { listValue } from '@duckdb/node-api';
import { updateCases } from '../../../pipeline/cases/update.ts';
import { decideCase, startReview } from '../../../pipeline/cases/lifecycle.ts';
import type { Store } from '../../../pipeline/store/store.ts';
import { BillingClaims } from '../billing/fixtures.ts';

/** kp_sex_limit in shadow mode. */
export const SHADOW = { detectors: { kp_sex_limit: { shadow: true } } };
export const JAN = { from: '2026-01-01', to: '2026-01-31' };
const HYSTEROGRAPHY = '002101030300000'; // 子宫造影, 限女 (第一批 项目)
const CHILD_CROWN = '003105120040000'; // 儿童前牙树脂冠修复, 儿童
const SUP = { actor: 'sup1', role: 'supervisor' };

/**
 * On a store with the real knowledge base (storeWithRealKb): three men billed 子宫造影 at H1 — M1 on V1 (2026-01-05,
 * 120.00), M2 on V2 (2026-01-10, 200.00), M3 on V3 (2026-01-20, 80.00) — and C18, 18 years old, billed a children's
 * crown on VC (2026-01-05, 300.00). Earlier a rule now retired (`legacy_rule`) raised person alerts that inspectors
 * decided: on M1's line V1-1 (confirmed), on M2's line V2-1 (false alarm), on M3 but another line (confirmed: the same
 * person, no common line).
 */
export async function decidedHistory(store: Store): Promise<void> {
  const b = new BillingClaims(store).provider('H1');
  for (const [psn, visit, day, pric] of [['M1', 'V1', '05', 120], ['M2', 'V2', '10', 200], ['M3', 'V3', '20', 80]] as const) {
    b.person(psn, { gend: '1' });
    b.visit(visit, psn, 'H1', '11', `2026-01-${day} 09:00:00`, [{ med_list_codg: HYSTEROGRAPHY, pric }]);
  }
  b.person('C18', { brdy: '2008-01-05' });
  b.visit('VC', 'C18', 'H1', '11', '2026-01-05 09:00:00', [{ med_list_codg: CHILD_CROWN, pric: 300 }]);
  await b.flush();
  for (const [id, psn, lines] of [['L1', 'M1', ['V1-1']], ['L2', 'M2', ['V2-1']], ['L3', 'M3', ['X9']]] as const) {
    await store.run(
      `INSERT INTO alerts (alert_id, run_id, last_run_id, family, detector_id, detector_version, result_type, title_zh, subject_type,
         psn_no, feedetl_sn, admdvs, measured, threshold, amount_at_risk, params, params_hash, legal_basis, activity_date, status,
         created_at, updated_at, explanation_zh)
       VALUES ($1, 'R0', 'R0', 'billing', 'legacy_rule', 1, 'violation', '旧规则', 'person', $2, $3, '421000', '{}', '{}', 10, '{}',
         'h', '条例', DATE '2026-01-05', 'open', now(), now(), '旧规则，金额 10.00 元')`,
      [id, psn, listValue([...lines])],
    );
  }
  await updateCases(store, { runId: 'R0' });
  for (const [psn, decision] of [['M1', 'confirmed'], ['M2', 'false_alarm'], ['M3', 'confirmed']] as const) {
    const caseId = await store.scalar<string>('SELECT case_id FROM cases WHERE psn_no = $1', [psn]);
    await startReview(store, caseId, SUP);
    await decideCase(store, caseId, decision === 'confirmed' ? { decision, confirmed_amount: 10 } : { decision }, SUP);
  }
}
