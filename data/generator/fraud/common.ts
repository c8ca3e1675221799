import type { GenContext } from '../context.ts';
import { providersOf, reservePerson } from '../context.ts';
import type { Person } from '../population.ts';
import { REGIONS, type Provider } from '../providers.ts';
import type { Emitted, VisitSpec } from '../sink.ts';

/** Helpers shared by the planted scenarios. */

export function regionCode(ctx: GenContext, k: number): string {
  return REGIONS[k % REGIONS.length]!.admdvs;
}

export function hospital(ctx: GenContext, admdvs: string, tier: number, k = 0): Provider {
  const list = providersOf(ctx, admdvs, 'hospital', tier);
  return list[k % list.length]!;
}

export function clinic(ctx: GenContext, admdvs: string, k = 0): Provider {
  const list = providersOf(ctx, admdvs, 'clinic');
  return list[k % list.length]!;
}

export function pharmacy(ctx: GenContext, admdvs: string, k = 0): Provider {
  const list = providersOf(ctx, admdvs, 'pharmacy');
  return list[k % list.length]!;
}

/** An ordinary adult (no aid category, 25–70) reserved for a scenario, living in `admdvs`. */
export function adult(ctx: GenContext, admdvs: string, extra: (p: Person) => boolean = () => true): Person {
  return reservePerson(ctx, (p) => p.insu_admdvs === admdvs && p.age >= 25 && p.age <= 70 && p.aid_category === '' && extra(p));
}

/** A working day in [from, to) (planted cases avoid weekends so they do not feed the holiday pattern). */
export function workday(ctx: GenContext, from: number, to: number): number {
  for (let k = 0; k < 50; k++) {
    const d = ctx.rng.int(Math.max(0, from), Math.max(from, to - 1));
    if (!ctx.cal.restDay[d]) return d;
  }
  return Math.max(0, from);
}

/**
 * Reserved people who lend volume to provider patterns (spikes, weekend activity, physician volume): each is
 * used at most once a day and keeps 45 days free after a stay.
 */
export class Pool {
  private people: Person[] = [];
  private busy = new Map<number, Set<number>>();
  private cursor = 0;

  constructor(
    private ctx: GenContext,
    readonly admdvs: string,
    size: number,
  ) {
    for (let i = 0; i < size; i++) this.people.push(adult(ctx, admdvs));
  }

  /** A pool person free on days [day, day + span + gap). */
  take(day: number, span = 1, gap = 0): Person {
    for (let k = 0; k < this.people.length; k++) {
      const p = this.people[(this.cursor + k) % this.people.length]!;
      const set = this.busy.get(p.idx) ?? new Set<number>();
      let free = true;
      for (let d = day - gap; d < day + span + gap && free; d++) if (set.has(d)) free = false;
      if (!free) continue;
      for (let d = day; d < day + span; d++) set.add(d);
      this.busy.set(p.idx, set);
      this.cursor = (this.cursor + k + 1) % this.people.length;
      return p;
    }
    throw new Error(`pool of ${this.people.length} people exhausted on day ${day}`);
  }
}

/**
 * Places a same-day visit at fixed clock times: begins at `beginMin`, its fee lines follow a few minutes apart,
 * it ends and settles `minutes` after the start (planted timings must stay consistent: end ≥ begin).
 */
export function atTime(v: VisitSpec, beginMin: number, minutes: number): VisitSpec {
  v.beginMin = beginMin;
  v.lines.forEach((l, i) => {
    l.day = v.beginDay;
    l.minute = beginMin + Math.min(minutes, 3 + i);
  });
  v.endDay = v.beginDay;
  v.endMin = beginMin + minutes;
  v.setlDay = v.beginDay;
  v.setlMin = v.endMin;
  return v;
}

export async function emit(ctx: GenContext, v: VisitSpec): Promise<Emitted> {
  const e = await ctx.sink.emit(v);
  const vol = ctx.volume.get(v.provider.code);
  if (vol && v.beginDay < vol.length) vol[v.beginDay]!++;
  return e;
}

/** Death record collected for death_records.csv. */
export interface DeathRecord {
  certno: string;
  day: number;
  source: string;
}
