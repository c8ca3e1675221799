import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../pipeline/store/store.ts';
import { detectOnce } from '../harness.ts';
import { BillingClaims } from './fixtures.ts';
import { storeWithRealKb } from './kbStore.ts';

// Real national codes from the NHSA knowledge-point files (../shared/reference/nhsa-knowledge-points).
const HYSTEROGRAPHY = '002101030300000'; // 子宫造影, 限女 (第一批 项目)
const APALUTAMIDE = 'XL02BBA326A001010102180'; // 阿帕他胺片, 限男 (第一批 药品)
const CHILD_CROWN = '003105120040000'; // 儿童前牙树脂冠修复, 儿童
const NEWBORN_LAVAGE = '003112020060000'; // 新生儿洗胃, 新生儿
const VOCATIONAL = '003402000320000'; // 职业功能训练, 法定就业年龄 (第八批-2)
const SCAR_CREAM = 'ZH01AAB0066010100716'; // 疤痕止痒软化膏, 工伤 (第三批)
const DINOPROSTONE = 'XG02ADD082D003010179504'; // 地诺前列酮栓, 生育 (第三批)
const AIDI = 'ZC01AAA0042010105549'; // 艾迪注射液, 二级及以上 (第五批)
const DULAGLUTIDE = 'XA10BJD332B002010178403'; // 度拉糖肽注射液, 首次处方需二级及以上
const ANGONG = 'ZA07AAA0061010100166'; // 安宫牛黄丸, 限急诊或住院 (第四批)
const FISH_OIL = 'XB05BAU005B002010101415'; // ω-3鱼油脂肪乳注射液, 住院 (第四批)

let store: Store;
let cleanup: () => void;
beforeEach(async () => {
  ({ store, cleanup } = await storeWithRealKb());
});
afterEach(() => cleanup());

const JAN = { from: '2026-01-01', to: '2026-01-31' };
const pick = (a: { mdtrt_id: string | null; psn_no: string | null; feedetl_sn: string[]; amount_at_risk: number }) => ({
  mdtrt_id: a.mdtrt_id,
  psn_no: a.psn_no,
  feedetl_sn: a.feedetl_sn,
  amount_at_risk: a.amount_at_risk,
});

describe('kp_sex_limit', () => {
  it('flags items limited to the other sex; the right sex and unknown sex are not flagged', async () => {
    const b = new BillingClaims(store).provider('H1');
    b.person('MALE', { gend: '1' }).person('FEMALE', { gend: '2' }).person('UNKNOWN', { gend: '9' });
    b.visit('V-M', 'MALE', 'H1', '11', '2026-01-05 09:00:00', [
      { med_list_codg: HYSTEROGRAPHY, pric: 120 },
      { med_list_codg: '001102000010000', pric: 10 }, // unrelated line
    ]);
    b.visit('V-F', 'FEMALE', 'H1', '11', '2026-01-06 09:00:00', [
      { med_list_codg: HYSTEROGRAPHY, pric: 120 }, // near miss: right sex
      { med_list_codg: APALUTAMIDE, pric: 35.5, cnt: 2, list_type: '101' },
    ]);
    b.visit('V-U', 'UNKNOWN', 'H1', '11', '2026-01-07 09:00:00', [{ med_list_codg: HYSTEROGRAPHY, pric: 120 }]);
    await b.flush();
    const alerts = await detectOnce(store, 'kp_sex_limit', JAN);
    expect(alerts.map(pick)).toEqual([
      { mdtrt_id: 'V-F', psn_no: 'FEMALE', feedetl_sn: ['V-F-2'], amount_at_risk: 71 },
      { mdtrt_id: 'V-M', psn_no: 'MALE', feedetl_sn: ['V-M-1'], amount_at_risk: 120 },
    ]);
    expect(alerts[1]).toMatchObject({
      family: 'billing',
      subject_type: 'visit',
      gz_code: 'GZ10000301004000',
      fixmedins_code: 'H1',
      measured: { gend: '1', items: [{ med_list_codg: HYSTEROGRAPHY, item_name: '子宫造影', kp_id: 'sex_limit:service:4' }] },
      threshold: { limited_to_sex: ['2'] },
    });
    expect(alerts.map((a) => a.explanation_zh)).toEqual([
      '参保人为女性，"阿帕他胺片"限男性使用；2026-01-06 收费 1 次，金额 71.00 元',
      '参保人为男性，"子宫造影"限女性使用；2026-01-05 收费 1 次，金额 120.00 元',
    ]);
  });
});

