import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce, lastSummary } from '../harness.ts';
import { explainOf } from './explainOf.ts';
import type { Store } from '../../../pipeline/store/store.ts';

let t: Awaited<ReturnType<typeof tempStore>>;
let store: Store;
beforeEach(async () => {
  t = await tempStore();
  store = t.store;
});
afterEach(() => t.cleanup());

const WINDOW = { from: '2026-01-01', to: '2026-06-30' };
const IBUPROFEN = 'XM01AEB094A001010101445'; // ATC M01AE: not a chronic class
const CEFUROXIME = 'XJ01DCF116A001010101445';
const ATORVASTATIN = 'XC10AAA059A001010101445'; // C10AA statin: chronic class
const METFORMIN = 'XA10BAA001A001010101445'; // A10BA biguanide: chronic class
const AMOXICILLIN = 'XJ01CAA001A001010101445'; // J01CA antibacterial: never a long prescription
const HERBAL = 'ZA12BAS0123010101234'; // a Chinese patent medicine: no ATC in its code

type F = Record<string, string | number | null>;

/** One visit with one settlement and the given drug lines (cnt 1 unless said; price per line given). */
function visitWithDrugs(c: ClaimFixtures, id: string, medType: string, day: string, lines: F[], extra: F = {}): void {
  const inpatient = medType.startsWith('2');
  c.visit({
    mdtrt_id: id,
    psn_no: 'P1',
    med_type: medType,
    begntime: `${day} 09:00:00`,
    endtime: inpatient ? `${day.slice(0, 8)}${String(Number(day.slice(8)) + 3).padStart(2, '0')} 10:00:00` : null,
    ...extra,
  });
  c.settlement({ setl_id: `S${id}`, mdtrt_id: id });
  for (const l of lines) {
    c.fee({ mdtrt_id: id, setl_id: `S${id}`, med_list_codg: IBUPROFEN, hilist_name: '布洛芬缓释胶囊', list_type: '101', med_chrgitm_type: '09', ...l });
  }
}

