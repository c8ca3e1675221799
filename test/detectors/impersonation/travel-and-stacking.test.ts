import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce } from '../harness.ts';
import { explainOf } from '../prescription/explainOf.ts';
import type { Store } from '../../../pipeline/store/store.ts';

let t: { store: Store; cleanup: () => void };
beforeEach(async () => {
  t = await tempStore();
});
afterEach(() => t.cleanup());

describe('impossible_travel', () => {
  /**
   * One outpatient visit begun at `begin` (HH:MM) lasting `minutes`, settled when it ends unless `paid` (HH:MM, e.g.
   * later in the app), with one fee line of `pric` yuan.
   */
  function visit(c: ClaimFixtures, id: string, psn: string, provider: string, day: string, begin: string, minutes: number, o: { pric?: number; paid?: string; dept?: string; nextDay?: boolean } = {}): void {
    const [h, m] = begin.split(':').map(Number) as [number, number];
    const endAt = new Date(Date.UTC(2026, 0, 1, h, m + minutes));
    const endDay = endAt.getUTCDate() > 1 ? new Date(Date.parse(`${day}T00:00:00Z`) + 86400000).toISOString().slice(0, 10) : day;
    const end = `${endDay} ${endAt.toISOString().slice(11, 16)}:00`;
    c.visit({ mdtrt_id: id, psn_no: psn, fixmedins_code: provider, begntime: `${day} ${begin}:00`, endtime: end, ...(o.dept ? { dept_name: o.dept } : {}) });
    c.settlement({ setl_id: `S${id}`, mdtrt_id: id, setl_time: o.paid ? `${day} ${o.paid}:00` : end });
    c.fee({ feedetl_sn: `F${id}`, mdtrt_id: id, setl_id: `S${id}`, cnt: 1, pric: o.pric ?? 15 });
  }

  async function claims(): Promise<void> {
    const c = new ClaimFixtures(t.store);
    c.provider({ fixmedins_code: 'WH1', fixmedins_name: '武汉市中心医院', lat: 30.59, lon: 114.31 });
    c.provider({ fixmedins_code: 'BJ1', fixmedins_name: '北京协和医院', lat: 39.9, lon: 116.4 }); // ≈ 1052 km
    c.provider({ fixmedins_code: 'WH2', lat: 30.52, lon: 114.35 }); // 武汉, ≈ 9 km
    c.provider({ fixmedins_code: 'HS1', lat: 30.2, lon: 115.04 }); // 黄石, ≈ 83 km
    c.provider({ fixmedins_code: 'JZ1', fixmedins_type: 'pharmacy', lat: 30.33, lon: 112.24 }); // 荆州
    c.provider({ fixmedins_code: 'JM1', fixmedins_type: 'clinic', lat: 31.04, lon: 112.2 }); // 荆门, ≈ 79 km
    c.provider({ fixmedins_code: 'XT1', fixmedins_type: 'clinic', lat: 30.36, lon: 113.45 }); // 仙桃, ≈ 116 km from 荆州
    c.provider({ fixmedins_code: 'NET', fixmedins_name: '北京某某互联网医院', lat: 39.91, lon: 116.45 });
    for (let i = 1; i <= 11; i++) c.person({ psn_no: `P${i}` });
    // P1: leaves Wuhan at 09:10, registers in Beijing at 09:45: fires
    visit(c, 'V1', 'P1', 'WH1', '2026-01-06', '09:00', 10);
    visit(c, 'V2', 'P1', 'BJ1', '2026-01-06', '09:45', 10, { pric: 110.4 });
    c.fee({ feedetl_sn: 'FV2b', mdtrt_id: 'V2', setl_id: 'SV2', cnt: 1, pric: 119.7 });
    // P2 (near miss): Wuhan in the morning, Beijing 6 hours later — a high-speed train or a flight makes it
    visit(c, 'V3', 'P2', 'WH1', '2026-01-06', '07:00', 10);
    visit(c, 'V4', 'P2', 'BJ1', '2026-01-06', '13:00', 10);
    // P3 (near miss): two Wuhan providers (~9 km) 20 minutes apart: a same-city hop never counts
    visit(c, 'V5', 'P3', 'WH1', '2026-01-06', '09:00', 10);
    visit(c, 'V6', 'P3', 'WH2', '2026-01-06', '09:30', 10);
    // P4: Wuhan, then Huangshi (~83 km) 30 minutes later: fires
    visit(c, 'V7', 'P4', 'WH1', '2026-01-08', '13:55', 10);
    visit(c, 'V8', 'P4', 'HS1', '2026-01-08', '14:35', 10, { pric: 66.6 });
    // P5: Wuhan at 08:30, Beijing at 10:35 the same morning: 2 h 5 min is less than even a flight needs (the old
    // rule, settlements at most 1 hour apart, missed it)
    visit(c, 'V9', 'P5', 'WH1', '2026-01-12', '08:20', 10);
    visit(c, 'V10', 'P5', 'BJ1', '2026-01-12', '10:35', 10, { pric: 48 });
    // P6 (near miss): commuters — a pharmacy near home in Jingzhou at 07:36, a clinic near work in Jingmen (~79 km)
    // 65 minutes later, the pharmacy at home again in the evening; P11 commutes Jingzhou–Xiantao (~116 km) by the
    // 汉宜 railway, 70 minutes door to door
    visit(c, 'V11', 'P6', 'JZ1', '2026-01-13', '07:36', 4);
    visit(c, 'V12', 'P6', 'JM1', '2026-01-13', '08:45', 10);
    visit(c, 'V13', 'P6', 'JZ1', '2026-01-13', '18:30', 5);
    visit(c, 'V21', 'P11', 'JZ1', '2026-01-13', '07:10', 5);
    visit(c, 'V22', 'P11', 'XT1', '2026-01-13', '08:25', 15);
    // P7 (near miss): a local hospital, then an internet-hospital consultation and an online clinic of a Beijing
    // hospital (department 互联网门诊) 20 and 40 minutes later: online care does not place the person
    visit(c, 'V14', 'P7', 'WH1', '2026-01-14', '09:50', 10);
    visit(c, 'V15', 'P7', 'NET', '2026-01-14', '10:20', 5);
    visit(c, 'V16', 'P7', 'BJ1', '2026-01-14', '10:40', 5, { dept: '互联网门诊' });
    // P8: Wuhan until 23:50, Beijing at 00:20 the next day: consecutive visits across midnight fire
    visit(c, 'V17', 'P8', 'WH1', '2026-01-15', '23:40', 10);
    visit(c, 'V18', 'P8', 'BJ1', '2026-01-16', '00:20', 10, { pric: 30 });
    // P9: the planted shape — two cities ~79 km apart, visits of 20 minutes at 09:00 and 09:50: fires
    visit(c, 'V19', 'P9', 'JZ1', '2026-01-20', '09:00', 20);
    visit(c, 'V20', 'P9', 'JM1', '2026-01-20', '09:50', 20, { pric: 20.5 });
    // P10 (near miss): 医保移动支付 — a Wuhan visit 08:00–08:20 paid in the app at 11:00, after a Huangshi visit at
    // 10:30 (settled 10:40): the settlements are 20 minutes apart, the trip took 2 h 10 min
    visit(c, 'V23', 'P10', 'WH1', '2026-01-21', '08:00', 20, { paid: '11:00' });
    visit(c, 'V24', 'P10', 'HS1', '2026-01-21', '10:30', 10);
    await c.flush();
  }

  it('flags consecutive visits faster than door-to-door travel allows; trains, flights, commuters, app payments, same-city hops and online care do not fire', async () => {
    await claims();
    const alerts = await detectOnce(t.store, 'impossible_travel', { from: '2026-01-01', to: '2026-01-31' });
    expect(alerts.map((a) => [a.psn_no, a.mdtrt_id, a.setl_id, a.fixmedins_code, a.feedetl_sn, a.amount_at_risk])).toEqual([
      ['P1', 'V2', 'SV2', 'BJ1', ['FV2', 'FV2b'], 230.1],
      ['P4', 'V8', 'SV8', 'HS1', ['FV8'], 66.6],
      ['P5', 'V10', 'SV10', 'BJ1', ['FV10'], 48],
      ['P8', 'V18', 'SV18', 'BJ1', ['FV18'], 30],
      ['P9', 'V20', 'SV20', 'JM1', ['FV20'], 20.5],
    ]);
    expect(alerts.map((a) => [a.mdtrt_id, a.measured.gap_minutes, a.measured.speed_kmh, a.measured.min_travel_minutes])).toEqual([
      ['V2', 35, 1804, 216],
      ['V8', 30, 165, 41],
      ['V10', 125, 505, 216],
      ['V18', 30, 2105, 216],
      ['V20', 30, 158, 40],
    ]);
    expect(alerts[0]!.measured).toMatchObject({ distance_km: 1052.4, earlier_mdtrt_id: 'V1', earlier_fixmedins_code: 'WH1' });
    expect(alerts[0]!.threshold).toEqual({ min_distance_km: 50, max_speed_kmh: 120, long_distance_overhead_minutes: 90, long_distance_speed_kmh: 500 });
    expect(alerts[0]!.detector_version).toBe(2);
    expect(await explainOf(t.store, alerts[0]!)).toBe(
      '同一参保人 2026-01-06 09:10 离开 武汉市中心医院 后，35 分钟后（09:45）即在相距 1052.4 公里的 北京协和医院 就诊，' +
        '折合时速 1804 公里，而门到门至少需 216 分钟；本次金额 230.10 元',
    );
  });

  it('parameters: a road speed of 170 km/h clears the 80 km hops in 30 minutes; no online markers places the internet hospital', async () => {
    await claims();
    const fast = { detectors: { impossible_travel: { params: { max_speed_kmh: 170 } } } };
    const a = await detectOnce(t.store, 'impossible_travel', { from: '2026-01-01', to: '2026-01-31', config: fast });
    expect(a.filter((x) => x.params_hash === a.find((y) => y.mdtrt_id === 'V2')!.params_hash).map((x) => x.mdtrt_id).sort()).toEqual(['V10', 'V18', 'V2']);
    const none = { detectors: { impossible_travel: { params: { online_markers: '' } } } };
    const b = await detectOnce(t.store, 'impossible_travel', { from: '2026-01-01', to: '2026-01-31', config: none });
    expect(b.filter((x) => x.psn_no === 'P7').map((x) => x.mdtrt_id)).toEqual(['V15']);
  });
});

