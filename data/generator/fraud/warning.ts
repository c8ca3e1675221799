import { item } from '../catalog.ts';
import { dateOf } from '../calendar.ts';
import type { GenContext } from '../context.ts';
import { providersOf, reservePerson } from '../context.ts';
import type { Person } from '../population.ts';
import type { Provider } from '../providers.ts';
import { AID_THRESHOLD, GENERAL_THRESHOLD, SINGLE_STAY_AID } from '../sink.ts';
import { inpatientStay } from '../visits.ts';
import { hospital, regionCode } from './common.ts';

/**
 * High-expense early warning (not a detector): people whose year-to-date out-of-pocket crosses the threshold
 * (aid categories 10,000 yuan, others 50,000) through stays with self-paid (丙类) drugs, people who stop
 * just under it, monitored persons (防止返贫监测对象) with one stay above / below the 6,000 yuan single-stay trigger
 * (a 低保 person with the same stay is not referred), and
 * aid_roster entries that override psn_info. The month of crossing is taken from the sink (index.ts writes one truth row per crossing).
 */
const CYCLE = 26; // days between admissions: 20 days after discharge, clear of split_hospitalisation (≤ 15)
const LOS = 6;
/** Distinct first-admission days per hospital, so no two planted persons are ever admitted together (结伙住院). */
const OFFSETS = 15;

/** Hands out (hospital, first day) so that planted persons never share an admission day at one hospital. */
class Slots {
  private used = new Map<string, number>();
  constructor(private ctx: GenContext) {}
  next(admdvs: string): { prov: Provider; first: number } {
    const n = this.used.get(admdvs) ?? 0;
    this.used.set(admdvs, n + 1);
    const tier3 = providersOf(this.ctx, admdvs, 'hospital', 3);
    const wrap = Math.floor(n / OFFSETS);
    const prov = wrap < tier3.length ? tier3[wrap]! : hospital(this.ctx, admdvs, 2, wrap - tier3.length);
    return { prov, first: 2 + (n % OFFSETS) };
  }
}

/**
 * Up to three stays `CYCLE` days apart, each topped up with a self-paid drug until the year-to-date
 * out-of-pocket reaches `targetOopFen`, spread evenly over the stays that fit in the window (so no single stay
 * carries more than a third — low-income persons are also referred for a single stay above 6,000 yuan).
 */
async function stays(ctx: GenContext, slots: Slots, p: Person, targetOopFen: number, maxStays = 3): Promise<string[]> {
  const D = ctx.cal.days;
  const drug = item(ctx.cat, '奥希替尼片(自费)');
  const { prov, first } = slots.next(p.insu_admdvs);
  const days: number[] = [];
  const months: string[] = [];
  for (let day = first; day + LOS + 1 < D && days.length < maxStays; day += CYCLE) days.push(day);
  for (let i = 0; i < days.length; i++) {
    const day = days[i]!;
    const s = inpatientStay(ctx, p, prov, day, { dx: 'I50.900', los: LOS });
    const { after } = ctx.sink.oopAfter(s);
    const left = targetOopFen - after;
    if (left <= 0) break;
    const add = Math.ceil(left / (days.length - i));
    s.lines.push({ item: drug, cnt: 1, price: add, day: day + 1, minute: 15 * 60, dr: s.chfpdr, days: 1 });
    await ctx.sink.emit(s);
    months.push(dateOf(ctx.cal, s.setlDay).slice(0, 7));
  }
  return months;
}

