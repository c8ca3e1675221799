import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../pipeline/store/store.ts';
import { detectOnce, lastSummary } from '../harness.ts';
import { KB_EMPTY_WARNING } from '../../../pipeline/detect/engine.ts';
import { tempStore } from '../../helpers.ts';
import { BillingClaims } from './fixtures.ts';
import { storeWithRealKb } from './kbStore.ts';

const ER_MONITOR = '001103000010000'; // 急诊监护费 (主项)
const ER_CONSULT = '001102000030000'; // 急诊诊查费 (从项, 单日)
const PERIANAL_NF = '004600000170000'; // 肛周坏死性筋膜炎清创术 (主项)
const HIDRADENITIS = '004600000160000'; // 化脓性肛周大汗腺炎切开清创引流术 (从项, 单次就诊)
const COLD_PRESSOR = '003102070040000'; // 冷加压试验 (主项)
const AMBULATORY_BP = '003107010210000'; // 动态血压监测 (从项, 同一小时)
const OESOPH_RESECTION = '003310010140000'; // 食管癌根治+结肠代食管术, 胃肠手术组
const STRICTUREPLASTY = '003310010160000'; // 食管胃吻合口狭窄切开成形术, 胃肠手术组
const HEMIHEPATECTOMY = '003310050150000'; // 半肝切除术, 肝胆手术组

let store: Store;
let cleanup: () => void;
beforeEach(async () => {
  ({ store, cleanup } = await storeWithRealKb());
});
afterEach(() => cleanup());

const JAN = { from: '2026-01-01', to: '2026-01-31' };
const pick = (a: { mdtrt_id: string | null; feedetl_sn: string[]; amount_at_risk: number }) => ({
  mdtrt_id: a.mdtrt_id,
  feedetl_sn: a.feedetl_sn,
  amount_at_risk: a.amount_at_risk,
});

describe('kp_duplicate_charge', () => {
  async function claims(): Promise<void> {
    const b = new BillingClaims(store).provider('H1').person('P1');
    b.visit('SAME-DAY', 'P1', 'H1', '13', '2026-01-05 09:00:00', [
      { med_list_codg: ER_MONITOR, pric: 60 },
      { med_list_codg: ER_CONSULT, pric: 12, fee_ocur_time: '2026-01-05 18:00:00' },
    ]);
    b.visit('NEXT-DAY', 'P1', 'H1', '21', '2026-01-10 09:00:00', [
      { med_list_codg: ER_MONITOR, pric: 60, fee_ocur_time: '2026-01-10 09:00:00' },
      { med_list_codg: ER_CONSULT, pric: 12, fee_ocur_time: '2026-01-11 09:00:00' },
    ], { endtime: '2026-01-12 09:00:00' });
    b.visit('ONE-VISIT', 'P1', 'H1', '21', '2026-01-15 09:00:00', [
      { med_list_codg: PERIANAL_NF, pric: 500, fee_ocur_time: '2026-01-15 10:00:00' },
      { med_list_codg: HIDRADENITIS, pric: 300, fee_ocur_time: '2026-01-17 10:00:00' },
    ], { endtime: '2026-01-20 09:00:00' });
    b.visit('HOURS-APART', 'P1', 'H1', '11', '2026-01-25 08:00:00', [
      { med_list_codg: COLD_PRESSOR, pric: 30, fee_ocur_time: '2026-01-25 08:00:00' },
      { med_list_codg: AMBULATORY_BP, pric: 90, fee_ocur_time: '2026-01-25 11:00:00' },
    ]);
    await b.flush();
  }

  it('honours each pair window as published: 单日, 单次就诊, 同一小时', async () => {
    await claims();
    const alerts = await detectOnce(store, 'kp_duplicate_charge', JAN);
    expect(alerts.map(pick)).toEqual([
      { mdtrt_id: 'ONE-VISIT', feedetl_sn: ['ONE-VISIT-2'], amount_at_risk: 300 },
      { mdtrt_id: 'SAME-DAY', feedetl_sn: ['SAME-DAY-2'], amount_at_risk: 12 },
    ]);
    expect(alerts[1]!.measured).toEqual({
      dates: ['2026-01-05'],
      included_lines: 1,
      main_lines: ['SAME-DAY-1'],
      pairs: [
        {
          kp_id: 'duplicate_charge:service:2',
          main_code: ER_MONITOR,
          main_name: '急诊监护费',
          included_code: ER_CONSULT,
          included_name: '急诊诊查费',
          window: 'day',
          window_hours: null,
        },
      ],
    });
    expect(alerts.map((a) => a.explanation_zh)).toEqual([
      '本次就诊已收取"肛周坏死性筋膜炎清创术"，其包含的"化脓性肛周大汗腺炎切开清创引流术"又在同一次就诊中单独收费；2026-01-17 收费 1 次，金额 300.00 元',
      '本次就诊已收取"急诊监护费"，其包含的"急诊诊查费"又同日单独收费；2026-01-05 收费 1 次，金额 12.00 元',
    ]);
  });

  it("window_mode 'same_day' checks every pair on the same calendar day", async () => {
    await claims();
    const config = { detectors: { kp_duplicate_charge: { params: { window_mode: 'same_day' } } } };
    const alerts = await detectOnce(store, 'kp_duplicate_charge', { ...JAN, config });
    expect(alerts.map(pick)).toEqual([
      { mdtrt_id: 'HOURS-APART', feedetl_sn: ['HOURS-APART-2'], amount_at_risk: 90 },
      { mdtrt_id: 'SAME-DAY', feedetl_sn: ['SAME-DAY-2'], amount_at_risk: 12 },
    ]);
  });
});

