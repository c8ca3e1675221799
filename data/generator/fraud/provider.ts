import type { GenContext } from '../context.ts';
import type { Provider } from '../providers.ts';
import { inpatientStay, outpatientVisit } from '../visits.ts';
import { adult, emit, hospital, Pool, regionCode, workday } from './common.ts';

/** Provider patterns: volume spike, weekend/holiday activity, Benford failures, co-admitted groups. */
const F = 'provider_pattern';

function clinicsAll(ctx: GenContext): Provider[] {
  return ctx.providers.filter((p) => p.kind === 'clinic' && !p.added);
}

/** Benford: chosen clinics bill made-up round amounts; call before the background. */
export function benfordProfiles(ctx: GenContext): string[] {
  const clinics = clinicsAll(ctx);
  const n = Math.min(ctx.casesPerDetector, Math.floor(clinics.length / 6));
  const chosen = Array.from({ length: n }, (_, i) => clinics[(i * 6) % clinics.length]!.code);
  for (const c of chosen) ctx.profiles.set(c, { mccShare: 0.2, topTierShare: 0, fabricated: true });
  return chosen;
}

function avgDaily(ctx: GenContext, code: string): number {
  const vol = ctx.volume.get(code)!;
  let sum = 0;
  let n = 0;
  for (let d = 0; d < vol.length; d++) if (!ctx.cal.restDay[d]) {
    sum += vol[d]!;
    n++;
  }
  return n ? sum / n : 0;
}

/** Outpatient visits on workdays, spread evenly, until the provider has `target` visits in the window. */
async function topUpVisits(ctx: GenContext, prov: Provider, target: number): Promise<void> {
  const vol = ctx.volume.get(prov.code)!;
  const have = vol.reduce((a, b) => a + b, 0);
  const workdays = [...Array(ctx.cal.days).keys()].filter((d) => !ctx.cal.restDay[d]);
  if (have >= target || workdays.length === 0) return;
  const pool = new Pool(ctx, prov.admdvs, Math.max(20, Math.ceil(((target - have) / workdays.length) * 3)));
  for (let i = 0; i < target - have; i++) {
    const d = workdays[Math.floor((i * workdays.length) / (target - have))]!;
    await emit(ctx, outpatientVisit(ctx, pool.take(d), prov, d, '11'));
  }
}

export async function plantProviderPatterns(ctx: GenContext, benford: string[]): Promise<void> {
  const { truth, cal } = ctx;
  const D = cal.days;
  const clinics = clinicsAll(ctx).filter((c) => !benford.includes(c.code));
  const n = Math.min(ctx.casesPerDetector, Math.floor(clinics.length / 4));
  // Benford needs ≥ 200 amounts a provider: top the fabricating clinics and the look-alike up to 300 settlements
  // in short windows (small clinics settle ~2 a day).
  const lookalike = clinics[clinics.length - 1]!;
  for (const code of [...benford, lookalike.code]) await topUpVisits(ctx, ctx.providers.find((p) => p.code === code)!, 300);
  for (const c of benford) truth.add('benford_amounts', F, 'provider', 'alert', '金额不符合本福特定律', { fixmedins_code: c }, '该诊所结算金额多为58、66、75、88、95等编造整数，首位数字分布严重偏离本福特定律');
  truth.add('benford_amounts', F, 'provider', 'no_alert', '正常逐项计费', { fixmedins_code: lookalike.code }, '逐项计费的诊所，金额首位数字分布近似本福特定律');
  for (let k = 0; k < n; k++) {
    // provider_volume_spike: a 14-day window at 4× the clinic's usual daily volume; look-alike +30 % for a week.
    const spike = clinics[k * 4]!;
    const mild = clinics[k * 4 + 1]!;
    const weekend = clinics[k * 4 + 2]!;
    const pool = new Pool(ctx, spike.admdvs, 60);
    for (const [prov, factor, len, expect] of [[spike, 3, 14, 'alert'], [mild, 0.3, 7, 'no_alert']] as const) {
      const base = Math.max(3, avgDaily(ctx, prov.code));
      const from = Math.max(0, Math.min(D - len, Math.floor(D * 0.6)));
      for (let d = from; d < from + len && d < D; d++) {
        if (cal.restDay[d]) continue;
        for (let i = 0; i < Math.round(base * factor); i++) await emit(ctx, outpatientVisit(ctx, pool.take(d), prov, d, '11'));
      }
      truth.add('provider_volume_spike', F, 'provider', expect, expect === 'alert' ? '就诊量骤增' : '就诊量小幅上升', { fixmedins_code: prov.code },
        `${cal.date[from]}起${len}天日均就诊量约为平时的${(1 + factor).toFixed(1)}倍`);
    }
    // weekend_holiday_activity: every rest day at 3× the clinic's weekday volume.
    const wbase = Math.max(3, avgDaily(ctx, weekend.code));
    const wpool = new Pool(ctx, weekend.admdvs, 60);
    for (let d = 0; d < D; d++) {
      if (!cal.restDay[d]) continue;
      for (let i = 0; i < Math.round(wbase * 1.5); i++) await emit(ctx, outpatientVisit(ctx, wpool.take(d), weekend, d, '11'));
    }
    truth.add('weekend_holiday_activity', F, 'provider', 'alert', '节假日就诊量异常', { fixmedins_code: weekend.code }, '周末及法定节假日就诊量高于工作日，远超同类机构');
    truth.add('weekend_holiday_activity', F, 'provider', 'no_alert', '正常周末门诊', { fixmedins_code: clinics[k * 4 + 3]!.code }, '周末少量门诊，与同类机构相当');
  }
  // co_admission_groups: 5 people admitted together 4 times at one township hospital; look-alike together once.
  for (let k = 0; k < ctx.casesPerDetector; k++) {
    const r = regionCode(ctx, k);
    const prov = hospital(ctx, r, 1, k + 3);
    const group = Array.from({ length: 5 }, () => adult(ctx, r));
    const gap = Math.max(30, Math.floor((D - 10) / 4));
    let times = 0;
    for (let day = 2; day <= D - 8 && times < 4; day += gap, times++) {
      for (const p of group) await emit(ctx, inpatientStay(ctx, p, prov, day, { dx: 'J44.100', los: 6, beginMin: 9 * 60 + group.indexOf(p) * 7 }));
    }
    if (times >= 3) truth.add('co_admission_groups', F, 'provider', 'alert', '结伙住院', { fixmedins_code: prov.code }, `同一组5人${times}次同日入住同一卫生院`);
    const other = hospital(ctx, r, 1, k + 4);
    const once = Array.from({ length: 5 }, () => adult(ctx, r));
    const day = workday(ctx, 0, D - 8);
    for (const p of once) await emit(ctx, inpatientStay(ctx, p, other, day, { dx: 'J18.900', los: 6 }));
    truth.add('co_admission_groups', F, 'provider', 'no_alert', '偶然同日入院', { fixmedins_code: other.code }, '5人同日入院仅一次（如流感季），未重复');
  }
}