describe('kp_child_limit', () => {
  it('uses the age on the billing day: 18 is an adult, 17 a child; newborns by days; working age', async () => {
    const b = new BillingClaims(store).provider('H1');
    b.person('AGE18', { brdy: '2008-01-05' }).person('AGE17', { brdy: '2008-01-06' });
    b.person('NB35D', { brdy: '2025-12-01' }).person('NB26D', { brdy: '2025-12-10' });
    b.person('AGE61', { brdy: '1964-06-01' }).person('AGE59', { brdy: '1966-06-01' });
    b.visit('V18', 'AGE18', 'H1', '11', '2026-01-05 09:00:00', [{ med_list_codg: CHILD_CROWN, pric: 300 }]);
    b.visit('V17', 'AGE17', 'H1', '11', '2026-01-05 09:00:00', [{ med_list_codg: CHILD_CROWN, pric: 300 }]);
    b.visit('VNB35', 'NB35D', 'H1', '21', '2026-01-05 09:00:00', [{ med_list_codg: NEWBORN_LAVAGE, pric: 40 }]);
    b.visit('VNB26', 'NB26D', 'H1', '21', '2026-01-05 09:00:00', [{ med_list_codg: NEWBORN_LAVAGE, pric: 40 }]);
    b.visit('V61', 'AGE61', 'H1', '11', '2026-01-08 09:00:00', [{ med_list_codg: VOCATIONAL, pric: 25, cnt: 2 }]);
    b.visit('V59', 'AGE59', 'H1', '11', '2026-01-08 09:00:00', [{ med_list_codg: VOCATIONAL, pric: 25, cnt: 2 }]);
    await b.flush();
    const alerts = await detectOnce(store, 'kp_child_limit', JAN);
    expect(alerts.map(pick)).toEqual([
      { mdtrt_id: 'V18', psn_no: 'AGE18', feedetl_sn: ['V18-1'], amount_at_risk: 300 },
      { mdtrt_id: 'V61', psn_no: 'AGE61', feedetl_sn: ['V61-1'], amount_at_risk: 50 },
      { mdtrt_id: 'VNB35', psn_no: 'NB35D', feedetl_sn: ['VNB35-1'], amount_at_risk: 40 },
    ]);
    expect(alerts[0]!.measured).toMatchObject({ age_years: 18, items: [{ age_group: 'child', item_name: '儿童前牙树脂冠修复' }] });
    expect(alerts[0]!.threshold).toMatchObject({ child_max_age: 18 });
    expect(alerts.map((a) => a.explanation_zh)).toEqual([
      '参保人收费时年龄 18 周岁，"儿童前牙树脂冠修复"限儿童（未满 18 周岁）使用；2026-01-05 收费 1 次，金额 300.00 元',
      '参保人收费时年龄 61 周岁，"职业功能训练"限法定就业年龄（16 至未满 60 周岁）使用；2026-01-08 收费 1 次，金额 50.00 元',
      '参保人收费时出生 35 天，"新生儿洗胃"限新生儿（出生 28 天内）使用；2026-01-05 收费 1 次，金额 40.00 元',
    ]);
  });

  it("a newborn's care billed on the mother's card after her delivery is no violation (新生儿随母结算)", async () => {
    const b = new BillingClaims(store).provider('H1');
    b.person('MUM', { gend: '2', brdy: '1995-03-01' }).person('MUM2', { gend: '2', brdy: '1994-03-01' }).person('DAD', { gend: '1', brdy: '1993-03-01' });
    // Delivery stay with the newborn's lavage on it; her follow-up stay within 28 days with a newborn code; an
    // unrelated stay of hers two months later; a man's stay; another woman's stay without any delivery.
    b.visit('VDEL', 'MUM', 'H1', '52', '2026-01-05 09:00:00', [{ med_list_codg: NEWBORN_LAVAGE, pric: 40 }], { endtime: '2026-01-08 09:00:00', dscg_maindiag_code: 'O80.001' });
    b.visit('VFOL', 'MUM', 'H1', '21', '2026-01-20 09:00:00', [{ med_list_codg: NEWBORN_LAVAGE, pric: 40 }], { endtime: '2026-01-22 09:00:00', dscg_maindiag_code: 'O86.400' });
    b.visit('VLATE', 'MUM', 'H1', '21', '2026-03-20 09:00:00', [{ med_list_codg: NEWBORN_LAVAGE, pric: 40 }], { endtime: '2026-03-22 09:00:00', dscg_maindiag_code: 'K80.100' });
    b.visit('VDAD', 'DAD', 'H1', '21', '2026-01-06 09:00:00', [{ med_list_codg: NEWBORN_LAVAGE, pric: 40 }], { endtime: '2026-01-07 09:00:00', dscg_maindiag_code: 'Z38.000' });
    b.visit('VMUM2', 'MUM2', 'H1', '21', '2026-01-06 09:00:00', [{ med_list_codg: NEWBORN_LAVAGE, pric: 40 }], { endtime: '2026-01-07 09:00:00', dscg_maindiag_code: 'K35.800' });
    await b.flush();
    const alerts = await detectOnce(store, 'kp_child_limit', { from: '2026-01-01', to: '2026-03-31' });
    expect(alerts.map(pick)).toEqual([
      { mdtrt_id: 'VDAD', psn_no: 'DAD', feedetl_sn: ['VDAD-1'], amount_at_risk: 40 },
      { mdtrt_id: 'VLATE', psn_no: 'MUM', feedetl_sn: ['VLATE-1'], amount_at_risk: 40 },
      { mdtrt_id: 'VMUM2', psn_no: 'MUM2', feedetl_sn: ['VMUM2-1'], amount_at_risk: 40 },
    ]);
  });

  it('takes the children age limit from the config', async () => {
    const b = new BillingClaims(store).provider('H1');
    b.person('AGE15', { brdy: '2010-03-01' }).person('AGE13', { brdy: '2012-03-01' });
    b.visit('V15', 'AGE15', 'H1', '11', '2026-01-05 09:00:00', [{ med_list_codg: CHILD_CROWN, pric: 300 }]);
    b.visit('V13', 'AGE13', 'H1', '11', '2026-01-05 09:00:00', [{ med_list_codg: CHILD_CROWN, pric: 300 }]);
    await b.flush();
    const config = { detectors: { kp_child_limit: { params: { child_max_age: 14 } } } };
    const alerts = await detectOnce(store, 'kp_child_limit', { ...JAN, config });
    expect(alerts.map(pick)).toEqual([{ mdtrt_id: 'V15', psn_no: 'AGE15', feedetl_sn: ['V15-1'], amount_at_risk: 300 }]);
    expect(alerts[0]!.explanation_zh).toBe('参保人收费时年龄 15 周岁，"儿童前牙树脂冠修复"限儿童（未满 14 周岁）使用；2026-01-05 收费 1 次，金额 300.00 元');
  });
});