describe('a stay spanning two run windows', () => {
  it('keeps one alert per visit and completes its evidence in the later run', async () => {
    const b = new BillingClaims(store).provider('H1').person('P1');
    b.visit('STAY', 'P1', 'H1', '21', '2026-01-28 09:00:00', [
      { med_list_codg: ER_MONITOR, pric: 60, fee_ocur_time: '2026-01-30 09:00:00' },
      { med_list_codg: ER_CONSULT, pric: 12, fee_ocur_time: '2026-01-30 10:00:00' },
      { med_list_codg: PERIANAL_NF, pric: 500, fee_ocur_time: '2026-01-29 10:00:00' },
      { med_list_codg: ER_MONITOR, pric: 60, fee_ocur_time: '2026-02-02 09:00:00' },
      { med_list_codg: ER_CONSULT, pric: 12, fee_ocur_time: '2026-02-02 10:00:00' },
      { med_list_codg: HIDRADENITIS, pric: 300, fee_ocur_time: '2026-02-03 10:00:00' }, // 单次就诊 pair, main item in January
    ], { endtime: '2026-02-05 09:00:00' });
    await b.flush();
    const jan = await detectOnce(store, 'kp_duplicate_charge', JAN);
    expect(jan.map(pick)).toEqual([{ mdtrt_id: 'STAY', feedetl_sn: ['STAY-2'], amount_at_risk: 12 }]);
    const feb = await detectOnce(store, 'kp_duplicate_charge', { from: '2026-02-01', to: '2026-02-28' });
    expect(feb.map(pick)).toEqual([{ mdtrt_id: 'STAY', feedetl_sn: ['STAY-2', 'STAY-5', 'STAY-6'], amount_at_risk: 324 }]);
    expect(feb[0]!.alert_id).toBe(jan[0]!.alert_id);
    // The refreshed alert carries the refreshed sentence.
    expect(feb[0]!.explanation_zh).toBe('本次就诊已收取"急诊监护费"，其包含的"急诊诊查费"又同日单独收费；已收取"肛周坏死性筋膜炎清创术"，' +
      '其包含的"化脓性肛周大汗腺炎切开清创引流术"又在同一次就诊中单独收费；2026-01-30、2026-02-02、2026-02-03 收费 3 次，金额 324.00 元');
  });
});

