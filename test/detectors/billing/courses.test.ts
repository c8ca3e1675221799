import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../pipeline/store/store.ts';
import { detectOnce } from '../harness.ts';
import { BillingClaims, days } from './fixtures.ts';
import { storeWithRealKb } from './kbStore.ts';

const OZAGREL = 'XB01AXA223B004010180963'; // 奥扎格雷氨丁三醇注射用浓溶液, 支付不超过14天 (第六批)
const BUTYLPHTHALIDE = 'XN07XXD130E002010102774'; // 丁苯酞软胶囊, 20天 (第六批)
const WEIGHT_SUPPORT = '003402000210000'; // 减重支持系统训练, 支付不超过30天 (第八批-3)
const HAND_TRAINING = '003402000250000'; // 手功能训练, 一个疾病过程支付不超过90天 (第八批-3)
const HAND_ASSESS = '003402000050000'; // 手功能评定, 总时间不超过90天 (第八批-3); 14天1次 (第八批-4)
const HBA1C = '002503020030000'; // 糖化血红蛋白测定, 15天内1次 (第八批-4)
const WARD_ROUND = '001102000050000'; // 住院诊查费, 1/日 (第八批-1)
const ECG_MONITOR = '003107010220000'; // 心电监测, 24小时/日 (第八批-1)

let store: Store;
let cleanup: () => void;
beforeEach(async () => {
  ({ store, cleanup } = await storeWithRealKb());
});
afterEach(() => cleanup());

const pick = (a: { mdtrt_id: string | null; psn_no: string | null; feedetl_sn: string[]; amount_at_risk: number }) => ({
  mdtrt_id: a.mdtrt_id,
  psn_no: a.psn_no,
  feedetl_sn: a.feedetl_sn,
  amount_at_risk: a.amount_at_risk,
});

describe('kp_payment_course_limit', () => {
  it('flags the days of use beyond the course; 14 days, or two short courses, are not flagged', async () => {
    const b = new BillingClaims(store).provider('H1').person('P16').person('P14').person('P2C').person('PRX');
    const stay = (id: string, psn: string, dates: string[]) =>
      b.visit(id, psn, 'H1', '21', dates[0]!, dates.map((t) => ({ med_list_codg: OZAGREL, pric: 45, cnt: 2, fee_ocur_time: t })), {
        endtime: dates[dates.length - 1]!,
      });
    stay('V16', 'P16', days('2026-03-01', 16));
    stay('V14', 'P14', days('2026-03-01', 14));
    stay('V2C-A', 'P2C', days('2026-01-10', 10));
    stay('V2C-B', 'P2C', days('2026-03-01', 10)); // 41 days after the first course ended: a new course
    // outpatient supply: 28 days of a drug paid for at most 20
    b.visit('VRX', 'PRX', 'H1', '11', '2026-03-02 09:00:00', [{ med_list_codg: BUTYLPHTHALIDE, pric: 6.5, cnt: 84, prd_days: 28, list_type: '101' }]);
    await b.flush();
    const alerts = await detectOnce(store, 'kp_payment_course_limit', { from: '2026-03-01', to: '2026-03-31' });
    expect(alerts.map(pick)).toEqual([
      { mdtrt_id: null, psn_no: 'P16', feedetl_sn: ['V16-15', 'V16-16'], amount_at_risk: 180 },
      { mdtrt_id: null, psn_no: 'PRX', feedetl_sn: ['VRX-1'], amount_at_risk: 546 },
    ]);
    expect(alerts[0]).toMatchObject({
      subject_type: 'person',
      measured: { days_used: 16, course_start: '2026-03-01', item_name: '奥扎格雷氨丁三醇注射用浓溶液' },
      threshold: { max_days: 14 },
    });
    expect(alerts[1]!.measured).toMatchObject({ days_used: 28 });
    expect(alerts.map((a) => a.explanation_zh)).toEqual([
      '"奥扎格雷氨丁三醇注射用浓溶液"限支付 14 天，本疗程自 2026-03-01 起已用药 16 天；超出部分（第 15 天起）2 条明细，金额 180.00 元',
      '"丁苯酞软胶囊"限支付 20 天，本疗程自 2026-03-02 起已用药 28 天；超出部分（第 21 天起）1 条明细，金额 546.00 元',
    ]);
  });

  it('counts a course across the run window: history before the window is read (lookback)', async () => {
    const b = new BillingClaims(store).provider('H1').person('P1');
    const dates = days('2026-02-20', 20);
    b.visit('V1', 'P1', 'H1', '21', dates[0]!, dates.map((t) => ({ med_list_codg: OZAGREL, pric: 10, fee_ocur_time: t })), { endtime: dates[19]! });
    await b.flush();
    const alerts = await detectOnce(store, 'kp_payment_course_limit', { from: '2026-03-01', to: '2026-03-31' });
    expect(alerts.map(pick)).toEqual([
      { mdtrt_id: null, psn_no: 'P1', feedetl_sn: ['V1-15', 'V1-16', 'V1-17', 'V1-18', 'V1-19', 'V1-20'], amount_at_risk: 60 },
    ]);
  });
});