describe('kp_insurance_type_limit', () => {
  it('flags work-injury drugs on any claim and maternity drugs outside maternity visits', async () => {
    const b = new BillingClaims(store).provider('H1').person('P1', { gend: '2', brdy: '1992-04-01' });
    b.visit('V-WI', 'P1', 'H1', '11', '2026-01-05 09:00:00', [{ med_list_codg: SCAR_CREAM, pric: 48.6, list_type: '101' }]);
    b.visit('V-MAT', 'P1', 'H1', '52', '2026-01-10 09:00:00', [{ med_list_codg: DINOPROSTONE, pric: 300, list_type: '101' }], {
      endtime: '2026-01-12 09:00:00',
    });
    b.visit('V-GEN', 'P1', 'H1', '21', '2026-01-20 09:00:00', [{ med_list_codg: DINOPROSTONE, pric: 300, list_type: '101' }], {
      endtime: '2026-01-22 09:00:00',
    });
    await b.flush();
    const alerts = await detectOnce(store, 'kp_insurance_type_limit', JAN);
    expect(alerts.map(pick)).toEqual([
      { mdtrt_id: 'V-GEN', psn_no: 'P1', feedetl_sn: ['V-GEN-1'], amount_at_risk: 300 },
      { mdtrt_id: 'V-WI', psn_no: 'P1', feedetl_sn: ['V-WI-1'], amount_at_risk: 48.6 },
    ]);
    expect(alerts[0]!.threshold).toEqual({ payable_only_under: ['maternity'] });
    expect(alerts.map((a) => a.explanation_zh)).toEqual([
      '"地诺前列酮栓"限生育保险支付（生育就医），本次普通住院（医疗类别 21）由基本医疗保险结算；2026-01-20 收费 1 次，金额 300.00 元',
      '"疤痕止痒软化膏"限工伤保险支付，本次普通门诊（医疗类别 11）由基本医疗保险结算；2026-01-05 收费 1 次，金额 48.60 元',
    ]);
  });
});

