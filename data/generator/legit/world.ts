import type { GenContext } from '../context.ts';
import type { Person } from '../population.ts';
import { distanceKm, REGIONS, type Provider } from '../providers.ts';
import type { Rng } from '../rng.ts';
import type { BackgroundTags } from './tags.ts';

/**
 * What the legitimate background knows about providers and shared state across persons: the region's provider
 * lists (with the added ones), each provider's week (hospitals open seven days, pharmacies busier at weekends),
 * the practices of particular providers (dialysis centres, dual-channel pharmacies, pharmacies with a monthly
 * 医保日, wards dispensing unit doses from boxed codes), and the boxes shared between customers (拆零, refunds).
 */
export interface World {
  rng: Rng;
  tags: BackgroundTags;
  lists: Map<string, Map<string, Provider[]>>;
  week: Map<string, WeekProfile>;
  children: Map<string, Provider>;
  oncology: Map<string, Provider>;
  dialysisCentre: Map<string, Provider>;
  dualChannel: Map<string, Provider>;
  /** Pharmacies with a monthly insurance day (医保日/会员日): day of the month. */
  queueDay: Map<string, number>;
  /** Hospitals whose ward pharmacy scans one box code for every unit dose dispensed from it. */
  unitDoseWard: Set<string>;
  /** Hospitals whose wards post daily charges at fixed times (tier 2 and 3). */
  batchPosting: Set<string>;
  /** Long holidays (≥ 5 days): first day index. */
  longHolidays: number[];
  /** Their lengths in days, by first day. */
  holidayLength: Map<number, number>;
  /** Commuters: person index → the region they live in (they are insured where they work). */
  home: Map<number, string>;
  /** Open unit-dose boxes at pharmacies: `${pharmacy}|${drug}` → box. */
  openBoxes: Map<string, { trace: string; day: number; left: number; instance: string }>;
  /** Refunded boxes back on a pharmacy's shelf: `${pharmacy}|${drug}` → box. */
  returned: Map<string, { trace: string; day: number; instance: string }[]>;
  /** Next queue position per `${pharmacy}|${day}`. */
  queue: Map<string, number>;
  /** Births: mother's person index → newborn and delivery day. */
  births: Map<number, { newborn?: Person; day: number }>;
  /** Instance ids shared by several persons (a dialysis centre's shift posting). */
  shared: Map<string, string>;
}

/** The instance id of a pattern shared under `key`, made on first use. */
export function sharedInstance(w: World, key: string, pattern: Parameters<BackgroundTags['instance']>[0]): string {
  let id = w.shared.get(key);
  if (!id) {
    id = w.tags.instance(pattern);
    w.shared.set(key, id);
  }
  return id;
}

/** Relative visit weights: weekday (Mon, Tue–Thu, Fri), Saturday, Sunday, statutory holiday. */
export interface WeekProfile {
  mon: number;
  mid: number;
  fri: number;
  sat: number;
  sun: number;
  holiday: number;
}

const WEEK: Record<string, WeekProfile> = {
  tertiary: { mon: 1.15, mid: 1, fri: 0.95, sat: 0.75, sun: 0.6, holiday: 0.45 },
  secondary: { mon: 1.15, mid: 1, fri: 0.95, sat: 0.55, sun: 0.45, holiday: 0.35 },
  township: { mon: 1.15, mid: 1, fri: 0.95, sat: 0.45, sun: 0.35, holiday: 0.3 },
  sevenDay: { mon: 1.1, mid: 1, fri: 0.95, sat: 0.9, sun: 0.85, holiday: 0.6 },
  // Parents bring children at weekends and in school holidays.
  children: { mon: 1.1, mid: 0.95, fri: 1, sat: 1.15, sun: 1.1, holiday: 0.9 },
  clinic: { mon: 1.15, mid: 1, fri: 0.95, sat: 0.45, sun: 0.35, holiday: 0.3 },
  pharmacy: { mon: 1, mid: 1, fri: 1.05, sat: 1.1, sun: 1.05, holiday: 0.85 },
};