describe('oversized_days_supply', () => {
  async function claims(): Promise<void> {
    const c = new ClaimFixtures(store);
    for (const p of ['P1', 'PC', 'PS', 'PH', 'PK', 'PD']) c.person({ psn_no: p });
    c.provider({ fixmedins_code: 'H1' });
    c.provider({ fixmedins_code: 'PH1', fixmedins_type: 'pharmacy' });
    // P1, an ordinary patient. Outpatient: 8 days fires (one line), 7 days on the same visit and a service line do not count
    visitWithDrugs(c, 'O8', '11', '2026-02-02', [
      { feedetl_sn: 'O8-1', prd_days: 8, cnt: 2, pric: 12.5 },
      { feedetl_sn: 'O8-2', prd_days: 7, cnt: 1, pric: 10 },
    ]);
    c.fee({ feedetl_sn: 'O8-3', mdtrt_id: 'O8', setl_id: 'SO8', med_chrgitm_type: '05', prd_days: 30, pric: 6 }); // not a drug
    visitWithDrugs(c, 'O7', '11', '2026-02-03', [{ feedetl_sn: 'O7-1', prd_days: 7, pric: 10 }]);
    // emergency: 4 fires (also for an antibiotic at 5), 3 not
    visitWithDrugs(c, 'E4', '13', '2026-02-04', [
      { feedetl_sn: 'E4-1', prd_days: 4, pric: 3.2 },
      { feedetl_sn: 'E4-2', prd_days: 5, pric: 4.8, med_list_codg: CEFUROXIME },
    ]);
    visitWithDrugs(c, 'E3', '13', '2026-02-05', [{ feedetl_sn: 'E3-1', prd_days: 3, pric: 3.2 }]);
    // a pharmacy purchase of a non-chronic drug by a person with no chronic history: checked as outpatient
    visitWithDrugs(c, 'RX10', '41', '2026-02-08', [{ feedetl_sn: 'RX10-1', prd_days: 10, pric: 20 }], { fixmedins_code: 'PH1' });
    // inpatient lines are not prescriptions for take-away
    visitWithDrugs(c, 'I30', '21', '2026-02-09', [{ feedetl_sn: 'I30-1', prd_days: 30, pric: 20 }]);
    // reversed outpatient visit: left out
    c.visit({ mdtrt_id: 'REV', psn_no: 'P1', med_type: '11', begntime: '2026-02-10 09:00:00' });
    c.settlement({ setl_id: 'SREV', mdtrt_id: 'REV', refd_setl_flag: 1 });
    c.fee({ feedetl_sn: 'REV-1', mdtrt_id: 'REV', setl_id: 'SREV', list_type: '101', med_chrgitm_type: '09', prd_days: 30, pric: 20 });

    // PC, a 门慢 patient. Chronic/special visits: 85 days fires, 84 not
    visitWithDrugs(c, 'C85', '140104', '2026-02-06', [{ feedetl_sn: 'C85-1', prd_days: 85, cnt: 3, pric: 18.5 }], { psn_no: 'PC', dscg_maindiag_code: 'I10.x00' });
    visitWithDrugs(c, 'C84', '140201', '2026-02-07', [{ feedetl_sn: 'C84-1', prd_days: 84, cnt: 3, pric: 18.5 }], { psn_no: 'PC', dscg_maindiag_code: 'N18.500' });
    // … but an antibiotic is never a long prescription, not even on a 门慢 visit: 30 days fires against 7
    visitWithDrugs(c, 'CAB', '140104', '2026-02-11', [{ feedetl_sn: 'CAB-1', med_list_codg: AMOXICILLIN, hilist_name: '阿莫西林胶囊', prd_days: 30, cnt: 3, pric: 9.8 }], { psn_no: 'PC', dscg_maindiag_code: 'I10.x00' });
    // … and being a chronic patient does not make an ordinary visit's painkiller a long prescription
    visitWithDrugs(c, 'CBP', '11', '2026-02-12', [{ feedetl_sn: 'CBP-1', prd_days: 30, cnt: 3, pric: 14.2 }], { psn_no: 'PC', dscg_maindiag_code: 'M54.500' });

    // PS, 68, no other care: a 30-day statin at a pharmacy each month is a long prescription (chronic drug class) …
    for (const [id, day] of [['S1', '2026-03-02'], ['S2', '2026-04-01'], ['S3', '2026-05-01']]) {
      visitWithDrugs(c, id!, '41', day!, [{ feedetl_sn: `${id}-1`, med_list_codg: ATORVASTATIN, hilist_name: '阿托伐他汀钙片', prd_days: 30, cnt: 2, pric: 26.3 }],
        { psn_no: 'PS', fixmedins_code: 'PH1', dscg_maindiag_code: null });
    }
    // … up to 12 weeks; 90 days is more than a long prescription may hold
    visitWithDrugs(c, 'S84', '41', '2026-05-25', [{ feedetl_sn: 'S84-1', med_list_codg: ATORVASTATIN, hilist_name: '阿托伐他汀钙片', prd_days: 84, cnt: 6, pric: 26.3 }],
      { psn_no: 'PS', fixmedins_code: 'PH1', dscg_maindiag_code: null });
    visitWithDrugs(c, 'S90', '41', '2026-06-20', [{ feedetl_sn: 'S90-1', med_list_codg: ATORVASTATIN, hilist_name: '阿托伐他汀钙片', prd_days: 90, cnt: 6, pric: 26.3 }],
      { psn_no: 'PS', fixmedins_code: 'PH1', dscg_maindiag_code: null });
    // PH: an ordinary visit for hypertension: 28 days of a Chinese patent medicine (chronic diagnosis), 84 days of
    // metformin for a secondary diabetes diagnosis — both long prescriptions
    visitWithDrugs(c, 'HT', '11', '2026-03-03', [
      { feedetl_sn: 'HT-1', med_list_codg: HERBAL, hilist_name: '松龄血脉康胶囊', list_type: '101', med_chrgitm_type: '11', prd_days: 28, cnt: 4, pric: 32 },
      { feedetl_sn: 'HT-2', med_list_codg: METFORMIN, hilist_name: '盐酸二甲双胍片', prd_days: 84, cnt: 6, pric: 12.9 },
    ], { psn_no: 'PH', dscg_maindiag_code: 'I10.x00', diag_codes: 'E11.900' });
    // PK: a 门慢 patient (visit in the look-back year) buys 30 days of a Chinese patent medicine at a pharmacy
    visitWithDrugs(c, 'K0', '140104', '2025-10-08', [{ feedetl_sn: 'K0-1', med_list_codg: METFORMIN, prd_days: 28, cnt: 2, pric: 12.9 }], { psn_no: 'PK', dscg_maindiag_code: 'E11.900' });
    visitWithDrugs(c, 'K1', '41', '2026-03-04', [{ feedetl_sn: 'K1-1', med_list_codg: HERBAL, hilist_name: '松龄血脉康胶囊', list_type: '101', med_chrgitm_type: '11', prd_days: 30, cnt: 4, pric: 32 }],
      { psn_no: 'PK', fixmedins_code: 'PH1', dscg_maindiag_code: null });
    // PD: a return line (negative quantity) carries the days of the line it returns: no prescription
    visitWithDrugs(c, 'DC', '11', '2026-03-05', [
      { feedetl_sn: 'DC-1', prd_days: 5, cnt: 2, pric: 14.2, fee_ocur_time: '2026-03-05 09:05:00' },
      { feedetl_sn: 'DC-2', prd_days: 10, cnt: -2, pric: 14.2, fee_ocur_time: '2026-03-05 09:20:00' },
    ], { psn_no: 'PD', dscg_maindiag_code: 'M54.500' });
    // PG: H. pylori eradication — bismuth quadruple therapy for the standard 14 days (antibiotics included) …
    const quadruple = (id: string, days: number): F[] => [
      { feedetl_sn: `${id}-1`, med_list_codg: 'XA02BCA001A001010101445', hilist_name: '奥美拉唑肠溶胶囊', prd_days: days, cnt: 2, pric: 18.8 },
      { feedetl_sn: `${id}-2`, med_list_codg: 'XA02BXA001A001010101445', hilist_name: '枸橼酸铋钾胶囊', prd_days: days, cnt: 2, pric: 23.5 },
      { feedetl_sn: `${id}-3`, med_list_codg: 'XJ01AAA001A001010101445', hilist_name: '盐酸四环素片', prd_days: days, cnt: 2, pric: 9.8 },
      { feedetl_sn: `${id}-4`, med_list_codg: 'XP01ABA001A001010101445', hilist_name: '甲硝唑片', prd_days: days, cnt: 2, pric: 4.2 },
    ];
    visitWithDrugs(c, 'HP14', '11', '2026-03-10', quadruple('HP14', 14), { psn_no: 'PG', dscg_maindiag_code: 'K29.500', diag_codes: 'B98.000' });
    // … but 21 days is beyond the course
    visitWithDrugs(c, 'HP21', '11', '2026-05-10', quadruple('HP21', 21), { psn_no: 'PG', dscg_maindiag_code: 'K29.500', diag_codes: 'B98.000' });
    await c.flush();
    // a line without its time is dated by its visit, not dropped
    await store.run("UPDATE fee_list_d SET fee_ocur_time = NULL WHERE feedetl_sn = 'C85-1'");
  }

  it('flags supply over 7 / 3 days, or 12 weeks for a long prescription; long prescriptions of chronic care do not fire', async () => {
    await claims();
    const alerts = await detectOnce(store, 'oversized_days_supply', WINDOW);
    expect(alerts.map((a) => [a.mdtrt_id, a.feedetl_sn, a.amount_at_risk, a.threshold])).toEqual([
      ['E4', ['E4-1', 'E4-2'], 8, { emergency_max_days: 3 }],
      ['O8', ['O8-1'], 25, { outpatient_max_days: 7 }],
      ['RX10', ['RX10-1'], 20, { outpatient_max_days: 7 }],
      ['C85', ['C85-1'], 55.5, { chronic_max_days: 84 }],
      ['CAB', ['CAB-1'], 29.4, { outpatient_max_days: 7 }],
      ['CBP', ['CBP-1'], 42.6, { outpatient_max_days: 7 }],
      ['HP21', ['HP21-1', 'HP21-2', 'HP21-3', 'HP21-4'], 112.6, { course_max_days: 14 }],
      ['S90', ['S90-1'], 157.8, { chronic_max_days: 84 }],
    ]);
    const o8 = alerts.find((a) => a.mdtrt_id === 'O8')!;
    expect(o8).toMatchObject({
      subject_type: 'visit',
      psn_no: 'P1',
      fixmedins_code: 'H1',
      setl_id: 'SO8',
      admdvs: '421000',
      result_type: 'suspicious',
      family: 'prescription',
      detector_version: 2,
    });
    expect(o8.measured).toMatchObject({ med_type: '11', max_prd_days: 8, offending_lines: 1 });
    const context = (id: string) => (alerts.find((a) => a.mdtrt_id === id)!.measured.lines as { context: string }[]).map((l) => l.context);
    expect(['E4', 'C85', 'CAB', 'CBP', 'S90', 'RX10', 'HP21'].map(context)).toEqual([
      ['emergency', 'emergency'], ['chronic_visit'], ['no_long_rx'], ['outpatient'], ['chronic_drug'], ['outpatient'], ['course', 'course', 'course', 'course'],
    ]);
    expect(alerts.find((a) => a.mdtrt_id === 'RX10')!.fixmedins_code).toBe('PH1');

    expect(await explainOf(store, o8)).toBe('"布洛芬缓释胶囊"处方用药 8 天，超过门诊处方（非慢性病用药）上限 7 天；2026-02-02 收费 1 项，金额 25.00 元');
    expect(await explainOf(store, alerts.find((a) => a.mdtrt_id === 'CAB')!)).toBe(
      '"阿莫西林胶囊"处方用药 30 天，超过门诊处方（该类药品不得开具长期处方）上限 7 天；2026-02-11 收费 1 项，金额 29.40 元',
    );
    expect(await explainOf(store, alerts.find((a) => a.mdtrt_id === 'HP21')!)).toBe(
      '"奥美拉唑肠溶胶囊"等 4 种药品处方用药 21 天，超过该诊断标准疗程上限 14 天；2026-05-10 收费 4 项，金额 112.60 元',
    );
    expect(await explainOf(store, alerts.find((a) => a.mdtrt_id === 'E4')!)).toBe(
      '"布洛芬缓释胶囊"等 2 种药品处方用药 5 天，超过急诊处方上限 3 天；2026-02-04 收费 2 项，金额 8.00 元',
    );
  });

  it('parameters: pharmacy purchases can be exempted, the outpatient limit raised and a region can narrow the chronic list', async () => {
    await claims();
    const config = { detectors: { oversized_days_supply: { params: { pharmacy_as_outpatient: false, outpatient_max_days: 8 } } } };
    const alerts = await detectOnce(store, 'oversized_days_supply', { ...WINDOW, config });
    expect(alerts.map((a) => a.mdtrt_id)).toEqual(['E4', 'C85', 'CAB', 'CBP', 'HP21']);

    // 421000 counts COPD only: the hypertension and diabetes visit's Chinese medicine is no longer a long prescription
    // (its metformin still is, by drug class)
    const narrow = { detectors: { oversized_days_supply: { regions: { '421000': { chronic_icd10: 'J44' } } } } };
    const latest = (await detectOnce(store, 'oversized_days_supply', { ...WINDOW, config: narrow })).filter((a) => a.run_id === lastSummary!.run_id);
    expect(latest.find((a) => a.mdtrt_id === 'HT')).toMatchObject({ feedetl_sn: ['HT-1'], amount_at_risk: 128, threshold: { outpatient_max_days: 7 } });
  });
});

