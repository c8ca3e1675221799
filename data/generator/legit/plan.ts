import type { GenContext } from '../context.ts';
import type { Person } from '../population.ts';
import { SINGLE_STAY_AID, type Emitted, type VisitSpec } from '../sink.ts';
import { drugPrice } from '../visits.ts';
import type { PatternId } from './tags.ts';
import type { World } from './world.ts';

/** A pattern's claim on a planned visit: written to background.jsonl once the visit is emitted. */
export interface TagSpec {
  pattern: PatternId;
  instance: string;
  note_zh: string;
  /** The physician the pattern concerns (default: the visit's first drug line's, else its attending physician). */
  dr?: string;
}

export interface Planned {
  v: VisitSpec;
  tags: TagSpec[];
  seq: number;
}

const inpatient = (v: VisitSpec) => v.medType === '21' || v.medType === '28';

/**
 * One person's care for the window, planned first and written afterwards in time order (money splits and the
 * early-warning crossings depend on the order). Keeps the person's days: stays never overlap, ordinary visits take
 * a free day, and only a pattern that says so (a transfer, an emergency before admission, an online consultation)
 * shares a day or touches a stay.
 */
export class PersonPlan {
  readonly items: Planned[] = [];
  private stays: { b: number; e: number }[] = [];
  private busy = new Set<number>();
  /** Days of light (online) visits: free for ordinary visits, not for a stay elsewhere. */
  private light = new Set<number>();
  private seq = 0;

  constructor(
    readonly ctx: GenContext,
    readonly w: World,
    readonly person: Person,
    /** First day care may happen (birth day of a newborn, else 0). */
    readonly first: number,
    /** First day no care happens (death day or the window end). */
    readonly last: number,
  ) {}

  inWindow(day: number): boolean {
    return day >= this.first && day < this.last;
  }

  inStay(day: number, margin = 0): boolean {
    return this.stays.some((s) => day >= s.b - margin && day <= s.e + margin);
  }

  /** The stay holding `day`, if any. */
  stayAt(day: number): { b: number; e: number } | undefined {
    return this.stays.find((s) => day >= s.b && day <= s.e);
  }

  dayFree(day: number): boolean {
    return this.inWindow(day) && !this.busy.has(day) && !this.inStay(day);
  }

  /** No stay or visit on days [b, e], and no stay within `gap` days around them. */
  spanFree(b: number, e: number, gap = 0): boolean {
    if (b < this.first || e >= this.last) return false;
    for (let d = b; d <= e; d++) if (this.busy.has(d) || this.light.has(d)) return false;
    return !this.stays.some((s) => b <= s.e + gap && s.b - gap <= e);
  }

  /** Adds a visit or stay; `light` visits (online) leave the day free for ordinary care. */
  add(v: VisitSpec, tags: TagSpec[] = [], opt: { light?: boolean } = {}): Planned {
    for (const l of v.lines) if (l.price === undefined && l.item.kind === 'drug') l.price = drugPrice(v.provider, l.item);
    if (inpatient(v)) this.stays.push({ b: v.beginDay, e: v.endDay });
    else (opt.light ? this.light : this.busy).add(v.beginDay);
    const p: Planned = { v, tags, seq: this.seq++ };
    this.items.push(p);
    return p;
  }

  /** Writes the planned visits in time order; returns how many were written. */
  async emit(onEmitted: (p: Planned, e: Emitted) => void): Promise<number> {
    const { ctx, person } = this;
    this.items.sort((a, b) => a.v.beginDay * 1440 + a.v.beginMin - (b.v.beginDay * 1440 + b.v.beginMin) || a.seq - b.seq);
    let n = 0;
    for (const p of this.items) {
      const v = p.v;
      if (v.setlDay >= ctx.cal.days || v.endDay >= ctx.cal.days) continue;
      // Low-income persons are referred for one stay above 6,000 yuan out of pocket; the truth lists only the planted ones.
      if (person.aid_category && inpatient(v)) {
        const { before, after } = ctx.sink.oopAfter(v);
        if (after - before >= SINGLE_STAY_AID - 50_000) continue;
      }
      const e = await ctx.sink.emit(v);
      onEmitted(p, e);
      n++;
    }
    return n;
  }
}

/** A visit with no lines yet, at fixed times; `finish` sets its end and settlement from its lines. */
export function bareVisit(
  person: Person, prov: VisitSpec['provider'], medType: VisitSpec['medType'], day: number, beginMin: number, dx: string, dept: string, dr: VisitSpec['chfpdr'],
): VisitSpec {
  return { person, provider: prov, medType, beginDay: day, beginMin, endDay: day, endMin: beginMin, dx, dept, chfpdr: dr, lines: [], setlDay: day, setlMin: beginMin };
}

/** Ends a same-day visit `extra` minutes after its last line and settles it then. */
export function finish(v: VisitSpec, extra: number): VisitSpec {
  const last = v.lines.reduce((m, l) => Math.max(m, l.day === v.beginDay ? l.minute : m), v.beginMin);
  v.endDay = v.beginDay;
  v.endMin = last + extra;
  v.setlDay = v.beginDay;
  v.setlMin = v.endMin;
  return v;
}

/** Moves a same-day visit (its lines, end and settlement) to start at `beginMin`. */
export function startAt(v: VisitSpec, beginMin: number, second = 0): VisitSpec {
  const delta = beginMin - v.beginMin;
  v.beginMin = beginMin;
  for (const l of v.lines) if (l.day === v.beginDay) l.minute += delta;
  v.endMin += delta;
  v.setlMin += delta;
  v.setlSec = second;
  return v;
}
