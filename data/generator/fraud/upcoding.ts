import { item } from '../catalog.ts';
import type { GenContext } from '../context.ts';
import { providersOf } from '../context.ts';
import { inpatientStay, outpatientVisit } from '../visits.ts';
import { adult, emit, Pool, regionCode, workday } from './common.ts';

/** 高套/串换: provider profiles set before the background is written, plus extra stays for volume. */
const F = 'upcoding';

/** Chooses the planted providers and sets their profiles; call before writing the background. */
export function upcodingProfiles(ctx: GenContext): { mcc: string[]; mccOk: string; top: string[]; topOk: string; cost: string[]; costOk: string } {
  const tier1 = ctx.providers.filter((p) => p.kind === 'hospital' && p.tier === 1 && !p.added);
  const n = Math.min(ctx.casesPerDetector, Math.floor(tier1.length / 5));
  const pick = (offset: number, count: number) => Array.from({ length: count }, (_, i) => tier1[(offset + i * 5) % tier1.length]!.code);
  const mcc = pick(0, n);
  const top = pick(1, n);
  const cost = pick(2, n);
  const mccOk = tier1[3]!.code;
  const topOk = tier1[4]!.code;
  const costOk = tier1[tier1.length - 1 === 3 ? 0 : tier1.length - 1]!.code;
  for (const p of tier1) ctx.profiles.set(p.code, { mccShare: 0.15 + ctx.rng.float() * 0.1, topTierShare: 0.01 });
  for (const c of mcc) ctx.profiles.get(c)!.mccShare = 0.58;
  ctx.profiles.get(mccOk)!.mccShare = 0.3;
  for (const c of top) ctx.profiles.get(c)!.topTierShare = 0.4;
  ctx.profiles.get(topOk)!.topTierShare = 0.03;
  for (const c of cost) ctx.profiles.get(c)!.costFactor = { dx: 'J18.900', factor: 4 };
  ctx.profiles.get(costOk)!.costFactor = { dx: 'J18.900', factor: 1.1 };
  return { mcc, mccOk, top, topOk, cost, costOk };
}

export async function plantUpcoding(ctx: GenContext, chosen: ReturnType<typeof upcodingProfiles>): Promise<void> {
  const { truth, cal } = ctx;
  const D = cal.days;
  const byCode = new Map(ctx.providers.map((p) => [p.code, p]));
  // Volume so the shares are measurable even in small cities: stays (MCC/CC, J18 cost) and consults (tiers) at every township hospital.
  for (const prov of ctx.providers.filter((p) => p.kind === 'hospital' && p.tier === 1 && !p.added)) {
    // 30 stays, so that even a 60-day city gives every township hospital the 30 stays mcc_cc_share needs.
    const pool = new Pool(ctx, prov.admdvs, 40);
    for (let i = 0; i < 30; i++) {
      const day = workday(ctx, 0, D - 8);
      await emit(ctx, inpatientStay(ctx, pool.take(day, 8, 50), prov, day, { dx: i % 2 ? 'J18.900' : undefined, los: 5 }));
    }
    for (let i = 0; i < 40; i++) {
      const day = workday(ctx, 0, D);
      await emit(ctx, outpatientVisit(ctx, pool.take(day), prov, day, '11'));
    }
  }
  for (const c of chosen.mcc) truth.add('mcc_cc_share', F, 'provider', 'alert', 'MCC/CC占比异常', { fixmedins_code: c }, `${byCode.get(c)!.name}住院病例伴MCC/CC次要诊断占比约58%，同级机构约15–25%`);
  truth.add('mcc_cc_share', F, 'provider', 'no_alert', 'MCC/CC占比略高', { fixmedins_code: chosen.mccOk }, '伴MCC/CC占比约30%，略高于同级但在正常范围');
  for (const c of chosen.top) truth.add('top_tier_item_share', F, 'provider', 'alert', '高价档诊查费占比异常', { fixmedins_code: c }, '普通门诊诊查费（知名专家档）占比约40%，同级机构约1%');
  truth.add('top_tier_item_share', F, 'provider', 'no_alert', '高价档占比略高', { fixmedins_code: chosen.topOk }, '知名专家档占比约3%');
  for (const c of chosen.cost) truth.add('cost_per_stay_peer', F, 'provider', 'alert', '单病种次均费用畸高', { fixmedins_code: c }, '肺炎(J18.900)住院每日虚记一次性雾化器30个，次均费用约为同级2倍以上');
  truth.add('cost_per_stay_peer', F, 'provider', 'no_alert', '次均费用略高', { fixmedins_code: chosen.costOk }, '肺炎住院每日多记1个雾化器，次均费用约为同级1.15倍（未达1.3倍）');

  // price_over_ceiling: a CT billed above its ceiling; look-alike exactly at the ceiling.
  const ct = item(ctx.cat, 'CT平扫(一个部位)');
  for (let k = 0; k < ctx.casesPerDetector; k++) {
    const r = regionCode(ctx, k);
    const prov = providersOf(ctx, r, 'hospital', 2)[k % 2]!;
    for (const [price, expect] of [[ct.ceiling! + 5000, 'alert'], [ct.ceiling!, 'no_alert']] as const) {
      const day = workday(ctx, 0, D);
      const v = outpatientVisit(ctx, adult(ctx, r), prov, day, '11', 'M54.500');
      v.lines.push({ item: ct, cnt: 1, price, day, minute: v.beginMin + 8, dr: v.chfpdr });
      const e = await emit(ctx, v);
      truth.add('price_over_ceiling', F, 'visit', expect, expect === 'alert' ? '超限价收费' : '按限价收费', { mdtrt_id: e.mdtrt_id }, `CT平扫单价${(price / 100).toFixed(2)}元，限价${(ct.ceiling! / 100).toFixed(2)}元`);
    }
  }
}
