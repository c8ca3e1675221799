import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce } from '../harness.ts';
import type { Store } from '../../../pipeline/store/store.ts';
import { detector as bedHolding } from '../../../detectors/admission/bedHolding.ts';
import { detector as lowStandard } from '../../../detectors/admission/lowStandardAdmission.ts';
import { explainOf } from './explainOf.ts';

let t: Awaited<ReturnType<typeof tempStore>>;
let store: Store;
beforeEach(async () => {
  t = await tempStore();
  store = t.store;
});
afterEach(() => t.cleanup());

const WINDOW = { from: '2026-01-01', to: '2026-06-30' };

/** [charge category, unit price] of one line. */
type Line = [string, number];
const BED: Line = ['01', 45];
const CONSULT: Line = ['02', 12];
const NURSING: Line = ['07', 24];
const INFUSION: Line = ['05', 10];
const DRUG: Line = ['09', 33.3];

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/**
 * A stay admitted on `start` for `nights` nights (discharged the morning after the last), one settlement,
 * lines `${id}-d{day index}-{n}` from `linesOf(day index)`.
 */
function stay(c: ClaimFixtures, id: string, start: string, nights: number, linesOf: (d: number) => Line[], medType = '21'): void {
  c.visit({ mdtrt_id: id, psn_no: 'P1', med_type: medType, begntime: `${start} 09:00:00`, endtime: `${addDays(start, nights)} 10:00:00` });
  c.settlement({ setl_id: `S${id}`, mdtrt_id: id });
  for (let d = 0; d < nights; d++) {
    linesOf(d).forEach(([cat, pric], n) =>
      c.fee({
        feedetl_sn: `${id}-d${d}-${n}`,
        mdtrt_id: id,
        setl_id: `S${id}`,
        fee_ocur_time: `${addDays(start, d)} 10:0${n}:00`,
        med_chrgitm_type: cat,
        list_type: ['09', '10', '11'].includes(cat) ? '101' : '201',
        pric,
      }),
    );
  }
}

describe('bed_holding', () => {
  async function claims(): Promise<void> {
    const c = new ClaimFixtures(store);
    c.person({ psn_no: 'P1' });
    c.provider({ fixmedins_code: 'H1' });
    // BH: days 2–7 (six days) carry only bed and consult fees
    stay(c, 'BH', '2026-03-01', 10, (d) => (d >= 2 && d <= 7 ? [BED, CONSULT] : [BED, CONSULT, NURSING, DRUG]));
    // N2: two empty days, a day without any line, two empty days: no run of 3
    stay(c, 'N2', '2026-04-01', 10, (d) => (d === 4 ? [] : [2, 3, 5, 6].includes(d) ? [BED, CONSULT] : [BED, NURSING, INFUSION]));
    // NN: drugs stopped mid-stay but nursing and infusion continue daily
    stay(c, 'NN', '2026-05-01', 10, (d) => (d >= 2 && d <= 7 ? [BED, CONSULT, NURSING, INFUSION] : [BED, CONSULT, DRUG]));
    // NB: no care for four days but no bed fee either (bed billing stopped: leave)
    stay(c, 'NB', '2026-06-01', 10, (d) => (d >= 2 && d <= 5 ? [CONSULT] : [BED, NURSING]));
    await c.flush();
  }

  it('flags a stay with ≥ 3 consecutive bed-only days, evidence = the lines of those days', async () => {
    await claims();
    const alerts = await detectOnce(store, 'bed_holding', WINDOW);
    expect(alerts).toHaveLength(1);
    const a = alerts[0]!;
    const expected = [2, 3, 4, 5, 6, 7].flatMap((d) => [`BH-d${d}-0`, `BH-d${d}-1`]).sort();
    expect(a).toMatchObject({ mdtrt_id: 'BH', psn_no: 'P1', setl_id: 'SBH', subject_type: 'visit', feedetl_sn: expected, amount_at_risk: 342 });
    expect(a.measured).toMatchObject({
      longest_empty_run_days: 6,
      empty_days: 6,
      empty_runs: [{ from: '2026-03-03', to: '2026-03-08', days: 6 }],
      offending_lines: 12,
    });
    expect(a.threshold).toEqual({ min_empty_days: 3, care_categories: ['05', '06', '07', '09', '10', '11'] });
    expect(explainOf(bedHolding, a)).toBe(
      '住院期间 2026-03-03 至 2026-03-08（6 天）只收床位费等费用，无治疗、手术、护理和用药记录，连续最长 6 天（界限：连续 3 天），疑似挂床住院；这些天的费用 12 笔，金额 342.00 元',
    );
  });

  it('min_empty_days 2 also flags the two-day runs (each run listed), still not the nursed stay', async () => {
    await claims();
    const alerts = await detectOnce(store, 'bed_holding', { ...WINDOW, config: { detectors: { bed_holding: { params: { min_empty_days: 2 } } } } });
    expect(alerts.map((a) => a.mdtrt_id)).toEqual(['BH', 'N2']);
    const n2 = alerts[1]!;
    expect(n2.measured).toMatchObject({
      empty_runs: [
        { from: '2026-04-03', to: '2026-04-04', days: 2 },
        { from: '2026-04-06', to: '2026-04-07', days: 2 },
      ],
    });
    expect(n2.amount_at_risk).toBe(228);
  });
});

