import type { Calendar } from './calendar.ts';
import type { Catalog } from './catalog.ts';
import { makePerson, type Person } from './population.ts';
import type { Provider } from './providers.ts';
import type { Rng } from './rng.ts';
import type { ClaimSink } from './sink.ts';
import type { Truth } from './truth.ts';

/** Statistical patterns applied to a provider's background visits. */
export interface ProviderProfile {
  /** Share of stays with an MCC/CC secondary diagnosis. */
  mccShare: number;
  /** Share of outpatient consults billed at the top-priced tier. */
  topTierShare: number;
  /** Cost padding for stays with this principal diagnosis: 10 × (factor − 1) consumables a day (visits.ts). */
  costFactor?: { dx: string; factor: number };
  /** Amounts made up (first digits 5–9) instead of itemised prices. */
  fabricated?: boolean;
}

export interface GenContext {
  rng: Rng;
  cal: Calendar;
  cat: Catalog;
  people: Person[];
  providers: Provider[];
  profiles: Map<string, ProviderProfile>;
  sink: ClaimSink;
  truth: Truth;
  /** Planted cases per detector (scaled with the population, at least 3). */
  casesPerDetector: number;
  /** Background visits per provider per day (filled while the background is written). */
  volume: Map<string, Uint32Array>;
  /** Deaths for death_records.csv (day index). */
  deaths: { certno: string; day: number; source: string }[];
}

/** The region's providers of a kind (and tier) that planted scenarios may use: not those the legitimate background added. */
export function providersOf(ctx: GenContext, admdvs: string, kind: Provider['kind'], tier?: number): Provider[] {
  return ctx.providers.filter((p) => !p.added && p.admdvs === admdvs && p.kind === kind && (tier === undefined || p.tier === tier));
}

/**
 * A new insured person matching `pred`, added to the population for a planted scenario (so the
 * background, written before, never touches them).
 */
export function reservePerson(ctx: GenContext, pred: (p: Person) => boolean): Person {
  for (let k = 0; k < 100000; k++) {
    const p = makePerson(ctx.rng, ctx.people.length, ctx.cal.date[0]!);
    if (pred(p)) {
      p.reserved = true;
      p.chronic = false;
      ctx.people.push(p);
      return p;
    }
  }
  throw new Error('no generated person matches the planted scenario');
}