describe('kp_institution_level_limit', () => {
  it('flags drugs below the required level; a first prescription at a qualifying hospital allows later refills', async () => {
    const b = new BillingClaims(store).provider('T3', '03').provider('L2', '05').provider('L1', '08');
    b.person('P1').person('P2').person('P3');
    b.visit('V-L1', 'P1', 'L1', '11', '2026-01-05 09:00:00', [{ med_list_codg: AIDI, pric: 80, cnt: 3, list_type: '101' }]);
    b.visit('V-L2', 'P1', 'L2', '11', '2026-01-06 09:00:00', [{ med_list_codg: AIDI, pric: 80, cnt: 3, list_type: '101' }]);
    b.visit('V-FIRST', 'P2', 'T3', '11', '2025-12-20 09:00:00', [{ med_list_codg: DULAGLUTIDE, pric: 200, list_type: '101' }]);
    b.visit('V-REFILL', 'P2', 'L1', '11', '2026-01-15 09:00:00', [{ med_list_codg: DULAGLUTIDE, pric: 200, list_type: '101' }]);
    b.visit('V-NOFIRST', 'P3', 'L1', '11', '2026-01-15 09:00:00', [{ med_list_codg: DULAGLUTIDE, pric: 200, list_type: '101' }]);
    await b.flush();
    const alerts = await detectOnce(store, 'kp_institution_level_limit', JAN);
    expect(alerts.map(pick)).toEqual([
      { mdtrt_id: 'V-L1', psn_no: 'P1', feedetl_sn: ['V-L1-1'], amount_at_risk: 240 },
      { mdtrt_id: 'V-NOFIRST', psn_no: 'P3', feedetl_sn: ['V-NOFIRST-1'], amount_at_risk: 200 },
    ]);
    expect(alerts[0]).toMatchObject({ fixmedins_code: 'L1', measured: { hosp_lv: '08', level_tier: 1 }, threshold: { min_level_tier: 2 } });
    expect(alerts.map((a) => a.explanation_zh)).toEqual([
      '"艾迪注射液"限二级及以上医疗机构使用，本机构为一级（医院等级代码 08）；2026-01-05 收费 1 次，金额 240.00 元',
      '"度拉糖肽注射液"首次处方须由二级及以上医疗机构开具，此前 365 天内未在达标机构开具，本机构为一级（医院等级代码 08）；2026-01-15 收费 1 次，金额 200.00 元',
    ]);
  });
});

describe('kp_care_setting_limit', () => {
  it('flags inpatient-only drugs outside a stay; 限急诊或住院 drugs are fine at the emergency department', async () => {
    const b = new BillingClaims(store).provider('H1').person('P1');
    b.visit('V-OUT', 'P1', 'H1', '11', '2026-01-05 09:00:00', [
      { med_list_codg: FISH_OIL, pric: 150, list_type: '101' },
      { med_list_codg: ANGONG, pric: 400, list_type: '101' },
    ]);
    b.visit('V-ER', 'P1', 'H1', '13', '2026-01-06 22:00:00', [
      { med_list_codg: ANGONG, pric: 400, list_type: '101' },
      { med_list_codg: FISH_OIL, pric: 150, list_type: '101' },
    ]);
    b.visit('V-IN', 'P1', 'H1', '21', '2026-01-10 09:00:00', [{ med_list_codg: FISH_OIL, pric: 150, list_type: '101' }], {
      endtime: '2026-01-15 09:00:00',
    });
    await b.flush();
    const alerts = await detectOnce(store, 'kp_care_setting_limit', JAN);
    expect(alerts.map(pick)).toEqual([
      { mdtrt_id: 'V-ER', psn_no: 'P1', feedetl_sn: ['V-ER-2'], amount_at_risk: 150 },
      { mdtrt_id: 'V-OUT', psn_no: 'P1', feedetl_sn: ['V-OUT-1', 'V-OUT-2'], amount_at_risk: 550 },
    ]);
    expect(alerts.map((a) => a.explanation_zh)).toEqual([
      '"ω-3鱼油脂肪乳注射液"限住院患者使用，本次为急诊（医疗类别 13）；2026-01-06 收费 1 次，金额 150.00 元',
      '"ω-3鱼油脂肪乳注射液"限住院患者使用，"安宫牛黄丸"限急诊或住院患者使用，本次为普通门诊（医疗类别 11）；2026-01-05 收费 2 次，金额 550.00 元', // by code: XB… < ZA…
    ]);
  });
});
