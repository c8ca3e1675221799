import { afterEach, describe, expect, it } from 'vitest';
import { tempStore } from '../helpers.ts';
import { updateCases } from '../../pipeline/cases/update.ts';
import { listCases } from '../../pipeline/cases/list.ts';
import { riskScore } from '../../pipeline/cases/score.ts';
import { ClaimFixtures } from '../fixtures/claims.ts';
import { insertAlerts } from './alerts.ts';

describe('updateCases', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  it('groups alerts per subject and region; visit alerts join the provider case; re-runs add nothing', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const { store } = t;
    const fx = new ClaimFixtures(store);
    fx.provider({ fixmedins_code: 'H1', admdvs: '421000' }).provider({ fixmedins_code: 'H2', admdvs: '422000' });
    fx.person({ psn_no: 'P1', insu_admdvs: '429000' });
    await fx.flush();
    await insertAlerts(store, [
      { alert_id: 'A1', subject_type: 'provider', fixmedins_code: 'H1', amount_at_risk: 500 },
      { alert_id: 'A2', subject_type: 'visit', fixmedins_code: 'H1', family: 'admission', detector_id: 'split_admission', amount_at_risk: 1500 },
      { alert_id: 'A3', subject_type: 'physician', fixmedins_code: 'H1', bilg_dr_codg: 'D9', family: 'prescription', result_type: 'suspicious', amount_at_risk: 200 },
      { alert_id: 'A4', subject_type: 'person', psn_no: 'P1', admdvs: '421000', family: 'impersonation', amount_at_risk: 3000 },
      { alert_id: 'A5', subject_type: 'provider', fixmedins_code: 'H2', amount_at_risk: 50 },
      { alert_id: 'A6', subject_type: 'provider', fixmedins_code: 'H2', status: 'withdrawn', amount_at_risk: 999 },
    ]);
    const s1 = await updateCases(store, { runId: 'R1' });
    expect(s1).toMatchObject({ alerts_linked: 5, cases_new: 4, cases_reopened: 0, cases_with_new_alerts: 0, open_cases: 4 });
    const cases = await listCases(store);
    const bySubject = Object.fromEntries(cases.map((c) => [`${c.subject_type}/${c.psn_no ?? c.fixmedins_code}/${c.bilg_dr_codg ?? ''}`, c]));
    expect(Object.keys(bySubject).sort()).toEqual(['person/P1/', 'physician/H1/D9', 'provider/H1/', 'provider/H2/']);
    expect(bySubject['provider/H1/']).toMatchObject({ admdvs: '421000', alert_count: 2, amount_at_risk: 2000, status: 'new', families: ['admission', 'billing'] });
    expect(bySubject['provider/H1/'].risk_score).toBe(riskScore([
      { family: 'billing', result_type: 'violation', amount_at_risk: 500 },
      { family: 'admission', result_type: 'violation', amount_at_risk: 1500 },
    ]));
    expect(bySubject['person/P1/']).toMatchObject({ admdvs: '429000', alert_count: 1, amount_at_risk: 3000 });
    expect(bySubject['provider/H2/']).toMatchObject({ admdvs: '422000', alert_count: 1, amount_at_risk: 50 });
    // sorted by score descending
    const scores = cases.map((c) => c.risk_score as number);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(cases.every((c) => typeof c.case_id === 'string' && !String(c.case_id).includes(':'))).toBe(true);

    const s2 = await updateCases(store, { runId: 'R2' });
    expect(s2).toMatchObject({ alerts_linked: 0, cases_new: 0, cases_reopened: 0, cases_rescored: 0, open_cases: 4 });
    expect(await store.scalar('SELECT count(*)::INTEGER FROM cases')).toBe(4);

    // a new alert joins the open case
    await insertAlerts(store, [{ alert_id: 'A7', subject_type: 'provider', fixmedins_code: 'H1', amount_at_risk: 100 }]);
    const s3 = await updateCases(store, { runId: 'R3' });
    expect(s3).toMatchObject({ alerts_linked: 1, cases_new: 0, cases_with_new_alerts: 1, cases_rescored: 1 });
    const h1 = (await listCases(store)).find((c) => c.fixmedins_code === 'H1' && c.subject_type === 'provider')!;
    expect(h1).toMatchObject({ alert_count: 3, amount_at_risk: 2100 });
    const events = await store.all(`SELECT action, from_status, to_status FROM case_events WHERE case_id = $1 ORDER BY event_id`, [h1.case_id as string]);
    expect(events).toEqual([
      { action: 'open', from_status: null, to_status: 'new' },
      { action: 'alerts_added', from_status: 'new', to_status: 'new' },
    ]);
  });
});
