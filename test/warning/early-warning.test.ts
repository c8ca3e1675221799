import { afterEach, describe, expect, it } from 'vitest';
import { tempStore } from '../helpers.ts';
import { runEarlyWarning } from '../../pipeline/warning/run.ts';
import { listReferrals } from '../../pipeline/referrals/list.ts';
import { maskCertno, maskName } from '../../pipeline/access/mask.ts';
import { referralsCsv } from '../../pipeline/referrals/files.ts';
import { EARLY_WARNING_DEFAULTS } from '../../pipeline/warning/config.ts';
import { ClaimFixtures } from '../fixtures/claims.ts';
import { seedEarlyWarning, TWO_DEPARTMENTS } from './seed.ts';

describe('high-expense early warning', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  it('refers a person in the month the year-to-date out-of-pocket crosses the threshold, then per step; once only', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const { store } = t;
    await seedEarlyWarning(store);
    const s1 = await runEarlyWarning(store, { runId: 'RUN1', config: TWO_DEPARTMENTS });
    expect(s1).toEqual({
      run_id: 'RUN1',
      persons_over_threshold: 2,
      referrals_new: 4,
      referrals_by_trigger: { ytd: 3, single_stay: 1 },
      deliveries_new: 8,
      months: ['2026-01', '2026-02', '2026-03', '2026-04'],
    });
    const rows = await store.all(`SELECT month, psn_no, trigger, level, aid_category, threshold::DOUBLE AS threshold,
        ytd_total_cost::DOUBLE AS total, ytd_fund_paid::DOUBLE AS fund, ytd_critical_illness_paid::DOUBLE AS hifmi,
        ytd_assistance_paid::DOUBLE AS maf, ytd_out_of_pocket::DOUBLE AS oop, stays, main_diagnoses, mdtrt_id, stay_out_of_pocket::DOUBLE AS stay_oop
      FROM referrals ORDER BY month, psn_no, trigger`);
    expect(rows).toEqual([
      { month: '2026-01', psn_no: 'P1', trigger: 'single_stay', level: 1, aid_category: 'monitored', threshold: 6000, total: 20000, fund: 13500, hifmi: 1000, maf: 500, oop: 6500, stays: 1, main_diagnoses: ['J18.900 肺炎'], mdtrt_id: 'V1', stay_oop: 6500 },
      { month: '2026-02', psn_no: 'P1', trigger: 'ytd', level: 1, aid_category: 'subsistence', threshold: 10000, total: 30000, fund: 19000, hifmi: 1000, maf: 800, oop: 11000, stays: 2, main_diagnoses: ['J18.900 肺炎', 'C34.900 肺恶性肿瘤'], mdtrt_id: null, stay_oop: null },
      { month: '2026-03', psn_no: 'P2', trigger: 'ytd', level: 1, aid_category: 'monitored', threshold: 10000, total: 15000, fund: 3500, hifmi: 0, maf: 0, oop: 11500, stays: 0, main_diagnoses: ['I10.x00 高血压', 'E11.900 2型糖尿病'], mdtrt_id: null, stay_oop: null },
      { month: '2026-04', psn_no: 'P1', trigger: 'ytd', level: 2, aid_category: 'subsistence', threshold: 10000, total: 46000, fund: 25000, hifmi: 3000, maf: 800, oop: 21000, stays: 2, main_diagnoses: ['C34.900 肺恶性肿瘤', 'J18.900 肺炎'], mdtrt_id: null, stay_oop: null },
    ]);
    const s2 = await runEarlyWarning(store, { runId: 'RUN2', config: TWO_DEPARTMENTS });
    expect(s2).toMatchObject({ referrals_new: 0, deliveries_new: 0 });
    expect(await store.scalar('SELECT count(*)::INTEGER FROM referrals')).toBe(4);
    expect(await store.scalar('SELECT count(*)::INTEGER FROM referral_deliveries')).toBe(8);
  });

  it('lists masked lines; --unmasked adds full fields and is audited', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const { store } = t;
    await seedEarlyWarning(store);
    await runEarlyWarning(store, { runId: 'RUN1', config: TWO_DEPARTMENTS });
    const masked = await listReferrals(store, { month: '2026-03' });
    expect(masked.map((l) => [l.psn_no, l.department_id, l.department, l.delivery_status])).toEqual([
      ['P2', 'agri_rural-42', 'agri_rural', 'pending_file'],
      ['P2', 'civil_affairs-421000', 'civil_affairs', 'pending_file'],
    ]);
    expect(masked[0]).toMatchObject({ psn_name_masked: '欧***', certno_masked: '420102********1234', ytd_out_of_pocket: 11500, threshold: 10000, period: { from: '2026-01-01', to: '2026-03-31' } });
    expect(masked[0]).not.toHaveProperty('certno');
    expect(await store.scalar('SELECT count(*)::INTEGER FROM audit_log')).toBe(0);
    const full = await listReferrals(store, { month: '2026-03', unmasked: true, actor: 'auditor-1' });
    expect(full[0]).toMatchObject({ psn_name: '欧阳娜娜', certno: '420102198501011234' });
    const audit = await store.all(`SELECT actor, action, object_type, object_id, detail->>'rows' AS rows FROM audit_log`);
    expect(audit).toEqual([{ actor: 'auditor-1', action: 'referrals.list_unmasked', object_type: 'referral', object_id: '2026-03', rows: '2' }]);
    expect(maskName('张三')).toBe('张*');
    expect(maskCertno('110101199003074514')).toBe('110101********4514');
  });

  it('the single-stay trigger applies by default to 防止返贫监测对象 only; other categories by config; every output names the trigger', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const { store } = t;
    expect(EARLY_WARNING_DEFAULTS.single_stay).toEqual({
      extreme_poverty: null, subsistence: null, near_subsistence: null, monitored: 6000, poverty_alleviated: null, catastrophic_illness: null, general: null,
    });
    const fx = new ClaimFixtures(store);
    fx.provider({ fixmedins_code: 'H1', admdvs: '421000' });
    const person = (psn_no: string, certno: string, aid_category: string) => fx.person({ psn_no, psn_name: '王五', certno, insu_admdvs: '421000', aid_category });
    const stay = (id: string, psn: string, day: string, total: number, fund: number) => {
      fx.visit({ mdtrt_id: id, psn_no: psn, med_type: '21', begntime: `${day} 09:00:00`, endtime: `${day} 17:00:00`, dscg_maindiag_code: 'I63.900', dscg_maindiag_name: '脑梗死' });
      fx.settlement({ setl_id: `S${id}`, mdtrt_id: id, medfee_sumamt: total, fund_pay_sumamt: fund });
    };
    person('DB', '420102196001011111', 'subsistence'); // 低保: one stay of 7,000 out of pocket, year to date below 10,000
    stay('V-DB', 'DB', '2026-02-10', 20000, 13000);
    person('JC', '420102196001012222', 'monitored'); // 监测对象: the same stay is referred on its own
    stay('V-JC', 'JC', '2026-02-12', 20000, 13000);
    person('JN', '420102196001013333', 'monitored'); // 监测对象 at 5,500: below the 6,000 line
    stay('V-JN', 'JN', '2026-02-14', 20000, 14500);
    await fx.flush();

    expect(await runEarlyWarning(store, { runId: 'R1' })).toMatchObject({ referrals_new: 1, referrals_by_trigger: { ytd: 0, single_stay: 1 } });
    const lines = await listReferrals(store, { month: '2026-02' });
    expect(lines.map((l) => [l.psn_no, l.trigger, l.level, l.aid_category, l.threshold, l.mdtrt_id, l.stay_out_of_pocket])).toEqual([
      ['JC', 'single_stay', 1, 'monitored', 6000, 'V-JC', 7000],
    ]);
    const csv = referralsCsv(lines).split(/\r?\n/);
    const col = csv[0]!.split(',').indexOf('预警类型 (trigger)');
    expect(csv[1]!.split(',')[col]).toBe('单次住院 single stay V-JC');

    // a region whose rule covers 低保 too sets it per category
    const config = { early_warning: { single_stay: { subsistence: 6000 } } };
    expect(await runEarlyWarning(store, { runId: 'R2', config })).toMatchObject({ referrals_new: 1, referrals_by_trigger: { ytd: 0, single_stay: 1 } });
    expect((await listReferrals(store, { month: '2026-02' })).map((l) => [l.psn_no, l.trigger, l.aid_category])).toEqual([
      ['DB', 'single_stay', 'subsistence'],
      ['JC', 'single_stay', 'monitored'],
    ]);
  });
});