describe('kp_course_length', () => {
  it('counts the calendar span of a course (支付不超过30天, 一个疾病过程支付不超过90天, 总时间不超过90天)', async () => {
    const b = new BillingClaims(store).provider('H1').person('D31').person('D30').person('W100').person('W84').person('SPAN');
    const course = (id: string, psn: string, code: string, dates: string[]) =>
      b.visit(id, psn, 'H1', '11', dates[0]!, dates.map((t) => ({ med_list_codg: code, pric: 30, fee_ocur_time: t })));
    course('V31', 'D31', WEIGHT_SUPPORT, days('2026-01-05', 31)); // daily for 31 days: day 31 is over
    course('V30', 'D30', WEIGHT_SUPPORT, days('2026-01-05', 30));
    course('VW100', 'W100', HAND_TRAINING, days('2026-01-05', 15, 7)); // weekly, day 0 … day 98
    course('VW84', 'W84', HAND_TRAINING, days('2026-01-05', 13, 7)); // weekly, day 0 … day 84
    course('VSPAN', 'SPAN', HAND_ASSESS, days('2026-01-05', 8, 14)); // every 14 days, day 0 … day 98
    await b.flush();
    const alerts = await detectOnce(store, 'kp_course_length', { from: '2026-01-01', to: '2026-06-30' });
    expect(alerts.map(pick)).toEqual([
      { mdtrt_id: null, psn_no: 'D31', feedetl_sn: ['V31-31'], amount_at_risk: 30 },
      { mdtrt_id: null, psn_no: 'SPAN', feedetl_sn: ['VSPAN-8'], amount_at_risk: 30 },
      { mdtrt_id: null, psn_no: 'W100', feedetl_sn: ['VW100-14', 'VW100-15'], amount_at_risk: 60 },
    ]);
    expect(alerts[1]).toMatchObject({
      measured: { span_days: 99, billed_days: 8, item_name: '手功能评定', course_start: '2026-01-05' },
      threshold: { max_days: 90, course_measure: 'span' },
    });
    expect(alerts[1]!.explanation_zh).toBe('"手功能评定"限支付疗程 90 天，本疗程自 2026-01-05 起已持续 99 天（收费 8 天）；超出部分 1 条明细，金额 30.00 元');
  });

  it('a gap longer than course_gap_days starts a new course', async () => {
    const b = new BillingClaims(store).provider('H1').person('P1');
    const dates = [...days('2026-01-05', 20), ...days('2026-03-01', 20)]; // 20 + 20 days, 35 days apart
    b.visit('V1', 'P1', 'H1', '11', dates[0]!, dates.map((t) => ({ med_list_codg: WEIGHT_SUPPORT, pric: 30, fee_ocur_time: t })));
    await b.flush();
    expect(await detectOnce(store, 'kp_course_length', { from: '2026-01-01', to: '2026-06-30' })).toEqual([]);
    const config = { detectors: { kp_course_length: { params: { course_gap_days: 60 } } } };
    const alerts = await detectOnce(store, 'kp_course_length', { from: '2026-01-01', to: '2026-06-30', config });
    expect(alerts.map(pick)).toEqual([
      { mdtrt_id: null, psn_no: 'P1', feedetl_sn: dates.slice(20).map((_, i) => `V1-${21 + i}`).sort(), amount_at_risk: 600 },
    ]);
  });
});