export async function plantEarlyWarning(ctx: GenContext): Promise<void> {
  const { truth } = ctx;
  const slots = new Slots(ctx);
  const startYear = Number(ctx.cal.date[0]!.slice(0, 4));
  const firstDate = dateOf(ctx.cal, 0);
  const dayBefore = new Date(Date.parse(`${firstDate}T00:00:00Z`) - 86400000).toISOString().slice(0, 10);
  for (let k = 0; k < ctx.casesPerDetector; k++) {
    const r = regionCode(ctx, k);
    const older = (aid: boolean) => (p: Person) => p.insu_admdvs === r && (p.aid_category !== '') === aid && p.age >= 40;
    await stays(ctx, slots, reservePerson(ctx, older(true)), AID_THRESHOLD + 150_000);
    await stays(ctx, slots, reservePerson(ctx, older(false)), GENERAL_THRESHOLD + 300_000);
    const under = reservePerson(ctx, older(true));
    await stays(ctx, slots, under, AID_THRESHOLD - 30_000);
    truth.add('early_warning', 'early_warning', 'person', 'no_alert', '救助对象自付略低于阈值', { psn_no: under.psn_no }, '救助对象年度累计自付约9,700元，未达10,000元');
    const under2 = reservePerson(ctx, older(false));
    await stays(ctx, slots, under2, GENERAL_THRESHOLD - 80_000);
    truth.add('early_warning', 'early_warning', 'person', 'no_alert', '一般人员自付略低于阈值', { psn_no: under2.psn_no }, '一般参保人年度累计自付约49,200元，未达50,000元');

    // Single stay: the 6,000-yuan single-stay trigger is a local rule for 防止返贫监测对象 (monitored) only, so a monitored
    // person's one stay of 7,000 yuan is referred on its own; look-alikes: a monitored person at 5,500, and a 低保
    // person with the same 7,000-yuan stay (year to date below their 10,000 line).
    const monitored = (p: Person) => p.insu_admdvs === r && p.aid_category === 'monitored' && p.age >= 40;
    const one = reservePerson(ctx, monitored);
    const [month] = await stays(ctx, slots, one, SINGLE_STAY_AID + 100_000, 1);
    truth.add('early_warning', 'early_warning', 'person', 'alert', '监测对象单次住院高额自付', { psn_no: one.psn_no, month: month! }, '防止返贫监测对象一次住院个人自付约7,000元，超过单次6,000元');
    const oneOk = reservePerson(ctx, monitored);
    await stays(ctx, slots, oneOk, SINGLE_STAY_AID - 50_000, 1);
    truth.add('early_warning', 'early_warning', 'person', 'no_alert', '监测对象单次住院自付略低', { psn_no: oneOk.psn_no }, '防止返贫监测对象一次住院个人自付约5,500元，未达单次6,000元');
    const dibao = reservePerson(ctx, (p) => p.insu_admdvs === r && p.aid_category === 'subsistence' && p.age >= 40);
    await stays(ctx, slots, dibao, SINGLE_STAY_AID + 100_000, 1);
    truth.add('early_warning', 'early_warning', 'person', 'no_alert', '低保对象单次住院自付7,000元', { psn_no: dibao.psn_no }, '低保对象一次住院个人自付约7,000元：单次触发只适用于防止返贫监测对象，年度累计未达10,000元');

    // aid_roster overrides psn_info: listed as general, but the civil-affairs roster names them subsistence
    // (低保) from last year on — the 10,000 yuan line applies. Look-alike: roster entry ended before any spending.
    const listed = reservePerson(ctx, (p) => older(false)(p) && p.insutype === '390');
    listed.roster = { category: 'subsistence', from: `${startYear - 1}-03-01`, to: '' };
    await stays(ctx, slots, listed, AID_THRESHOLD + 150_000);
    const ended = reservePerson(ctx, (p) => older(false)(p) && p.insutype === '390');
    ended.roster = { category: 'subsistence', from: `${startYear - 1}-03-01`, to: dayBefore };
    await stays(ctx, slots, ended, 2 * AID_THRESHOLD);
    truth.add('early_warning', 'early_warning', 'person', 'no_alert', '救助资格已到期', { psn_no: ended.psn_no },
      `参保信息为一般人员，低保认定已于${dayBefore}到期；年度自付约20,000元，高于救助对象阈值但未达一般人员50,000元`);
  }
}
