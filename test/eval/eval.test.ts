import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempStore } from '../helpers.ts';
import { ClaimFixtures } from '../fixtures/claims.ts';
import { runDetection } from '../../pipeline/detect/engine.ts';
import { evaluateDetectors } from '../../pipeline/eval/detectors.ts';
import { readTruth, resolveTruthFile } from '../../pipeline/eval/truth.ts';
import { runEval } from '../../pipeline/eval/sections.ts';
import { evaluateEarlyWarning } from '../../pipeline/eval/warning.ts';
import { evaluateFalseAlerts, per10k } from '../../pipeline/eval/false-alerts.ts';
import type { Store } from '../../pipeline/store/store.ts';

let t: { store: Store; dir: string; cleanup: () => void };
beforeEach(async () => {
  t = await tempStore();
});
afterEach(() => t.cleanup());

const row = (o: Record<string, unknown>) =>
  JSON.stringify({ scenario: 's', family: 'impersonation', subject_type: 'person', psn_no: null, fixmedins_code: null, bilg_dr_codg: null,
    mdtrt_id: null, setl_id: null, month: null, note_zh: '', ...o });

/** Three persons seen after death (P1, P2, P3) and one living person (P4). */
async function seed(store: Store): Promise<void> {
  const c = new ClaimFixtures(store);
  c.provider({ fixmedins_code: 'H1' });
  for (const [i, psn] of ['P1', 'P2', 'P3', 'P4'].entries()) {
    const certno = `11010119500101001${i}`;
    c.person({ psn_no: psn, certno });
    if (psn !== 'P4') c.row('death_records', { certno, die_date: '2026-01-10', source: '公安销户' });
    c.visit({ mdtrt_id: `V${i + 1}`, psn_no: psn, begntime: '2026-01-15 09:00:00' });
    c.settlement({ setl_id: `S${i + 1}`, mdtrt_id: `V${i + 1}` });
    c.fee({ feedetl_sn: `F${i + 1}`, mdtrt_id: `V${i + 1}`, setl_id: `S${i + 1}`, cnt: 1, pric: 10 });
  }
  await c.flush();
}

