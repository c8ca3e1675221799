import type { GenContext } from '../context.ts';
import { distanceKm, REGIONS } from '../providers.ts';
import type { VisitSpec } from '../sink.ts';
import { outpatientVisit } from '../visits.ts';
import { finish, startAt, type PersonPlan, type TagSpec } from './plan.ts';
import { open, providerFor, sharedInstance, type World } from './world.ts';

/**
 * Where a person is when a settlement happens:
 * - commuters (2 % of employees aged 22–55) insured in the city where they work and living in the nearest neighbouring
 *   one (80–120 km by the 汉宜 railway or the expressway): ordinary care in both cities, and on a few workdays a
 *   pharmacy purchase near home before the train and a visit near work 65–150 minutes later;
 * - 医保移动支付: 6 % of outpatient visits at secondary and tertiary hospitals are paid in the app 20 minutes to
 *   4 hours after the visit ends, wherever the patient then is.
 */
export function chooseCommuters(ctx: GenContext, w: World): void {
  for (const p of ctx.people) {
    if (p.reserved || p.insutype !== '310' || p.age < 22 || p.age > 55 || p.deathDay >= 0 || !w.rng.chance(0.02)) continue;
    const work = REGIONS.find((r) => r.admdvs === p.insu_admdvs)!;
    const home = REGIONS.filter((r) => r !== work).sort((a, b) => distanceKm(work, a) - distanceKm(work, b))[0]!;
    w.home.set(p.idx, home.admdvs);
  }
}

/** The commuter tag of a visit in the city the person lives in (not the one they are insured in). */
export function commuterTag(w: World, v: VisitSpec): TagSpec[] {
  if (!w.home.has(v.person.idx) || v.provider.admdvs === v.person.insu_admdvs) return [];
  return [{ pattern: 'commuter', instance: sharedInstance(w, `commuter:${v.person.idx}`, 'commuter'), note_zh: '在居住地（邻市）就医，参保地为工作地' }];
}

/** Commute days: a pharmacy purchase near home at 07:00–07:45, then a visit in the work city 65–150 minutes later. */
export function planCommuteDays(plan: PersonPlan): void {
  const { ctx, w, person } = plan;
  const home = w.home.get(person.idx);
  if (!home) return;
  const rng = w.rng;
  const inst = sharedInstance(w, `commuter:${person.idx}`, 'commuter');
  for (let n = rng.int(1, 3); n > 0; n--) {
    const day = rng.int(plan.first, plan.last - 1);
    if (ctx.cal.restDay[day] || !plan.dayFree(day)) continue;
    const pharm = providerFor(ctx, w, person, 'pharmacy', 0, day, home);
    const clinic = providerFor(ctx, w, person, rng.chance(0.5) ? 'clinic' : 'hospital', rng.int(1, 3), day, person.insu_admdvs);
    if (!open(pharm, person, day) || !open(clinic, person, day)) continue;
    const a = finish(startAt(outpatientVisit(ctx, person, pharm, day, '41'), rng.int(7 * 60, 7 * 60 + 45)), rng.int(2, 6));
    const b = finish(startAt(outpatientVisit(ctx, person, clinic, day, '11'), a.setlMin + rng.int(65, 150)), rng.int(5, 20));
    plan.add(a, [{ pattern: 'commuter', instance: inst, note_zh: '上班前在居住地药店购药' }]);
    plan.add(b, [{ pattern: 'commuter', instance: inst, note_zh: `乘车到工作地后就诊（${Math.round(distanceKm(pharm, clinic))}公里，相隔约${b.beginMin - a.setlMin}分钟）` }]);
  }
}

/** Pays an outpatient visit in the app later (医保移动支付): the settlement time moves, the visit does not. */
export function payLater(w: World, v: VisitSpec): TagSpec[] {
  if ((v.medType !== '11' && v.medType !== '140104') || v.provider.kind !== 'hospital' || v.provider.tier < 2 || v.dept === '互联网医院' || !w.rng.chance(0.06)) return [];
  const late = w.rng.int(20, 240);
  v.setlMin = Math.min(23 * 60 + 50, v.endMin + late);
  return [{ pattern: 'mobile_pay_later', instance: w.tags.instance('mobile_pay_later'), note_zh: `就诊结束约${v.setlMin - v.endMin}分钟后通过医保移动支付结算` }];
}