describe('kp_surgery_discount', () => {
  it('flags a second operation of the same group billed at full price or above the discount ratio; discounted or other-group ones are not', async () => {
    const b = new BillingClaims(store).provider('H1').person('P1').person('P2').person('P3');
    b.visit('FULL', 'P1', 'H1', '21', '2026-01-05 09:00:00', [
      { med_list_codg: OESOPH_RESECTION, pric: 3000, med_chrgitm_type: '06' },
      { med_list_codg: STRICTUREPLASTY, pric: 1200, med_chrgitm_type: '06' },
    ], { endtime: '2026-01-15 09:00:00' });
    b.visit('HALF', 'P2', 'H1', '21', '2026-01-06 09:00:00', [
      { med_list_codg: OESOPH_RESECTION, pric: 3000, med_chrgitm_type: '06' },
      { med_list_codg: STRICTUREPLASTY, pric: 600, med_chrgitm_type: '06' },
    ], { endtime: '2026-01-15 09:00:00' });
    b.visit('PARTIAL', 'P2', 'H1', '21', '2026-01-20 09:00:00', [
      { med_list_codg: OESOPH_RESECTION, pric: 3000, med_chrgitm_type: '06' },
      { med_list_codg: STRICTUREPLASTY, pric: 960, med_chrgitm_type: '06' }, // 80 % of 1200
    ], { endtime: '2026-01-28 09:00:00' });
    b.visit('TWO-GROUPS', 'P3', 'H1', '21', '2026-01-07 09:00:00', [
      { med_list_codg: OESOPH_RESECTION, pric: 3000, med_chrgitm_type: '06' },
      { med_list_codg: HEMIHEPATECTOMY, pric: 2500, med_chrgitm_type: '06' },
    ], { endtime: '2026-01-15 09:00:00' });
    await b.flush();
    const alerts = await detectOnce(store, 'kp_surgery_discount', JAN);
    expect(alerts.map(pick)).toEqual([
      { mdtrt_id: 'FULL', feedetl_sn: ['FULL-2'], amount_at_risk: 1200 },
      { mdtrt_id: 'PARTIAL', feedetl_sn: ['PARTIAL-2'], amount_at_risk: 960 },
    ]);
    expect(alerts[0]).toMatchObject({
      gz_code: 'GZ10000102002000',
      measured: { groups: ['胃肠手术组'], main_codes: [OESOPH_RESECTION], overcharge_estimate: 600 },
      threshold: { discount_ratio: 0.5 },
    });
    expect(alerts[1]!.measured).toMatchObject({ overcharge_estimate: 360 });
    expect(alerts[0]!.explanation_zh).toBe('2026-01-05 同一切口（胃肠手术组）施行"食管癌根治+结肠代食管术"及其他手术，第二及以后手术应按不超过全价的 50% 收费，' +
      '"食管胃吻合口狭窄切开成形术"按单价 1200.00 元收费（全价 1200.00 元）；多收约 600.00 元，涉及金额 1200.00 元');
  });

  it('takes the full price from med_catalog: both operations at the catalogue price below the ceiling are flagged', async () => {
    const b = new BillingClaims(store).provider('H1').person('P1').person('P2');
    b.c.row('med_catalog', { med_list_codg: STRICTUREPLASTY, name: '食管胃吻合口狭窄切开成形术', list_type: '201', pric_uplmt_amt: 1380 });
    b.visit('CAT-FULL', 'P1', 'H1', '21', '2026-01-05 09:00:00', [
      { med_list_codg: OESOPH_RESECTION, pric: 3000 },
      { med_list_codg: STRICTUREPLASTY, pric: 1200 },
    ], { endtime: '2026-01-15 09:00:00' });
    b.visit('CAT-HALF', 'P2', 'H1', '21', '2026-01-05 09:00:00', [
      { med_list_codg: OESOPH_RESECTION, pric: 3000 },
      { med_list_codg: STRICTUREPLASTY, pric: 600 },
    ], { endtime: '2026-01-15 09:00:00' });
    await b.flush();
    const alerts = await detectOnce(store, 'kp_surgery_discount', JAN);
    expect(alerts.map(pick)).toEqual([{ mdtrt_id: 'CAT-FULL', feedetl_sn: ['CAT-FULL-2'], amount_at_risk: 1200 }]);
  });

  it('uses the price ceiling on the line as the full price when given', async () => {
    const b = new BillingClaims(store).provider('H1').person('P1');
    b.visit('CEIL', 'P1', 'H1', '21', '2026-01-05 09:00:00', [
      { med_list_codg: OESOPH_RESECTION, pric: 3000, pric_uplmt_amt: 3000 },
      { med_list_codg: STRICTUREPLASTY, pric: 700, pric_uplmt_amt: 1400 }, // half of the ceiling: discounted
    ], { endtime: '2026-01-15 09:00:00' });
    await b.flush();
    expect(await detectOnce(store, 'kp_surgery_discount', JAN)).toEqual([]);
  });
});

describe('an empty knowledge base', () => {
  it('runs the knowledge-point rules with nothing to check and says so loudly', async () => {
    const t = await tempStore();
    try {
      const b = new BillingClaims(t.store).provider('H1').person('MALE', { gend: '1' });
      b.visit('V1', 'MALE', 'H1', '11', '2026-01-05 09:00:00', [{ med_list_codg: '002101030300000', pric: 120 }]);
      await b.flush();
      expect(await detectOnce(t.store, 'kp_sex_limit', JAN)).toEqual([]);
      expect(lastSummary!.warnings).toContain(KB_EMPTY_WARNING);
    } finally {
      t.cleanup();
    }
  });
});