describe('eval', () => {
  it('computes recall, precision and flagged look-alikes per detector by detector_id plus every non-null truth key', async () => {
    await seed(t.store);
    await runDetection(t.store, { from: '2026-01-01', to: '2026-01-31', detectors: ['care_after_death', 'card_stacking'] });
    const dir = join(t.dir, 'city');
    mkdirSync(join(dir, '_truth'), { recursive: true });
    writeFileSync(join(dir, '_truth', 'truth.jsonl'), [
      row({ case_id: 'c-A1', detector_id: 'care_after_death', expect: 'alert', psn_no: 'P1', setl_id: 'S1' }),
      row({ case_id: 'c-A2', detector_id: 'care_after_death', expect: 'alert', psn_no: 'P2', setl_id: 'S2' }),
      // Wrong settlement: a truth key that does not match → missed.
      row({ case_id: 'c-A3', detector_id: 'care_after_death', expect: 'alert', psn_no: 'P9', setl_id: 'S9' }),
      // P3 was planted as a look-alike but fires; P4 stays quiet.
      row({ case_id: 'c-N1', detector_id: 'care_after_death', expect: 'no_alert', psn_no: 'P3' }),
      row({ case_id: 'c-N2', detector_id: 'care_after_death', expect: 'no_alert', psn_no: 'P4' }),
      row({ case_id: 'k-A1', detector_id: 'card_stacking', expect: 'alert', subject_type: 'physician', fixmedins_code: 'H1', bilg_dr_codg: 'D1' }),
      row({ case_id: 'ew-1', detector_id: 'early_warning', expect: 'alert', psn_no: 'P1', month: '2026-01' }),
      '',
    ].join('\n'));
    const file = resolveTruthFile(dir);
    expect(file).toBe(join(dir, '_truth', 'truth.jsonl'));
    const truth = readTruth(file);
    const r = await evaluateDetectors(t.store, truth);
    expect(r.detectors).toEqual([
      { detector_id: 'card_stacking', family: 'impersonation', planted: 1, found: 0, recall: 0, alerts: 0, alerts_true: 0, precision: null,
        lookalikes: 0, lookalikes_flagged: 0, missed: ['k-A1'], flagged_lookalikes: [] },
      { detector_id: 'care_after_death', family: 'impersonation', planted: 3, found: 2, recall: 0.6667, alerts: 3, alerts_true: 2,
        precision: 0.6667, lookalikes: 2, lookalikes_flagged: 1, missed: ['c-A3'], flagged_lookalikes: ['c-N1'] },
    ]);
    expect(r.totals).toEqual({ planted: 4, found: 2, recall: 0.5, alerts: 3, alerts_true: 2, precision: 0.6667, lookalikes: 2, lookalikes_flagged: 1 });
    expect(r.not_detectors).toEqual({ early_warning: 1 });

    const { report, text } = await runEval(t.store, file, truth);
    expect(report.truth_rows).toBe(7);
    expect(report.detectors).toEqual(r);
    expect(text.find((l) => l.startsWith('care_after_death'))).toMatch(/care_after_death\s+3\s+2\s+66\.7%\s+3\s+2\s+66\.7%\s+1\/2/);
    expect(report.early_warning).toMatchObject({ planted: 1, found: 0, referrals: 0, recall: 0, precision: null });
    expect(text.some((l) => l.includes('尚无转介'))).toBe(true);
  });

  it('scores the early warning: a referral in the planted month is found, another person is extra, a referred look-alike is flagged', async () => {
    const referral = (id: string, psn: string, month: string) =>
      t.store.run(
        `INSERT INTO referrals (referral_id, month, trigger, level, psn_no, aid_category, threshold, ytd_total_cost, ytd_fund_paid,
           ytd_critical_illness_paid, ytd_assistance_paid, ytd_out_of_pocket, month_out_of_pocket, stays, main_diagnoses, created_at)
         VALUES ($1, $2, 'ytd', 1, $3, 'subsistence', 10000, 30000, 15000, 0, 2000, 13000, 13000, 2, ['I20.000'], now())`,
        [id, month, psn],
      );
    await referral('R1', 'P1', '2026-03');
    await referral('R2', 'P2', '2026-04'); // planted for 2026-05: wrong month → missed, but not an extra
    await referral('R3', 'P7', '2026-03'); // nobody planted → extra
    await referral('R4', 'P8', '2026-06'); // a look-alike → flagged
    const truth = [
      JSON.parse(row({ case_id: 'ew-1', detector_id: 'early_warning', expect: 'alert', psn_no: 'P1', month: '2026-03' })),
      JSON.parse(row({ case_id: 'ew-2', detector_id: 'early_warning', expect: 'alert', psn_no: 'P2', month: '2026-05' })),
      JSON.parse(row({ case_id: 'ew-n1', detector_id: 'early_warning', expect: 'no_alert', psn_no: 'P8' })),
    ];
    const r = await evaluateEarlyWarning(t.store, truth);
    expect(r).toEqual({
      planted: 2, found: 1, recall: 0.5, referrals: 4, referrals_true: 2, precision: 0.5, lookalikes: 1, lookalikes_flagged: 1,
      missed: ['ew-2'], extra: [{ referral_id: 'R3', psn_no: 'P7', month: '2026-03' }, { referral_id: 'R4', psn_no: 'P8', month: '2026-06' }],
      flagged_lookalikes: ['ew-n1'],
    });
  });

  it('names the file, line and field of a bad truth row', () => {
    const file = join(t.dir, 'truth.jsonl');
    writeFileSync(file, `${row({ case_id: 'a', detector_id: 'care_after_death', expect: 'alert', psn_no: 'P1' })}\n${row({ case_id: 'b', detector_id: 'x', expect: 'maybe', psn_no: 'P1' })}\n`);
    expect(() => readTruth(file)).toThrow(`${file} 第 2 行 (line 2): 字段 expect`);
    writeFileSync(file, '{"case_id": "a", "detector_id": "x", "expect": "alert"}\n');
    expect(() => readTruth(file)).toThrow(/line 1.*no key/);
  });
});

