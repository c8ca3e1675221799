import { item } from '../catalog.ts';
import type { GenContext } from '../context.ts';
import { reservePerson } from '../context.ts';
import type { Person } from '../population.ts';
import { AID_THRESHOLD, GENERAL_THRESHOLD } from '../sink.ts';
import { inpatientStay } from '../visits.ts';
import { hospital, regionCode } from './common.ts';

/**
 * High-expense early warning (not a detector): people whose year-to-date out-of-pocket crosses the threshold
 * (aid categories 10,000 yuan, others 50,000) through stays with self-paid (丙类) drugs, and people who stop
 * just under it. The month of crossing is taken from the sink (index.ts writes one truth row per crossing).
 */
async function stays(ctx: GenContext, p: Person, targetOopFen: number, monthlyFen: number): Promise<void> {
  const D = ctx.cal.days;
  const drug = item(ctx.cat, '奥希替尼片(自费)');
  const r = p.insu_admdvs;
  for (let day = 3; day < D - 12; day += 30) {
    const s = inpatientStay(ctx, p, hospital(ctx, r, 3), day, { dx: 'I50.900', los: 6 });
    const { after } = ctx.sink.oopAfter(s);
    const left = targetOopFen - after;
    if (left <= 0) break;
    const add = Math.min(left, monthlyFen);
    s.lines.push({ item: drug, cnt: 1, price: add, day: day + 1, minute: 15 * 60, dr: s.chfpdr, days: 1 });
    await ctx.sink.emit(s);
    if (add === left) break;
  }
}

export async function plantEarlyWarning(ctx: GenContext): Promise<void> {
  const { truth } = ctx;
  const months = Math.floor(ctx.cal.days / 30);
  if (months < 2) return;
  for (let k = 0; k < ctx.casesPerDetector; k++) {
    const r = regionCode(ctx, k);
    const aid = reservePerson(ctx, (p) => p.insu_admdvs === r && p.aid_category !== '' && p.age >= 40);
    await stays(ctx, aid, AID_THRESHOLD + 150_000, Math.ceil((AID_THRESHOLD + 150_000) / Math.min(3, months)));
    const gen = reservePerson(ctx, (p) => p.insu_admdvs === r && p.aid_category === '' && p.age >= 40);
    await stays(ctx, gen, GENERAL_THRESHOLD + 300_000, Math.ceil((GENERAL_THRESHOLD + 300_000) / Math.min(3, months)));
    const under = reservePerson(ctx, (p) => p.insu_admdvs === r && p.aid_category !== '' && p.age >= 40);
    await stays(ctx, under, AID_THRESHOLD - 30_000, Math.ceil(AID_THRESHOLD / Math.min(3, months)));
    truth.add('early_warning', 'early_warning', 'person', 'no_alert', '救助对象自付略低于阈值', { psn_no: under.psn_no }, '救助对象年度累计自付约9,700元，未达10,000元');
    const under2 = reservePerson(ctx, (p) => p.insu_admdvs === r && p.aid_category === '' && p.age >= 40);
    await stays(ctx, under2, GENERAL_THRESHOLD - 80_000, Math.ceil(GENERAL_THRESHOLD / Math.min(3, months)));
    truth.add('early_warning', 'early_warning', 'person', 'no_alert', '一般人员自付略低于阈值', { psn_no: under2.psn_no }, '一般参保人年度累计自付约49,200元，未达50,000元');
  }
}