describe('over_catalog_max_supply', () => {
  it('flags days of supply above med_catalog.max_days_supply; equal to the maximum and a return line do not fire', async () => {
    const c = new ClaimFixtures(store);
    c.person({ psn_no: 'P1' });
    c.provider({ fixmedins_code: 'H1' });
    c.row('med_catalog', { med_list_codg: CEFUROXIME, name: '头孢呋辛酯片', list_type: '101', max_days_supply: 5, ingredient: '头孢呋辛' });
    c.row('med_catalog', { med_list_codg: IBUPROFEN, name: '布洛芬缓释胶囊', list_type: '101', max_days_supply: null, ingredient: '布洛芬' });
    visitWithDrugs(c, 'V6', '11', '2026-03-02', [
      { feedetl_sn: 'V6-1', med_list_codg: CEFUROXIME, hilist_name: '头孢呋辛酯片', prd_days: 6, cnt: 2, pric: 21.6 },
      { feedetl_sn: 'V6-2', prd_days: 30, pric: 9 }, // ibuprofen: no catalogue maximum
    ]);
    visitWithDrugs(c, 'V5', '11', '2026-03-03', [{ feedetl_sn: 'V5-1', med_list_codg: CEFUROXIME, prd_days: 5, pric: 21.6 }]);
    visitWithDrugs(c, 'VN', '11', '2026-03-04', [{ feedetl_sn: 'VN-1', med_list_codg: CEFUROXIME, prd_days: null, cnt: 9, pric: 21.6 }]);
    // a return line of a 7-day sale (negative quantity): no supply
    visitWithDrugs(c, 'VR', '11', '2026-03-05', [{ feedetl_sn: 'VR-2', med_list_codg: CEFUROXIME, prd_days: 7, cnt: -2, pric: 21.6 }]);
    await c.flush();

    const alerts = await detectOnce(store, 'over_catalog_max_supply', WINDOW);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      mdtrt_id: 'V6',
      psn_no: 'P1',
      setl_id: 'SV6',
      feedetl_sn: ['V6-1'],
      amount_at_risk: 43.2,
      gz_code: 'GZ10000101009000',
      result_type: 'violation',
      detector_version: 2,
    });
    expect(alerts[0]!.threshold).toEqual({ max_days_supply: 5, tolerance_days: 0 });
    expect(alerts[0]!.measured).toMatchObject({ offending_lines: 1 });
    expect(await explainOf(store, alerts[0]!)).toBe('"头孢呋辛酯片"开药 6 天，超过医保目录最大开药天数 5 天；2026-03-02 收费 1 项，金额 43.20 元');

    await detectOnce(store, 'over_catalog_max_supply', {
      ...WINDOW,
      config: { detectors: { over_catalog_max_supply: { params: { tolerance_days: 1 } } } },
    });
    // 6 days is within 5 + 1: the run finds nothing
    expect(lastSummary!.counts.per_detector.over_catalog_max_supply).toMatchObject({ status: 'succeeded', hits: 0, alerts: 0 });
  });
});
