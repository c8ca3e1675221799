import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce } from '../harness.ts';
import type { Store } from '../../../pipeline/store/store.ts';

let t: { store: Store; cleanup: () => void };
beforeEach(async () => {
  t = await tempStore();
});
afterEach(() => t.cleanup());

describe('impossible_travel', () => {
  it('flags the later of two same-day settlements ~1,000 km apart within an hour; far apart but hours later, or near, does not fire', async () => {
    const c = new ClaimFixtures(t.store);
    c.provider({ fixmedins_code: 'WH1', lat: 30.59, lon: 114.31 }); // 武汉
    c.provider({ fixmedins_code: 'BJ1', lat: 39.9, lon: 116.4 }); // 北京, ≈ 1,050 km
    c.provider({ fixmedins_code: 'WH2', lat: 30.52, lon: 114.35 }); // 武汉, ≈ 9 km
    c.provider({ fixmedins_code: 'HS1', lat: 30.2, lon: 115.04 }); // 黄石, ≈ 82 km
    c.person({ psn_no: 'P1' });
    c.visit({ mdtrt_id: 'V1', psn_no: 'P1', fixmedins_code: 'WH1', begntime: '2026-01-06 09:00:00' });
    c.settlement({ setl_id: 'S1', mdtrt_id: 'V1', setl_time: '2026-01-06 09:10:00' });
    c.fee({ feedetl_sn: 'F1', mdtrt_id: 'V1', setl_id: 'S1', cnt: 1, pric: 15 });
    c.visit({ mdtrt_id: 'V2', psn_no: 'P1', fixmedins_code: 'BJ1', begntime: '2026-01-06 09:30:00' });
    c.settlement({ setl_id: 'S2', mdtrt_id: 'V2', setl_time: '2026-01-06 09:55:00' });
    c.fee({ feedetl_sn: 'F2a', mdtrt_id: 'V2', setl_id: 'S2', cnt: 2, pric: 110.4 });
    c.fee({ feedetl_sn: 'F2b', mdtrt_id: 'V2', setl_id: 'S2', cnt: 1, pric: 9.3 });
    // Near miss P2: Wuhan in the morning, Beijing 6 hours later (a high-speed train takes ~4.5 h).
    c.person({ psn_no: 'P2' });
    c.visit({ mdtrt_id: 'V3', psn_no: 'P2', fixmedins_code: 'WH1', begntime: '2026-01-06 07:00:00' });
    c.settlement({ setl_id: 'S3', mdtrt_id: 'V3', setl_time: '2026-01-06 07:10:00' });
    c.fee({ feedetl_sn: 'F3', mdtrt_id: 'V3', setl_id: 'S3', cnt: 1, pric: 15 });
    c.visit({ mdtrt_id: 'V4', psn_no: 'P2', fixmedins_code: 'BJ1', begntime: '2026-01-06 13:00:00' });
    c.settlement({ setl_id: 'S4', mdtrt_id: 'V4', setl_time: '2026-01-06 13:10:00' });
    c.fee({ feedetl_sn: 'F4', mdtrt_id: 'V4', setl_id: 'S4', cnt: 1, pric: 15 });
    // Near miss P3: two Wuhan providers (~9 km) 30 minutes apart.
    c.person({ psn_no: 'P3' });
    c.visit({ mdtrt_id: 'V5', psn_no: 'P3', fixmedins_code: 'WH1', begntime: '2026-01-06 09:00:00' });
    c.settlement({ setl_id: 'S5', mdtrt_id: 'V5', setl_time: '2026-01-06 09:10:00' });
    c.fee({ feedetl_sn: 'F5', mdtrt_id: 'V5', setl_id: 'S5', cnt: 1, pric: 15 });
    c.visit({ mdtrt_id: 'V6', psn_no: 'P3', fixmedins_code: 'WH2', begntime: '2026-01-06 09:30:00' });
    c.settlement({ setl_id: 'S6', mdtrt_id: 'V6', setl_time: '2026-01-06 09:40:00' });
    c.fee({ feedetl_sn: 'F6', mdtrt_id: 'V6', setl_id: 'S6', cnt: 1, pric: 15 });
    // P4: Wuhan, then Huangshi (~82 km) 40 minutes later: fires.
    c.person({ psn_no: 'P4' });
    c.visit({ mdtrt_id: 'V7', psn_no: 'P4', fixmedins_code: 'WH1', begntime: '2026-01-08 14:00:00' });
    c.settlement({ setl_id: 'S7', mdtrt_id: 'V7', setl_time: '2026-01-08 14:05:00' });
    c.fee({ feedetl_sn: 'F7', mdtrt_id: 'V7', setl_id: 'S7', cnt: 1, pric: 15 });
    c.visit({ mdtrt_id: 'V8', psn_no: 'P4', fixmedins_code: 'HS1', begntime: '2026-01-08 14:35:00' });
    c.settlement({ setl_id: 'S8', mdtrt_id: 'V8', setl_time: '2026-01-08 14:45:00' });
    c.fee({ feedetl_sn: 'F8', mdtrt_id: 'V8', setl_id: 'S8', cnt: 1, pric: 66.6 });
    await c.flush();

    const alerts = await detectOnce(t.store, 'impossible_travel', { from: '2026-01-01', to: '2026-01-31' });
    expect(alerts.map((a) => [a.psn_no, a.mdtrt_id, a.setl_id, a.fixmedins_code, a.feedetl_sn, a.amount_at_risk])).toEqual([
      ['P1', 'V2', 'S2', 'BJ1', ['F2a', 'F2b'], 230.1],
      ['P4', 'V8', 'S8', 'HS1', ['F8'], 66.6],
    ]);
    const m = alerts[0].measured as { distance_km: number; gap_hours: number; earlier_mdtrt_id: string };
    expect(m.distance_km).toBeGreaterThan(1000);
    expect(m.distance_km).toBeLessThan(1100);
    expect(m).toMatchObject({ gap_hours: 0.75, earlier_mdtrt_id: 'V1' });
  });
});

