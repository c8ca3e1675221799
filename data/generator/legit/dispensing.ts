import type { GenContext } from '../context.ts';
import type { Item } from '../catalog.ts';
import type { Provider } from '../providers.ts';
import type { FeeSpec, VisitSpec } from '../sink.ts';
import type { TagSpec } from './plan.ts';
import type { World } from './world.ts';

/**
 * How drugs leave the shelf and how charges are posted — practices that make honest data look like re-sold boxes or
 * batch swiping:
 * - 拆零 at pharmacies: one box of an antibiotic or cold medicine sold in halves to two customers, each sale carrying
 *   the box's traceability code (split sales scan the box code each time; NHSA 追溯码 rules allow repeated uploads of
 *   a split box up to its pack size);
 * - 拆零 on wards: hospitals whose ward pharmacy scans the box once per unit dose dispensed from it;
 * - refunds: a sale reversed (refd_setl_flag = 1 with its offset) and the box put back and sold again;
 * - wards posting the day's bed and nursing charges at midnight and the dispensed drugs at one time (ward_batch_posting);
 * - a pharmacy's monthly insurance day (医保日) with a queue at opening.
 */
const UNIT_DOSE_SHARE = 0.04;
const REFUND_SHARE = 0.015;
/** Vials or tablets per box of the ward drugs dispensed by unit dose. */
const BOX_UNITS: Record<string, number> = { 注射用头孢曲松钠: 10, 注射用美罗培南: 10, 人血白蛋白: 1 };

function firstDrug(v: VisitSpec): FeeSpec | undefined {
  return v.lines.find((l) => l.item.kind === 'drug');
}

/**
 * An ordinary pharmacy purchase: a half box from an open split box (or opening one), a refunded sale, or a sale of a
 * box refunded earlier at the same pharmacy. Returns the tags to record.
 */
export function pharmacySale(ctx: GenContext, w: World, v: VisitSpec): TagSpec[] {
  const line = firstDrug(v);
  if (!line) return [];
  const key = `${v.provider.code}|${line.item.code}`;
  const back = w.returned.get(key)?.find((b) => b.day < v.beginDay);
  if (back) {
    w.returned.set(key, w.returned.get(key)!.filter((b) => b !== back));
    line.cnt = 1;
    line.trace = [back.trace];
    return [{ pattern: 'refund_resale', instance: back.instance, note_zh: `${ctx.cal.date[back.day]}退费冲销的同一盒${line.item.name}再次售出` }];
  }
  const box = w.openBoxes.get(key);
  // The other half of an open box goes to the next customer who wants a few days' worth (either may be the first sale).
  const half = box && box.left > 0 && Math.abs(v.beginDay - box.day) <= 10 && w.rng.chance(0.5);
  if ((half || w.rng.chance(UNIT_DOSE_SHARE)) && /头孢|阿莫西林|布洛芬|对乙酰氨基酚|氨溴索|蒙脱石/.test(line.item.name)) {
    line.cnt = 0.5;
    line.days = Math.max(1, Math.min(line.days ?? 3, 3));
    if (half && box) {
      box.left--;
      line.trace = [box.trace];
      return [{ pattern: 'unit_dose_pharmacy', instance: box.instance, note_zh: `拆零销售：与${ctx.cal.date[box.day]}的销售为同一盒${line.item.name}的两半` }];
    }
    const opened = { trace: ctx.sink.newTrace(line.item), day: v.beginDay, left: 1, instance: w.tags.instance('unit_dose_pharmacy') };
    w.openBoxes.set(key, opened);
    line.trace = [opened.trace];
    return [{ pattern: 'unit_dose_pharmacy', instance: opened.instance, note_zh: `拆零销售：拆开一盒${line.item.name}售出一半` }];
  }
  if (w.rng.chance(REFUND_SHARE)) {
    v.reversed = true;
    line.cnt = 1;
    line.trace = [ctx.sink.newTrace(line.item)];
    const instance = w.tags.instance('refund_resale');
    w.returned.set(key, [...(w.returned.get(key) ?? []), { trace: line.trace[0]!, day: v.beginDay, instance }]);
    return [{ pattern: 'refund_resale', instance, note_zh: `顾客退货，${line.item.name}销售全额冲销，药品回到货架` }];
  }
  return [];
}

/** Queue position on the pharmacy's insurance day: minute and second of the settlement (2 tills, ~1.5 min a customer). */
export function queueTime(w: World, prov: Provider, day: number): { minute: number; second: number } {
  const key = `${prov.code}|${day}`;
  const k = w.queue.get(key) ?? 0;
  w.queue.set(key, k + 1);
  const s = 8 * 3600 + Math.floor(k / 2) * (70 + w.rng.int(0, 40)) + (k % 2) * 25;
  return { minute: Math.floor(s / 60), second: s % 60 };
}

/** The pharmacy's insurance day nearest to `day` within ±3 days, if it has one. */
export function insuranceDay(ctx: GenContext, w: World, prov: Provider, day: number): number | undefined {
  const dom = w.queueDay.get(prov.code);
  if (dom === undefined) return undefined;
  for (const d of [day, day - 1, day + 1, day - 2, day + 2, day - 3, day + 3]) {
    if (d >= 0 && d < ctx.cal.days && Number(ctx.cal.date[d]!.slice(8, 10)) === dom) return d;
  }
  return undefined;
}

/**
 * Ward practices on a background stay: fixed posting times (00:05 bed and nursing, 07:00 blood tests, 09:30
 * dispensed drugs, from the second day) where the hospital batch-posts, and box codes repeated over the unit doses
 * dispensed from one box where its ward pharmacy scans that way.
 */
export function wardPractices(ctx: GenContext, w: World, v: VisitSpec): TagSpec[] {
  const code = v.provider.code;
  if (w.batchPosting.has(code)) {
    for (const l of v.lines) {
      if (l.day === v.beginDay || l.item.chrgitm === '06' || l.item.chrgitm === '08') continue;
      if (l.item.chrgitm === '01' || l.item.chrgitm === '07' || l.item.name === '住院诊查费') l.minute = 5;
      else if (l.item.chrgitm === '04') l.minute = 7 * 60;
      else if (l.item.kind === 'drug') l.minute = 9 * 60 + 30;
    }
  }
  if (!w.unitDoseWard.has(code)) return [];
  const boxes = new Map<string, { trace: string; left: number }>();
  let shared = 0;
  for (const l of [...v.lines].sort((a, b) => a.day - b.day || a.minute - b.minute)) {
    const units = BOX_UNITS[l.item.name];
    if (!units || units === 1) continue;
    const codes: string[] = [];
    let need = Math.max(1, Math.round(l.cnt));
    while (need > 0) {
      let box = boxes.get(l.item.code);
      if (!box || box.left === 0) {
        box = { trace: ctx.sink.newTrace(l.item), left: units };
        boxes.set(l.item.code, box);
      } else if (!codes.length) shared++;
      const take = Math.min(need, box.left);
      box.left -= take;
      need -= take;
      codes.push(box.trace);
    }
    l.trace = codes;
  }
  if (!shared) return [];
  return [{ pattern: 'unit_dose_ward', instance: w.tags.instance('unit_dose_ward'), note_zh: '住院期间逐日拆零摆药，同一盒的追溯码出现在多天的用药明细中' }];
}

/** A drug line of `cnt` boxes/units for `days` days at the provider's price. */
export function drugLine(item: Item, cnt: number, days: number, day: number, minute: number, dr: FeeSpec['dr'], price?: number, dose?: string): FeeSpec {
  return { item, cnt, days, day, minute, dr, price, dose };
}
