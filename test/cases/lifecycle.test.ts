import { afterEach, describe, expect, it } from 'vitest';
import { tempStore } from '../helpers.ts';
import { updateCases } from '../../pipeline/cases/update.ts';
import { getCase, rulePrecision } from '../../pipeline/cases/list.ts';
import { appealCase, assignCase, closeCase, commentCase, decideCase, requestExpertReview, startReview } from '../../pipeline/cases/lifecycle.ts';
import { caseEvents } from '../../pipeline/cases/events.ts';
import { addSuppression, liftSuppression } from '../../pipeline/cases/suppress.ts';
import { CASES_DEFAULTS } from '../../pipeline/cases/config.ts';
import { insertAlerts } from './alerts.ts';

describe('case lifecycle', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  async function oneCase() {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    await insertAlerts(t.store, [
      { alert_id: 'A1', fixmedins_code: 'H1', detector_id: 'gender_restricted_item', amount_at_risk: 80000 },
      { alert_id: 'A2', fixmedins_code: 'H1', detector_id: 'split_admission', family: 'admission', amount_at_risk: 1000 },
    ]);
    await updateCases(t.store, { runId: 'R1' });
    const caseId = await t.store.scalar<string>('SELECT case_id FROM cases');
    return { store: t.store, caseId };
  }

  it('walks new → assigned → in review → expert → decided → appeal → decided → closed, with four eyes and an event log', async () => {
    const { store, caseId } = await oneCase();
    await expect(assignCase(store, caseId, 'insp1', { actor: 'insp2', role: 'inspector' })).rejects.toThrow(/cases.assign/);
    await assignCase(store, caseId, 'insp1', { actor: 'sup1', role: 'supervisor' });
    await expect(decideCase(store, caseId, { decision: 'confirmed', confirmed_amount: 1 }, { actor: 'insp1' })).rejects.toThrow(/needs one of in_review/);
    await startReview(store, caseId, { actor: 'insp1' });
    await requestExpertReview(store, caseId, { actor: 'insp1' }, '需要专家意见');
    // The expert gives an opinion; the decision stays the assignee's (or a supervisor's).
    await commentCase(store, caseId, { actor: 'exp1', role: 'expert' }, '专家意见：串换属实');
    await expect(decideCase(store, caseId, { decision: 'confirmed', confirmed_amount: 1 }, { actor: 'exp1', role: 'expert' })).rejects.toThrow(/only the assignee or a supervisor/);
    await expect(decideCase(store, caseId, { decision: 'confirmed' }, { actor: 'insp1' })).rejects.toThrow(/confirmed-amount/);
    await decideCase(store, caseId, { decision: 'confirmed', confirmed_amount: 60000, recovered_amount: 60000, fined_amount: 120000, reason: '串换项目属实' }, { actor: 'insp1' });
    await expect(appealCase(store, caseId, { actor: 'insp1', role: 'inspector' }, '替机构申诉')).rejects.toThrow(/cases.appeal/);
    await appealCase(store, caseId, { actor: 'inst-H1', role: 'institution' }, '申诉：部分项目有医嘱');
    await decideCase(store, caseId, { decision: 'confirmed', confirmed_amount: 55000, recovered_amount: 55000, fined_amount: 110000 }, { actor: 'sup2', role: 'supervisor' });
    await expect(closeCase(store, caseId, { actor: 'insp1', role: 'inspector' })).rejects.toThrow(/supervisor/);
    await expect(closeCase(store, caseId, { actor: 'sup2', role: 'supervisor' })).rejects.toThrow(/four eyes/);
    await commentCase(store, caseId, { actor: 'sup1', role: 'supervisor' }, '复核通过');
    await closeCase(store, caseId, { actor: 'sup1', role: 'supervisor' }, '结案');
    expect(await getCase(store, caseId)).toMatchObject({ status: 'closed', decision: 'confirmed', confirmed_amount: 55000, recovered_amount: 55000, fined_amount: 110000, deducted_amount: null });
    const events = (await caseEvents(store, caseId)).map((e) => [e.actor, e.action, e.from_status, e.to_status]);
    expect(events).toEqual([
      ['pipeline', 'open', null, 'new'],
      ['sup1', 'assign', 'new', 'assigned'],
      ['insp1', 'review', 'assigned', 'in_review'],
      ['insp1', 'expert', 'in_review', 'expert_review'],
      ['exp1', 'comment', 'expert_review', 'expert_review'],
      ['insp1', 'decide', 'expert_review', 'decided'],
      ['inst-H1', 'appeal', 'decided', 'appeal'],
      ['sup2', 'decide', 'appeal', 'decided'],
      ['sup1', 'comment', 'decided', 'decided'],
      ['sup1', 'close', 'decided', 'closed'],
    ]);
    // a re-run changes nothing; new evidence reopens the closed case
    expect(await updateCases(store, { runId: 'R2' })).toMatchObject({ cases_reopened: 0, alerts_linked: 0 });
    expect((await getCase(store, caseId))!.status).toBe('closed');
    await insertAlerts(store, [{ alert_id: 'A3', fixmedins_code: 'H1', amount_at_risk: 10 }]);
    expect(await updateCases(store, { runId: 'R3' })).toMatchObject({ cases_reopened: 1, cases_new: 0 });
    expect(await getCase(store, caseId)).toMatchObject({ status: 'new', alert_count: 3, assignee: null });
  });

  it('refuses an appeal after the appeal period and computes per-rule precision', async () => {
    const { store, caseId } = await oneCase();
    await startReview(store, caseId, { actor: 'insp1' });
    await decideCase(store, caseId, { decision: 'onsite_inspection' }, { actor: 'insp1' });
    await store.run(`UPDATE cases SET decided_at = now() - INTERVAL 20 DAY WHERE case_id = $1`, [caseId]);
    await expect(appealCase(store, caseId, { actor: 'inst', role: 'institution' }, 'late', { ...CASES_DEFAULTS, appeal_days: 15 })).rejects.toThrow(/appeal period/);

    await insertAlerts(store, [
      { alert_id: 'B1', fixmedins_code: 'H2', detector_id: 'gender_restricted_item' },
      { alert_id: 'B2', fixmedins_code: 'H3', detector_id: 'gender_restricted_item' },
    ]);
    await updateCases(store, {});
    const [c2, c3] = (await store.all<{ case_id: string }>(`SELECT case_id FROM cases WHERE fixmedins_code IN ('H2', 'H3') ORDER BY fixmedins_code`)).map((r) => r.case_id);
    for (const c of [c2, c3]) await startReview(store, c, { actor: 'insp1' });
    await decideCase(store, c2, { decision: 'confirmed', confirmed_amount: 100 }, { actor: 'insp1' });
    await decideCase(store, c3, { decision: 'false_alarm' }, { actor: 'insp1' });
    await closeCase(store, c2, { actor: 'insp1' }); // under the four-eyes amount
    expect(await rulePrecision(store)).toEqual([
      { detector_id: 'gender_restricted_item', decided: 2, confirmed: 1, false_alarm: 1, onsite_inspection: 1, precision: 0.5 },
      { detector_id: 'split_admission', decided: 0, confirmed: 0, false_alarm: 0, onsite_inspection: 1, precision: null },
    ]);
  });

  it('suppresses one rule for one subject until a date, audited; lifting restores the alerts', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const { store } = t;
    await insertAlerts(store, [
      { alert_id: 'A1', fixmedins_code: 'H1', detector_id: 'weekend_volume', family: 'provider_pattern' },
      { alert_id: 'A2', subject_type: 'visit', fixmedins_code: 'H1', detector_id: 'weekend_volume', family: 'provider_pattern' },
      { alert_id: 'A3', fixmedins_code: 'H1', detector_id: 'gender_restricted_item' },
      { alert_id: 'A4', fixmedins_code: 'H2', detector_id: 'weekend_volume', family: 'provider_pattern' },
    ]);
    const id = await addSuppression(store, { detector_id: 'weekend_volume', subject_type: 'provider', fixmedins_code: 'H1', until: '2099-12-31', reason: '该院周末门诊经批准', actor: 'sup1' });
    await expect(addSuppression(store, { detector_id: 'x', subject_type: 'provider', until: '2099-01-01', reason: 'r', actor: 'a' })).rejects.toThrow(/subject keys/);
    expect(await updateCases(store, {})).toMatchObject({ alerts_suppressed: 2, alerts_linked: 2, cases_new: 2 });
    expect(await store.all(`SELECT alert_id, status, status_reason FROM alerts ORDER BY alert_id`)).toEqual([
      { alert_id: 'A1', status: 'suppressed', status_reason: `suppression:${id}` },
      { alert_id: 'A2', status: 'suppressed', status_reason: `suppression:${id}` },
      { alert_id: 'A3', status: 'open', status_reason: null },
      { alert_id: 'A4', status: 'open', status_reason: null },
    ]);
    expect(await store.scalar(`SELECT alert_count FROM cases WHERE fixmedins_code = 'H1'`)).toBe(1);
    await liftSuppression(store, id, 'sup2', '批准到期');
    expect(await updateCases(store, {})).toMatchObject({ alerts_unsuppressed: 2, alerts_linked: 2 });
    expect(await store.scalar(`SELECT alert_count FROM cases WHERE fixmedins_code = 'H1'`)).toBe(3);
    expect(await store.all(`SELECT actor, action, object_id FROM audit_log ORDER BY "at", action`)).toEqual([
      { actor: 'sup1', action: 'suppression.add', object_id: id },
      { actor: 'sup2', action: 'suppression.lift', object_id: id },
    ]);
  });
});