describe('card_stacking', () => {
  const SEMA = 'XA10BJS123A001010100000';
  it('flags a physician billing semaglutide for 5 persons within 2 minutes; 4 persons, or 5 spread over 10 minutes, do not fire', async () => {
    const c = new ClaimFixtures(t.store);
    c.provider({ fixmedins_code: 'H1' });
    const drug = (sn: string, visit: string, time: string, dr: string) =>
      c.fee({ feedetl_sn: sn, mdtrt_id: visit, setl_id: `S${visit}`, list_type: '101', med_chrgitm_type: '09',
        med_list_codg: SEMA, hilist_name: '司美格鲁肽注射液', fee_ocur_time: time, bilg_dr_codg: dr, cnt: 1, pric: 239.5 });
    const times = ['10:00:05', '10:00:30', '10:00:55', '10:01:20', '10:01:50'];
    for (let i = 0; i < 5; i++) {
      // Physician D1: five persons within 105 seconds.
      c.person({ psn_no: `PA${i}` });
      c.visit({ mdtrt_id: `A${i}`, psn_no: `PA${i}`, begntime: `2026-01-07 ${times[i]}` });
      c.settlement({ setl_id: `SA${i}`, mdtrt_id: `A${i}` });
      drug(`FA${i}`, `A${i}`, `2026-01-07 ${times[i]}`, 'D1');
      // Physician D2: five persons two and a half minutes apart each.
      c.person({ psn_no: `PB${i}` });
      c.visit({ mdtrt_id: `B${i}`, psn_no: `PB${i}`, begntime: `2026-01-07 09:0${i * 2}:00` });
      c.settlement({ setl_id: `SB${i}`, mdtrt_id: `B${i}` });
      drug(`FB${i}`, `B${i}`, `2026-01-07 09:${String(i * 2 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`, 'D2');
    }
    // Physician D3: four persons in one minute.
    for (let i = 0; i < 4; i++) {
      c.person({ psn_no: `PC${i}` });
      c.visit({ mdtrt_id: `C${i}`, psn_no: `PC${i}`, begntime: '2026-01-07 11:00:00' });
      c.settlement({ setl_id: `SC${i}`, mdtrt_id: `C${i}` });
      drug(`FC${i}`, `C${i}`, `2026-01-07 11:00:${String(i * 10).padStart(2, '0')}`, 'D3');
    }
    await c.flush();

    const alerts = await detectOnce(t.store, 'card_stacking', { from: '2026-01-01', to: '2026-01-31' });
    expect(alerts.map((a) => [a.subject_type, a.fixmedins_code, a.bilg_dr_codg, a.psn_no, a.feedetl_sn, a.amount_at_risk])).toEqual([
      ['physician', 'H1', 'D1', null, ['FA0', 'FA1', 'FA2', 'FA3', 'FA4'], 1197.5],
    ]);
    expect(alerts[0].measured).toMatchObject({ med_list_codg: SEMA, max_persons_in_window: 5, persons: 5 });
    expect(alerts[0].threshold).toEqual({ min_persons: 5, window_minutes: 2 });
  });
});