export function dayWeight(ctx: GenContext, w: World, prov: Provider, day: number): number {
  const p = w.week.get(prov.code) ?? WEEK.clinic!;
  if (ctx.cal.holiday[day]) return p.holiday;
  const wd = ctx.cal.weekday[day]!;
  if (ctx.cal.restDay[day]) return wd === 6 ? p.sat : p.sun;
  return wd === 1 ? p.mon : wd === 5 ? p.fri : p.mid;
}

/** A day in [from, to) drawn by the provider's week; undefined when the range is empty. */
export function dayAt(ctx: GenContext, w: World, prov: Provider, from: number, to: number): number | undefined {
  if (to <= from) return undefined;
  for (let k = 0; k < 20; k++) {
    const d = w.rng.int(from, to - 1);
    if (w.rng.float() * 1.2 < dayWeight(ctx, w, prov, d)) return d;
  }
  return w.rng.int(from, to - 1);
}

/** Whether the provider settles this person's visit on `day` (added providers open, pooling starts, inside the window). */
export function open(prov: Provider, person: Person, day: number): boolean {
  if (prov.openDay !== undefined && day < prov.openDay) return false;
  if (prov.poolingDay !== undefined && day < prov.poolingDay && person.insutype !== '310') return false;
  return true;
}

/**
 * The person's provider of a kind and tier on `day`: mostly the one near home (by person index), otherwise any in
 * the region; the next one on the list when the chosen one is not open to them that day. Commuters use both cities.
 */
export function providerFor(ctx: GenContext, w: World, person: Person, kind: Provider['kind'], tier: number, day: number, admdvs?: string): Provider {
  const region = admdvs ?? (w.home.has(person.idx) && w.rng.chance(0.55) ? w.home.get(person.idx)! : person.insu_admdvs);
  const list = w.lists.get(region)!.get(`${kind}:${kind === 'hospital' ? tier : 0}`)!;
  let i = w.rng.chance(0.7) ? person.idx % list.length : w.rng.int(0, list.length - 1);
  // A pharmacy newly in outpatient pooling draws residents from the others once it may settle their purchases.
  if (kind === 'pharmacy') {
    const joined = list.findIndex((p) => p.poolingDay !== undefined && day >= p.poolingDay);
    if (joined >= 0 && person.insutype !== '310' && w.rng.chance(0.3)) i = joined;
  }
  for (let k = 0; k < list.length; k++) {
    const p = list[(i + k) % list.length]!;
    if (open(p, person, day)) return p;
  }
  return list[i]!;
}

/** The region's pharmacy nearest to `prov` that settles this person's purchase on `day` (处方外配: the one across the street). */
export function pharmacyNear(w: World, prov: Provider, person: Person, day: number): Provider {
  const list = w.lists.get(prov.admdvs)!.get('pharmacy:0')!.filter((p) => open(p, person, day));
  return list.reduce((best, p) => (distanceKm(prov, p) < distanceKm(prov, best) ? p : best));
}

/** A tertiary general hospital in the region farthest from the person's (internet hospitals serve the whole province). */
export function farHospital(w: World, admdvs: string): Provider {
  const here = REGIONS.find((r) => r.admdvs === admdvs)!;
  const far = [...REGIONS].filter((r) => r.admdvs !== admdvs).sort((a, b) => distanceKm(here, b) - distanceKm(here, a))[0]!;
  return w.lists.get(far.admdvs)!.get('hospital:3')![0]!;
}

