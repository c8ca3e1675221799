import type { GenContext } from './context.ts';
import type { Provider } from './providers.ts';
import { oopThreshold, SINGLE_STAY_AID, type VisitSpec } from './sink.ts';
import { inpatientStay, outpatientVisit } from './visits.ts';

/**
 * Ordinary care for every unreserved person, written person by person in time order. Each person has at
 * most one visit a day and nothing else while in hospital, no re-admission within 45 days, refills never
 * ahead of the supply, prescriptions within 7 / 3 / 84 days, and year-to-date out-of-pocket kept well below
 * the early-warning threshold (and a low-income person's single stay below its 6,000 yuan trigger), so rule detectors stay quiet on background data.
 */

function dayWeight(ctx: GenContext, day: number): number {
  if (ctx.cal.holiday[day]) return 0.3;
  const wd = ctx.cal.weekday[day]!;
  if (ctx.cal.restDay[day]) return wd === 6 ? 0.45 : 0.35;
  return wd === 1 ? 1.15 : wd === 5 ? 0.95 : 1.0;
}

/** A random day in [from, to) accepted by weekly/holiday weight. */
function seasonalDay(ctx: GenContext, from: number, to: number): number {
  for (let k = 0; k < 20; k++) {
    const d = ctx.rng.int(from, to - 1);
    if (ctx.rng.float() * 1.15 < dayWeight(ctx, d)) return d;
  }
  return ctx.rng.int(from, to - 1);
}

interface Homes {
  byKind: Map<string, Provider[]>;
}

function regionProviders(ctx: GenContext): Map<string, Homes> {
  const m = new Map<string, Homes>();
  for (const p of ctx.providers) {
    const h = m.get(p.admdvs) ?? { byKind: new Map() };
    const key = `${p.kind}:${p.tier}`;
    h.byKind.set(key, [...(h.byKind.get(key) ?? []), p]);
    m.set(p.admdvs, h);
  }
  return m;
}

export async function writeBackground(ctx: GenContext, onProgress: (done: number) => void): Promise<void> {
  const { rng, cal } = ctx;
  const regions = regionProviders(ctx);
  const days = cal.days;
  const yearFrac = days / 365;
  for (const person of ctx.people) {
    if (person.idx % 2000 === 0) onProgress(person.idx);
    if (person.reserved) continue;
    const h = regions.get(person.insu_admdvs)!;
    const pick = (kind: string, tier: number) => {
      const list = h.byKind.get(`${kind}:${tier}`)!;
      // Catchment: each person mostly uses the providers near home (stable by person index).
      return rng.chance(0.7) ? list[person.idx % list.length]! : rng.pick(list);
    };
    const lastDay = person.deathDay >= 0 ? Math.min(days, person.deathDay) : days;
    const events: { day: number; kind: string }[] = [];
    const oldFactor = 1 + Math.max(0, person.age - 40) / 25;
    const nOut = rng.poisson(2.2 * oldFactor * yearFrac);
    for (let i = 0; i < nOut; i++) events.push({ day: seasonalDay(ctx, 0, days), kind: '11' });
    for (let i = rng.poisson(0.25 * yearFrac); i > 0; i--) events.push({ day: rng.int(0, days - 1), kind: '13' });
    for (let i = rng.poisson(1.2 * yearFrac); i > 0; i--) events.push({ day: seasonalDay(ctx, 0, days), kind: '41' });
    for (let i = rng.poisson((person.age < 50 ? 0.05 : 0.06 * oldFactor) * yearFrac); i > 0; i--) events.push({ day: seasonalDay(ctx, 0, days), kind: rng.chance(0.15) ? '28' : '21' });
    if (person.chronic) {
      for (let d = rng.int(0, 27); d < days; d += rng.int(30, 36)) events.push({ day: d, kind: '140104' });
    }
    events.sort((a, b) => a.day - b.day || a.kind.localeCompare(b.kind));
    let busyUntil = -1;
    let lastAdmission = -1000;
    let chronicDx: string | undefined;
    for (const ev of events) {
      if (ev.day <= busyUntil || ev.day >= lastDay) continue;
      let v: VisitSpec;
      if (ev.kind === '21' || ev.kind === '28') {
        if (person.chronic || ev.day - lastAdmission < 45) continue;
        // Day surgery (cataract, cholecystectomy) is done at county and city hospitals, not township ones.
        const tier = ev.kind === '28' ? rng.weighted([[2, 0.5], [3, 0.5]] as const) : rng.weighted([[1, 0.3], [2, 0.4], [3, 0.3]] as const);
        v = inpatientStay(ctx, person, pick('hospital', tier), ev.day, { medType: ev.kind });
        if (v.endDay >= lastDay || v.endDay >= days) continue;
        lastAdmission = v.endDay;
      } else if (ev.kind === '41') {
        v = outpatientVisit(ctx, person, pick('pharmacy', 0), ev.day, '41', rng.pick(['J06.900', 'K29.700', 'M54.500', 'A09.000']));
      } else {
        const prov = ev.kind === '140104' ? pick('hospital', rng.chance(0.5) ? 1 : 3) : rng.weighted([
          [pick('clinic', 0), 0.35], [pick('hospital', 1), 0.25], [pick('hospital', 2), 0.25], [pick('hospital', 3), 0.15],
        ] as const);
        if (ev.kind === '140104') chronicDx ??= rng.pick(['I10.x00', 'E11.900', 'I25.103', 'E78.500', 'E03.900', 'J44.100']);
        v = outpatientVisit(ctx, person, prov, ev.day, ev.kind as '11' | '13' | '140104', ev.kind === '140104' ? chronicDx : undefined);
      }
      const { before, after } = ctx.sink.oopAfter(v);
      if (after >= oopThreshold(person) - 200_000) continue;
      // Low-income persons are also referred for one stay above 6,000 yuan out of pocket: only planted cases do that.
      if (person.aid_category && (v.medType === '21' || v.medType === '28') && after - before >= SINGLE_STAY_AID - 50_000) continue;
      if (v.medType === '11' && rng.chance(0.003)) v.reversed = true;
      busyUntil = v.endDay;
      await ctx.sink.emit(v);
      const vol = ctx.volume.get(v.provider.code);
      if (vol && ev.day < vol.length) vol[ev.day]!++;
    }
  }
}
