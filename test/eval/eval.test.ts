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