describe('low_standard_admission', () => {
  // Three nights of bed + consult + nursing: 3 × 81 = 243.
  const base = (): Line[] => [BED, CONSULT, NURSING];

  async function claims(): Promise<void> {
    const c = new ClaimFixtures(store);
    c.person({ psn_no: 'P1' });
    c.provider({ fixmedins_code: 'H1' });
    // L80: tests 972 of 1215 = exactly 80 %
    stay(c, 'L80', '2026-03-01', 3, (d) => (d === 0 ? [...base(), ['03', 180], ['04', 792]] : base()));
    // L79: tests 914 of 1157 = 79.0 %
    stay(c, 'L79', '2026-03-10', 3, (d) => (d === 0 ? [...base(), ['03', 180], ['04', 734]] : base()));
    // LT: 90 % tests but one infusion (treatment) line
    stay(c, 'LT', '2026-03-20', 3, (d) => (d === 0 ? [...base(), ['03', 180], ['04', 2000], INFUSION] : base()));
    // LO: an outpatient visit of tests only is not an admission
    c.visit({ mdtrt_id: 'LO', psn_no: 'P1', med_type: '11', begntime: '2026-04-01 09:00:00' });
    c.settlement({ setl_id: 'SLO', mdtrt_id: 'LO' });
    c.fee({ feedetl_sn: 'LO-1', mdtrt_id: 'LO', setl_id: 'SLO', med_chrgitm_type: '04', pric: 300 });
    await c.flush();
  }

  it('flags a stay at 80 % tests with no treatment; 79 % and a treated stay do not fire', async () => {
    await claims();
    const alerts = await detectOnce(store, 'low_standard_admission', WINDOW);
    expect(alerts).toHaveLength(1);
    const expected = ['L80-d0-0', 'L80-d0-1', 'L80-d0-2', 'L80-d0-3', 'L80-d0-4', 'L80-d1-0', 'L80-d1-1', 'L80-d1-2', 'L80-d2-0', 'L80-d2-1', 'L80-d2-2'];
    expect(alerts[0]).toMatchObject({
      mdtrt_id: 'L80',
      psn_no: 'P1',
      setl_id: 'SL80',
      feedetl_sn: expected,
      amount_at_risk: 1215,
      gz_code: 'GZ10000204005000',
    });
    expect(alerts[0]!.measured).toMatchObject({ stay_cost: 1215, test_exam_cost: 972, test_share: 0.8, treatment_lines: 0 });
    expect(alerts[0]!.threshold).toEqual({ min_test_share: 0.8, treatment_lines: 0 });
    expect(explainOf(lowStandard, alerts[0]!)).toBe(
      '2026-03-01 入院（主诊断 J18.900）住院费用 1215.00 元，其中检查化验费 972.00 元，占 80.0%（界限 80.0%），且无治疗、手术收费，疑似低标准入院；整次住院金额 1215.00 元',
    );
  });

  it('a lower share from config also flags the 79 % stay', async () => {
    await claims();
    const alerts = await detectOnce(store, 'low_standard_admission', {
      ...WINDOW,
      config: { detectors: { low_standard_admission: { params: { min_test_share: 0.75 } } } },
    });
    expect(alerts.map((a) => [a.mdtrt_id, a.amount_at_risk])).toEqual([
      ['L79', 1157],
      ['L80', 1215],
    ]);
  });
});
