import type { Provider } from '../providers.ts';
import { outpatientVisit } from '../visits.ts';
import { planAdmission } from './acute.ts';
import { pharmacySale } from './dispensing.ts';
import { sexSpecificCare } from './life.ts';
import { commuterTag, payLater } from './places.ts';
import type { PersonPlan } from './plan.ts';
import { dayAt, open, providerFor } from './world.ts';

/**
 * Ordinary care at the rates of the plain background (outpatient 2.2 a year × age factor, emergency 0.25, pharmacy
 * 1.2, admissions 0.05–0.06 × age factor, 15 % of them day surgery), but each visit takes its provider first and then
 * a day by that provider's week, children go to the children's hospital for part of their hospital care, chronic
 * patients are admitted like anyone else, and a visit may carry the practices of dispensing.ts, life.ts and places.ts.
 */
interface Ctx {
  from: number;
  to: number;
  yearFrac: number;
  oldFactor: number;
  children?: Provider;
}

function context(plan: PersonPlan): Ctx | undefined {
  const { w, person } = plan;
  const from = plan.first + (person.birthDay !== undefined ? 7 : 0);
  const to = plan.last;
  if (to <= from) return undefined;
  return { from, to, yearFrac: (to - from) / 365, oldFactor: 1 + Math.max(0, person.age - 40) / 25, children: person.age < 14 ? w.children.get(person.insu_admdvs) : undefined };
}

/** Ordinary admissions (planned before the medication refills and outpatient care, which keep clear of stays). */
export function planOrdinaryStays(plan: PersonPlan): void {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  const c = context(plan);
  if (!c) return;
  for (let i = rng.poisson((person.age < 50 ? 0.05 : 0.06 * c.oldFactor) * c.yearFrac); i > 0; i--) {
    const medType = rng.chance(0.15) ? '28' : '21';
    const tier = medType === '28' ? rng.weighted([[2, 0.5], [3, 0.5]] as const) : rng.weighted([[1, 0.3], [2, 0.4], [3, 0.3]] as const);
    const probe = rng.int(c.from, c.to - 1);
    const prov = c.children && tier === 3 && rng.chance(0.7) ? c.children : providerFor(ctx, w, person, 'hospital', tier, probe, person.insu_admdvs);
    const day = dayAt(ctx, w, prov, c.from, c.to)!;
    planAdmission(plan, prov, day, medType);
  }
}

/** Ordinary outpatient, emergency and pharmacy visits on the days left free. */
export function planOrdinaryVisits(plan: PersonPlan): void {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  const c = context(plan);
  if (!c) return;
  const { from, to } = c;
  const hospital = (tier: number, day: number): Provider =>
    c.children && tier === 3 && rng.chance(0.6) ? c.children : providerFor(ctx, w, person, 'hospital', tier, day);

  for (let i = rng.poisson(2.2 * c.oldFactor * c.yearFrac); i > 0; i--) {
    const probe = rng.int(from, to - 1);
    const kind = rng.weighted<'clinic' | 1 | 2 | 3>([['clinic', 0.35], [1, 0.25], [2, 0.25], [3, 0.15]]);
    const prov = kind === 'clinic' ? providerFor(ctx, w, person, 'clinic', 0, probe) : hospital(kind, probe);
    const day = dayAt(ctx, w, prov, from, to)!;
    if (!open(prov, person, day) || !plan.dayFree(day)) continue;
    const v = outpatientVisit(ctx, person, prov, day, '11');
    if (rng.chance(0.003)) v.reversed = true;
    plan.add(v, [...sexSpecificCare(ctx, w, v), ...payLater(w, v), ...commuterTag(w, v)]);
  }
  for (let i = rng.poisson(0.25 * c.yearFrac); i > 0; i--) {
    const day = rng.int(from, to - 1);
    const prov = hospital(rng.weighted([[1, 0.3], [2, 0.4], [3, 0.3]] as const), day);
    if (!plan.dayFree(day)) continue;
    const v = outpatientVisit(ctx, person, prov, day, '13');
    plan.add(v, commuterTag(w, v));
  }
  for (let i = rng.poisson(1.2 * c.yearFrac); i > 0; i--) {
    const prov = providerFor(ctx, w, person, 'pharmacy', 0, rng.int(from, to - 1));
    const day = dayAt(ctx, w, prov, from, to)!;
    if (!open(prov, person, day) || !plan.dayFree(day)) continue;
    const v = outpatientVisit(ctx, person, prov, day, '41', rng.pick(['J06.900', 'K29.700', 'M54.500', 'A09.000']));
    plan.add(v, [...pharmacySale(ctx, w, v), ...commuterTag(w, v)]);
  }
}