/** Builds the world: provider lists and practices (with their provider-level truth rows), holidays, commuters. */
export function buildWorld(ctx: GenContext, rng: Rng, tags: BackgroundTags): World {
  const w: World = {
    rng, tags, lists: new Map(), week: new Map(), children: new Map(), oncology: new Map(), dialysisCentre: new Map(), dualChannel: new Map(),
    queueDay: new Map(), unitDoseWard: new Set(), batchPosting: new Set(), longHolidays: [], holidayLength: new Map(), home: new Map(), openBoxes: new Map(),
    returned: new Map(), queue: new Map(), births: new Map(), shared: new Map(),
  };
  for (const p of ctx.providers) {
    if (p.added === 'children') w.children.set(p.admdvs, p);
    if (p.added === 'oncology') w.oncology.set(p.admdvs, p);
    if (p.added === 'children' || p.added === 'oncology') continue;
    const byKind = w.lists.get(p.admdvs) ?? new Map<string, Provider[]>();
    const key = `${p.kind}:${p.tier}`;
    byKind.set(key, [...(byKind.get(key) ?? []), p]);
    w.lists.set(p.admdvs, byKind);
  }
  let township = 0;
  let ward = 0;
  for (const p of ctx.providers) {
    if (p.kind === 'pharmacy') w.week.set(p.code, WEEK.pharmacy!);
    else if (p.kind === 'clinic') w.week.set(p.code, WEEK.clinic!);
    else if (p.tier >= 2) {
      w.week.set(p.code, p.added === 'children' ? WEEK.children! : p.tier === 3 ? WEEK.tertiary! : WEEK.secondary!);
      tags.provider('seven_day_hospital', p.code, `${p.name}周末及节假日照常开设门诊`);
      w.batchPosting.add(p.code);
      tags.provider('ward_batch_posting', p.code, '病区床位费、护理费每日零点自动计费，口服及静脉用药每日定时摆药记账');
      if (ward++ % 6 === 1) {
        w.unitDoseWard.add(p.code);
        tags.provider('unit_dose_ward', p.code, '住院药房拆零摆药，按盒扫码，同一追溯码随每次发药上传');
      }
      if (p.tier === 3 && !p.added) tags.provider('tertiary_case_mix', p.code, '三级医院收治危重及疑难病例，伴MCC/CC的病例占比高于下级医院');
    } else if (township++ % 5 === 2) {
      w.week.set(p.code, WEEK.sevenDay!);
      tags.provider('seven_day_hospital', p.code, `${p.name}周末不休，周六日门诊量接近工作日`);
    } else w.week.set(p.code, WEEK.township!);
    if (p.added === 'children') tags.provider('childrens_hospital', p.code, `${p.name}：儿童专科，周末就诊多，儿童专用药品和项目比例高`);
    if (p.added === 'oncology') tags.provider('oncology_hospital', p.code, `${p.name}：肿瘤专科，化疗周期住院、高值靶向及免疫治疗药品集中`);
    if (p.added === 'new_clinic') tags.provider('new_clinic', p.code, `${p.name}于${ctx.cal.date[p.openDay!]}起新纳入定点，此前无结算`);
    if (p.added === 'pooling_pharmacy') tags.provider('new_pooling_pharmacy', p.code, `${p.name}于${ctx.cal.date[p.poolingDay!]}起纳入门诊统筹，此后居民医保购药结算明显增加`);
  }
  for (const [admdvs, byKind] of w.lists) {
    const centre = byKind.get('hospital:3')![0]!;
    w.dialysisCentre.set(admdvs, centre);
    tags.provider('shift_posting', centre.code, `${centre.name}血液净化中心按班次集中记账，同一班次患者费用发生时间相同`);
    const pharmacies = byKind.get('pharmacy:0')!.filter((p) => !p.added);
    // Dual-channel pharmacies (DTP药房) stand next to the large hospitals.
    const dtp = pharmacies.reduce((best, p) => (distanceKm(centre, p) < distanceKm(centre, best) ? p : best));
    w.dualChannel.set(admdvs, dtp);
    pharmacies.forEach((p, i) => {
      if (i % 3 !== 1) return;
      const dom = [8, 18, 28][Math.floor(i / 3) % 3]!;
      w.queueDay.set(p.code, dom);
      tags.provider('pharmacy_morning_queue', p.code, `${p.name}每月${dom}日为医保日，慢病老人开门前排队，早间集中结算`);
    });
  }
  for (let d = 0; d < ctx.cal.days; d++) {
    if (!ctx.cal.holiday[d] || (d > 0 && ctx.cal.holiday[d - 1])) continue;
    let n = 0;
    while (d + n < ctx.cal.days && ctx.cal.holiday[d + n]) n++;
    if (n >= 5) {
      w.longHolidays.push(d);
      w.holidayLength.set(d, n);
    }
  }
  return w;
}