describe('kp_period_frequency', () => {
  it('flags a second HbA1c within 15 days, not one 15 days later; counts across visits and providers', async () => {
    const b = new BillingClaims(store).provider('H1').provider('H2').person('P14').person('P15');
    b.visit('A1', 'P14', 'H1', '11', '2026-01-01 09:00:00', [{ med_list_codg: HBA1C, pric: 60 }]);
    b.visit('A2', 'P14', 'H2', '11', '2026-01-15 09:00:00', [{ med_list_codg: HBA1C, pric: 65 }]);
    b.visit('B1', 'P15', 'H1', '11', '2026-01-01 09:00:00', [{ med_list_codg: HBA1C, pric: 60 }]);
    b.visit('B2', 'P15', 'H1', '11', '2026-01-16 09:00:00', [{ med_list_codg: HBA1C, pric: 60 }]);
    await b.flush();
    const alerts = await detectOnce(store, 'kp_period_frequency', { from: '2026-01-01', to: '2026-01-31' });
    expect(alerts.map(pick)).toEqual([{ mdtrt_id: null, psn_no: 'P14', feedetl_sn: ['A2-1'], amount_at_risk: 65 }]);
    expect(alerts[0]).toMatchObject({
      measured: { count_in_period: 2, dates: ['2026-01-01', '2026-01-15'], item_name: '糖化血红蛋白测定' },
      threshold: { period_days: 15, period_max: 1 },
    });
    expect(alerts[0]!.explanation_zh).toBe('"糖化血红蛋白测定"限 15 天内 1 次，15 天内收费 2 次（2026-01-01、2026-01-15）；超出部分金额 65.00 元');
  });
});

describe('kp_daily_frequency', () => {
  it('flags the lines past the daily limit (1/日 and 24 小时/日), not the same items on separate days', async () => {
    const b = new BillingClaims(store).provider('H1').person('P1').person('P2');
    b.visit('V1', 'P1', 'H1', '21', '2026-01-05 09:00:00', [
      { med_list_codg: WARD_ROUND, pric: 20, fee_ocur_time: '2026-01-05 09:00:00' },
      { med_list_codg: WARD_ROUND, pric: 20, fee_ocur_time: '2026-01-05 15:00:00' },
      { med_list_codg: ECG_MONITOR, pric: 4, cnt: 20, fee_ocur_time: '2026-01-05 08:00:00' },
      { med_list_codg: ECG_MONITOR, pric: 4, cnt: 6, fee_ocur_time: '2026-01-05 20:00:00' },
    ], { endtime: '2026-01-08 09:00:00' });
    b.visit('V2', 'P2', 'H1', '21', '2026-01-05 09:00:00', [
      { med_list_codg: WARD_ROUND, pric: 20, fee_ocur_time: '2026-01-05 09:00:00' },
      { med_list_codg: WARD_ROUND, pric: 20, fee_ocur_time: '2026-01-06 09:00:00' },
      { med_list_codg: ECG_MONITOR, pric: 4, cnt: 24, fee_ocur_time: '2026-01-05 08:00:00' },
    ], { endtime: '2026-01-08 09:00:00' });
    await b.flush();
    const alerts = await detectOnce(store, 'kp_daily_frequency', { from: '2026-01-01', to: '2026-01-31' });
    expect(alerts.map(pick)).toEqual([{ mdtrt_id: 'V1', psn_no: 'P1', feedetl_sn: ['V1-2', 'V1-4'], amount_at_risk: 44 }]);
    expect(alerts[0]!.explanation_zh).toBe('"住院诊查费"限每日 1 次，2026-01-05 收费 2 次；"心电监测"限每日 24 小时，2026-01-05 计费 26 小时；超出部分 2 条明细，金额 44.00 元');
  });
});
