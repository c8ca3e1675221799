import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce, lastSummary } from '../harness.ts';
import type { Store } from '../../../pipeline/store/store.ts';

let t: Awaited<ReturnType<typeof tempStore>>;
let store: Store;
beforeEach(async () => {
  t = await tempStore();
  store = t.store;
});
afterEach(() => t.cleanup());

const WINDOW = { from: '2026-01-01', to: '2026-06-30' };
const IBUPROFEN = 'XM01AEB094A001010101445';
const CEFUROXIME = 'XJ01DCF116A001010101445';

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
    c.person({ psn_no: 'P1' });
    c.provider({ fixmedins_code: 'H1' });
    c.provider({ fixmedins_code: 'PH1', fixmedins_type: 'pharmacy' });
    // outpatient: 8 days fires (one line), 7 days on the same visit and a service line do not count
    visitWithDrugs(c, 'O8', '11', '2026-02-02', [
      { feedetl_sn: 'O8-1', prd_days: 8, cnt: 2, pric: 12.5 },
      { feedetl_sn: 'O8-2', prd_days: 7, cnt: 1, pric: 10 },
    ]);
    c.fee({ feedetl_sn: 'O8-3', mdtrt_id: 'O8', setl_id: 'SO8', med_chrgitm_type: '05', prd_days: 30, pric: 6 }); // not a drug
    visitWithDrugs(c, 'O7', '11', '2026-02-03', [{ feedetl_sn: 'O7-1', prd_days: 7, pric: 10 }]);
    // emergency: 4 fires, 3 not
    visitWithDrugs(c, 'E4', '13', '2026-02-04', [
      { feedetl_sn: 'E4-1', prd_days: 4, pric: 3.2 },
      { feedetl_sn: 'E4-2', prd_days: 5, pric: 4.8, med_list_codg: CEFUROXIME },
    ]);
    visitWithDrugs(c, 'E3', '13', '2026-02-05', [{ feedetl_sn: 'E3-1', prd_days: 3, pric: 3.2 }]);
    // chronic/special outpatient: 85 fires, 84 not
    visitWithDrugs(c, 'C85', '140104', '2026-02-06', [{ feedetl_sn: 'C85-1', prd_days: 85, cnt: 3, pric: 18.5 }]);
    visitWithDrugs(c, 'C84', '140201', '2026-02-07', [{ feedetl_sn: 'C84-1', prd_days: 84, cnt: 3, pric: 18.5 }]);
    // pharmacy purchase: checked as outpatient by default
    visitWithDrugs(c, 'RX10', '41', '2026-02-08', [{ feedetl_sn: 'RX10-1', prd_days: 10, pric: 20 }], { fixmedins_code: 'PH1' });
    // inpatient lines are not prescriptions for take-away
    visitWithDrugs(c, 'I30', '21', '2026-02-09', [{ feedetl_sn: 'I30-1', prd_days: 30, pric: 20 }]);
    // reversed outpatient visit: left out
    c.visit({ mdtrt_id: 'REV', psn_no: 'P1', med_type: '11', begntime: '2026-02-10 09:00:00' });
    c.settlement({ setl_id: 'SREV', mdtrt_id: 'REV', refd_setl_flag: 1 });
    c.fee({ feedetl_sn: 'REV-1', mdtrt_id: 'REV', setl_id: 'SREV', list_type: '101', med_chrgitm_type: '09', prd_days: 30, pric: 20 });
    await c.flush();
    // a line without its time is dated by its visit, not dropped
    await store.run("UPDATE fee_list_d SET fee_ocur_time = NULL WHERE feedetl_sn = 'C85-1'");
  }

  it('flags visits over 7 / 3 / 84 days with exactly the offending lines; 7 / 3 / 84 do not fire', async () => {
    await claims();
    const alerts = await detectOnce(store, 'oversized_days_supply', WINDOW);
    expect(alerts.map((a) => [a.mdtrt_id, a.feedetl_sn, a.amount_at_risk])).toEqual([
      ['C85', ['C85-1'], 55.5],
      ['E4', ['E4-1', 'E4-2'], 8],
      ['O8', ['O8-1'], 25],
      ['RX10', ['RX10-1'], 20],
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
    });
    expect(o8.threshold).toEqual({ outpatient_max_days: 7 });
    expect(o8.measured).toMatchObject({ med_type: '11', max_prd_days: 8, offending_lines: 1 });
    expect(alerts.find((a) => a.mdtrt_id === 'E4')!.threshold).toEqual({ emergency_max_days: 3 });
    expect(alerts.find((a) => a.mdtrt_id === 'C85')!.threshold).toEqual({ chronic_max_days: 84 });
    expect(alerts.find((a) => a.mdtrt_id === 'RX10')!.fixmedins_code).toBe('PH1');
  });

  it('parameters: pharmacy purchases can be exempted and the outpatient limit raised', async () => {
    await claims();
    const config = { detectors: { oversized_days_supply: { params: { pharmacy_as_outpatient: false, outpatient_max_days: 8 } } } };
    const alerts = await detectOnce(store, 'oversized_days_supply', { ...WINDOW, config });
    expect(alerts.map((a) => a.mdtrt_id)).toEqual(['C85', 'E4']);
  });
});

describe('over_catalog_max_supply', () => {
  it('flags days of supply above med_catalog.max_days_supply; equal to the maximum does not fire', async () => {
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
    });
    expect(alerts[0]!.threshold).toEqual({ max_days_supply: 5, tolerance_days: 0 });
    expect(alerts[0]!.measured).toMatchObject({ offending_lines: 1 });

    await detectOnce(store, 'over_catalog_max_supply', {
      ...WINDOW,
      config: { detectors: { over_catalog_max_supply: { params: { tolerance_days: 1 } } } },
    });
    // 6 days is within 5 + 1: the run finds nothing
    expect(lastSummary!.counts.per_detector.over_catalog_max_supply).toMatchObject({ status: 'succeeded', hits: 0, alerts: 0 });
  });
});