describe('eval false alerts', () => {
  async function alert(store: Store, id: string, detector: string, family: string, k: { psn?: string; fix?: string; dr?: string; mdtrt?: string; setl?: string; status?: string }): Promise<void> {
    await store.run(
      `INSERT INTO alerts (alert_id, run_id, last_run_id, family, detector_id, detector_version, result_type, title_zh, subject_type, psn_no, fixmedins_code,
         bilg_dr_codg, mdtrt_id, setl_id, feedetl_sn, measured, threshold, amount_at_risk, params, params_hash, legal_basis, activity_date, status, created_at, updated_at)
       VALUES ($1, 'R1', 'R1', $2, $3, 1, 'suspicious', 't', 'visit', $4, $5, $6, $7, $8, []::VARCHAR[], '{}', '{}', 0, '{}', 'h', 'x', DATE '2026-01-15', $9, now(), now())`,
      [id, family, detector, k.psn ?? null, k.fix ?? null, k.dr ?? null, k.mdtrt ?? null, k.setl ?? null, k.status ?? 'open'],
    );
  }
  const tag = (pattern: string, keys: Record<string, string>) =>
    JSON.stringify({ tag_id: `BG${Math.random()}`, pattern, group: 'g', label_zh: `${pattern}的说明`, instance: `${pattern}-1`, note_zh: '说明',
      psn_no: null, fixmedins_code: null, bilg_dr_codg: null, mdtrt_id: null, setl_id: null, ...keys });

  it('counts alerts matching no planted case, normalises them to 10,000 persons and 120 days, and names their causes', async () => {
    const dir = join(t.dir, 'city');
    mkdirSync(join(dir, '_truth'), { recursive: true });
    writeFileSync(join(dir, '_truth', 'truth.jsonl'), [
      row({ case_id: 'c-A1', detector_id: 'care_after_death', expect: 'alert', psn_no: 'P1', setl_id: 'S1' }),
      row({ case_id: 'c-N1', detector_id: 'care_after_death', expect: 'no_alert', scenario: '死亡后结算已冲销', psn_no: 'P3' }),
      row({ case_id: 'k-A1', detector_id: 'card_stacking', expect: 'alert', subject_type: 'physician', fixmedins_code: 'H1', bilg_dr_codg: 'D1' }),
      row({ case_id: 'k-A2', detector_id: 'card_stacking', expect: 'alert', subject_type: 'physician', fixmedins_code: 'H9', bilg_dr_codg: 'D9' }),
      '',
    ].join('\n'));
    writeFileSync(join(dir, '_truth', 'background.jsonl'), [
      tag('death_in_hospital', { psn_no: 'P2', fixmedins_code: 'H1', mdtrt_id: 'V2', setl_id: 'S2' }),
      ...[1, 2, 3, 4, 5].map((i) => tag('long_prescription', { psn_no: 'P5', fixmedins_code: 'H1', mdtrt_id: `V5${i}` })),
      tag('early_refill', { psn_no: 'P5', fixmedins_code: 'H1', mdtrt_id: 'V51' }),
      tag('seven_day_hospital', { fixmedins_code: 'H2' }),
      tag('internet_followup', { psn_no: 'P6', fixmedins_code: 'H1', bilg_dr_codg: 'D2', mdtrt_id: 'V6' }),
      '',
    ].join('\n'));
    writeFileSync(join(dir, '_truth', 'city.json'), JSON.stringify({ persons: 100, days: 60 }));
    await alert(t.store, 'a1', 'care_after_death', 'impersonation', { psn: 'P1', setl: 'S1' });
    await alert(t.store, 'a2', 'care_after_death', 'impersonation', { psn: 'P2', mdtrt: 'V2', setl: 'S2' });
    await alert(t.store, 'a3', 'care_after_death', 'impersonation', { psn: 'P3', setl: 'S3' });
    await alert(t.store, 'a4', 'oversized_days_supply', 'prescription', { psn: 'P5', fix: 'H1', mdtrt: 'V99' });
    await alert(t.store, 'a5', 'weekend_holiday_activity', 'provider_pattern', { fix: 'H2' });
    await alert(t.store, 'a6', 'physician_oversized_rate', 'prescription', { fix: 'H1', dr: 'D2' });
    await alert(t.store, 'a7', 'impossible_travel', 'impersonation', { psn: 'P9', mdtrt: 'V20' });
    await alert(t.store, 'a8', 'card_stacking', 'impersonation', { fix: 'H1', dr: 'D1' });
    await alert(t.store, 'a9', 'physician_drug_volume', 'prescription', { fix: 'H1', dr: 'D1' });
    await alert(t.store, 'a10', 'impossible_travel', 'impersonation', { psn: 'P9', mdtrt: 'V21', status: 'withdrawn' });

    const file = resolveTruthFile(dir);
    const r = await evaluateFalseAlerts(t.store, readTruth(file), file);
    expect(r).toMatchObject({ persons: 100, days: 60, basis: 'city.json', background_tags: 9, alerts: 9, false_alerts: 7, false_per_10k: 1400, target_per_10k: 5 });
    const by = Object.fromEntries(r.detectors.filter((d) => d.alerts).map((d) => [d.detector_id, [d.false_alerts, d.false_per_10k, d.causes.map((c) => `${c.cause}:${c.alerts}`)]]));
    expect(by).toEqual({
      care_after_death: [2, 400, ['death_in_hospital:1', 'lookalike:1']],
      impossible_travel: [1, 200, ['untagged:1']],
      card_stacking: [0, 0, []],
      oversized_days_supply: [1, 200, ['long_prescription:1']],
      physician_drug_volume: [1, 200, ['planted:card_stacking:1']],
      physician_oversized_rate: [1, 200, ['internet_followup:1']],
      weekend_holiday_activity: [1, 200, ['seven_day_hospital:1']],
    });
    expect(r.detectors.find((d) => d.detector_id === 'care_after_death')!.causes[0]).toEqual({ cause: 'death_in_hospital', label_zh: 'death_in_hospital的说明', alerts: 1 });
    expect(r.recall_by_family).toEqual([{ family: 'impersonation', planted: 3, found: 2, recall: 0.6667 }]);
    expect(r.lookalikes_fired).toEqual([{ case_id: 'c-N1', detector_id: 'care_after_death', scenario: '死亡后结算已冲销', note_zh: '', alerts: 1 }]);

    const { report, text } = await runEval(t.store, file, readTruth(file));
    expect(report.false_alerts).toEqual(r);
    expect(report.detectors).toBeDefined();
    expect(text.some((l) => l.includes('每万人每120天 per 10,000 persons per 120 days 1,400.0'))).toBe(true);
    expect(text.filter((l) => l.startsWith('oversized_days_supply')).at(-1)).toMatch(/oversized_days_supply\s+1\s+1\s+200\.0\s+long_prescription 1/);
    expect(text.some((l) => l.includes('c-N1 (care_after_death, 1 条 alerts) 死亡后结算已冲销'))).toBe(true);
  });

  it('without the generator files it takes persons and days from the database and calls every false alert untagged', async () => {
    const c = new ClaimFixtures(t.store);
    c.provider({ fixmedins_code: 'H1' });
    for (const [i, psn] of ['P1', 'P2', 'P3'].entries()) {
      c.person({ psn_no: psn, certno: `11010119500101002${i}` });
      c.visit({ mdtrt_id: `V${i}`, psn_no: psn, begntime: `2026-01-${String(10 + i * 10).padStart(2, '0')} 09:00:00` });
    }
    await c.flush();
    await alert(t.store, 'a1', 'impossible_travel', 'impersonation', { psn: 'P1', mdtrt: 'V0' });
    const file = join(t.dir, 'truth.jsonl');
    writeFileSync(file, row({ case_id: 'x-A1', detector_id: 'impossible_travel', expect: 'alert', psn_no: 'P2' }) + '\n');
    const r = await evaluateFalseAlerts(t.store, readTruth(file), file);
    // 3 persons, 2026-01-10 … 2026-01-30 = 21 days: 1 × 10000 / 3 × 120 / 21.
    expect(r).toMatchObject({ persons: 3, days: 21, basis: 'database', background_tags: null, false_alerts: 1, false_per_10k: 19047.6 });
    expect(r.detectors.find((d) => d.detector_id === 'impossible_travel')!.causes).toEqual([{ cause: 'untagged', label_zh: '未标注 untagged (ordinary background care)', alerts: 1 }]);
    expect(per10k(0, 0, 10)).toBe(null);
  });
});