describe('card_stacking', () => {
  const SEMA = 'XA10BJS123A001010100000';
  const HEPARIN = 'XB01ABA001A001010100000';
  const IBU = 'XM01AEB094A001010101445';

  async function claims(): Promise<void> {
    const c = new ClaimFixtures(t.store);
    c.provider({ fixmedins_code: 'H1' });
    c.provider({ fixmedins_code: 'PH1', fixmedins_type: 'pharmacy' });
    /** A visit begun at `begin` with one drug line billed at `fee` (the fee time; defaults to the begin). */
    const visit = (id: string, psn: string, begin: string, dr: string, drug: string, name: string, pric: number, opt: { fee?: string; provider?: string } = {}) => {
      c.person({ psn_no: psn });
      c.visit({ mdtrt_id: id, psn_no: psn, fixmedins_code: opt.provider ?? 'H1', begntime: begin });
      c.settlement({ setl_id: `S${id}`, mdtrt_id: id });
      c.fee({ feedetl_sn: `F${id}`, mdtrt_id: id, setl_id: `S${id}`, list_type: '101', med_chrgitm_type: '09',
        med_list_codg: drug, hilist_name: name, fee_ocur_time: opt.fee ?? begin, bilg_dr_codg: dr, cnt: 1, pric });
    };
    const times = ['10:00:05', '10:00:30', '10:00:55', '10:01:20', '10:01:50'];
    for (let i = 0; i < 5; i++) {
      // D1: five persons within 105 seconds: fires
      visit(`A${i}`, `PA${i}`, `2026-01-07 ${times[i]}`, 'D1', SEMA, '司美格鲁肽注射液', 239.5);
      // D2: five persons two and a half minutes apart each
      visit(`B${i}`, `PB${i}`, `2026-01-07 09:${String(i * 2 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`, 'D2', SEMA, '司美格鲁肽注射液', 239.5);
    }
    // D3: four persons in one minute
    for (let i = 0; i < 4; i++) visit(`C${i}`, `PC${i}`, `2026-01-07 11:00:${String(i * 10).padStart(2, '0')}`, 'D3', SEMA, '司美格鲁肽注射液', 239.5);
    // D4: a centre posts the morning shift's charges at once (every line at 12:00:00); the patients came 08:00–10:30
    for (let i = 0; i < 6; i++) visit(`G${i}`, `PG${i}`, `2026-01-07 ${String(8 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}:00`, 'D4', IBU, '布洛芬缓释胶囊', 14.2, { fee: '2026-01-07 12:00:00' });
    // D5: a dialysis shift — six regular patients registered within two minutes, heparin for each; each came on
    // 01-03 and 01-05 as well
    for (let i = 0; i < 6; i++) {
      for (const [k, day] of [['a', '2026-01-03'], ['b', '2026-01-05']] as const) {
        c.visit({ mdtrt_id: `R${i}${k}`, psn_no: `PR${i}`, fixmedins_code: 'H1', med_type: '140201', begntime: `${day} 07:30:00`, dscg_maindiag_code: 'N18.500' });
      }
      visit(`R${i}`, `PR${i}`, `2026-01-07 07:3${Math.floor((i * 15) / 60)}:${String((i * 15) % 60).padStart(2, '0')}`, 'D5', HEPARIN, '肝素钠注射液', 18);
    }
    // D8: a day-surgery list — six cataract patients admitted at 07:30 within two minutes, the same eye drops for each
    for (let i = 0; i < 6; i++) {
      c.person({ psn_no: `PY${i}` });
      c.visit({ mdtrt_id: `Y${i}`, psn_no: `PY${i}`, fixmedins_code: 'H1', med_type: '28', begntime: `2026-01-07 07:30:${String(i * 9).padStart(2, '0')}`, endtime: '2026-01-07 16:00:00' });
      c.settlement({ setl_id: `SY${i}`, mdtrt_id: `Y${i}` });
      c.fee({ feedetl_sn: `FY${i}`, mdtrt_id: `Y${i}`, setl_id: `SY${i}`, list_type: '101', med_chrgitm_type: '09',
        med_list_codg: 'XS01AEL001A001010100000', hilist_name: '左氧氟沙星滴眼液', fee_ocur_time: '2026-01-07 07:40:00', bilg_dr_codg: 'D8', cnt: 1, pric: 21 });
    }
    // D6: a pharmacy's morning queue — seven new customers within two minutes at one cashier code (below 10)
    for (let i = 0; i < 7; i++) visit(`Q${i}`, `PQ${i}`, `2026-01-08 08:0${Math.floor((i * 15) / 60)}:${String((i * 15) % 60).padStart(2, '0')}`, 'D6', IBU, '布洛芬缓释胶囊', 14.2, { provider: 'PH1' });
    // D7: ten new cards swiped at a pharmacy within 100 seconds for semaglutide: fires
    for (let i = 0; i < 10; i++) {
      const at = `15:${30 + Math.floor((i * 10) / 60)}:${String((i * 10) % 60).padStart(2, '0')}`;
      visit(`K${i}`, `PK${i}`, `2026-01-09 ${at}`, 'D7', SEMA, '司美格鲁肽注射液', 479, { provider: 'PH1' });
    }
    await c.flush();
  }

  it('flags a physician billing semaglutide for 5 new persons within 2 minutes; batch-posted charges, a shift of regular patients and a pharmacy queue do not fire', async () => {
    await claims();
    const alerts = await detectOnce(t.store, 'card_stacking', { from: '2026-01-01', to: '2026-01-31' });
    expect(alerts.map((a) => [a.subject_type, a.fixmedins_code, a.bilg_dr_codg, a.psn_no, a.feedetl_sn.length, a.amount_at_risk])).toEqual([
      ['physician', 'H1', 'D1', null, 5, 1197.5],
      ['physician', 'PH1', 'D7', null, 10, 4790],
    ]);
    expect(alerts[0]!.feedetl_sn).toEqual(['FA0', 'FA1', 'FA2', 'FA3', 'FA4']);
    expect(alerts[0]!.measured).toMatchObject({ med_list_codg: SEMA, max_persons_in_window: 5, persons: 5 });
    expect(alerts[0]!.threshold).toEqual({ min_persons: 5, window_minutes: 2, known_patient_days: 90 });
    expect(alerts[1]!.threshold).toMatchObject({ min_persons: 10 });
    expect(await explainOf(t.store, alerts[0]!)).toBe(
      '医师 D1（H1）2026-01-07 10:00:05 至 10:01:50 为 5 名此前未在该机构就诊的参保人开具"司美格鲁肽注射液"，2 分钟内最多 5 人，达到 5 人的阈值；共 5 项，金额 1197.50 元',
    );
  });

  it('parameters: counting regular patients too flags the dialysis shift', async () => {
    await claims();
    const config = { detectors: { card_stacking: { params: { known_patient_days: 0 } } } };
    const alerts = await detectOnce(t.store, 'card_stacking', { from: '2026-01-01', to: '2026-01-31', config });
    expect(alerts.filter((a) => a.threshold.known_patient_days === 0).map((a) => a.bilg_dr_codg)).toEqual(['D1', 'D5', 'D7']);
  });
});
