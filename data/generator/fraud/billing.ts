import { item, type Item } from '../catalog.ts';
import type { GenContext } from '../context.ts';
import { reservePerson } from '../context.ts';
import type { Person } from '../population.ts';
import type { Provider } from '../providers.ts';
import type { VisitSpec } from '../sink.ts';
import { inpatientStay, outpatientVisit } from '../visits.ts';
import { adult, clinic, emit, hospital, regionCode, workday } from './common.ts';

/** Knowledge-point (知识点) rule scenarios, batches 1–8, with real national codes from the NHSA spreadsheets. */
const F = 'billing';

function kpItem(ctx: GenContext, code: string): Item {
  const i = ctx.cat.items.get(code);
  if (!i) throw new Error(`catalogue lacks knowledge-point code ${code}`);
  return i;
}

function outWith(ctx: GenContext, p: Person, prov: Provider, day: number, dx: string, it: Item, medType: '11' | '41' = '11'): VisitSpec {
  const v = outpatientVisit(ctx, p, prov, day, medType, dx);
  v.lines = v.lines.filter((l) => l.item.kind !== 'drug');
  v.lines.push({ item: it, cnt: 1, day, minute: v.beginMin + 6, dr: v.chfpdr, days: it.kind === 'drug' ? 5 : undefined });
  return v;
}

export async function plantBilling(ctx: GenContext): Promise<void> {
  const { truth, cal, cat } = ctx;
  const kp = cat.kp;
  const D = cal.days;
  const visit = async (det: string, expect: 'alert' | 'no_alert', scenario: string, v: VisitSpec, note: string) => {
    const e = await emit(ctx, v);
    truth.add(det, F, 'visit', expect, scenario, { mdtrt_id: e.mdtrt_id }, note);
    return e;
  };
  const femaleDrug = kpItem(ctx, kp.sex_drugs.find((d) => d.sex === '2')!.codes[0]!);
  const maleDrug = kpItem(ctx, kp.sex_drugs.find((d) => d.sex === '1')!.codes[0]!);
  const femaleSvc = kpItem(ctx, kp.sex_services.find((s) => s.sex === '2')!.code);
  const childDrug = kpItem(ctx, kp.child_drugs[0]!.codes[0]!);
  const injuryDrug = kpItem(ctx, kp.insurance_drugs.find((d) => d.insurance === '工伤')!.codes[0]!);
  const maternityDrug = kpItem(ctx, kp.insurance_drugs.find((d) => d.insurance === '生育')!.codes[0]!);
  const inpatientOnly = kpItem(ctx, kp.care_setting_drugs.find((d) => d.name === 'ω-3鱼油脂肪乳注射液')!.codes[0]!);
  const levelDrug = kpItem(ctx, kp.level_drugs.find((d) => d.name === '参附注射液')!.codes[0]!);
  const courseDrug = kpItem(ctx, kp.course_drugs.find((d) => d.name === '奥扎格雷钠注射液')!.codes[0]!);
  for (let k = 0; k < ctx.casesPerDetector; k++) {
    const r = regionCode(ctx, k);
    const h2 = hospital(ctx, r, 2, k);
    const day = () => workday(ctx, 0, D - 25);
    // kp_sex_limit
    await visit('kp_sex_limit', 'alert', '男性用女性专用药', outWith(ctx, adult(ctx, r, (p) => p.gend === '1'), h2, day(), 'K29.700', femaleDrug), `男性患者开具限女性药品「${femaleDrug.name}」`);
    await visit('kp_sex_limit', 'alert', '男性做女性检查', outWith(ctx, adult(ctx, r, (p) => p.gend === '1'), h2, day(), 'M54.500', femaleSvc), `男性患者收取限女性项目「${femaleSvc.name}」`);
    await visit('kp_sex_limit', 'no_alert', '男性用男性药', outWith(ctx, adult(ctx, r, (p) => p.gend === '1'), h2, day(), 'N40.x00', maleDrug), `男性患者使用限男性药品「${maleDrug.name}」，相符`);
    // kp_child_limit
    await visit('kp_child_limit', 'alert', '成人用儿童药', outWith(ctx, adult(ctx, r, (p) => p.age >= 30), clinic(ctx, r, k), day(), 'J06.900', childDrug), `${'成年'}患者开具儿童专用药「${childDrug.name}」`);
    const kid = reservePerson(ctx, (p) => p.insu_admdvs === r && p.age >= 4 && p.age <= 10);
    await visit('kp_child_limit', 'no_alert', '儿童用儿童药', outWith(ctx, kid, clinic(ctx, r, k), day(), 'J06.900', childDrug), `${kid.age}岁儿童使用儿童专用药，相符`);
    // kp_insurance_type_limit
    await visit('kp_insurance_type_limit', 'alert', '工伤用药记入基本医保', outWith(ctx, adult(ctx, r), h2, day(), 'L30.900', injuryDrug), `限工伤保险药品「${injuryDrug.name}」由基本医保结算`);
    await visit('kp_insurance_type_limit', 'alert', '生育用药记入基本医保', outWith(ctx, adult(ctx, r, (p) => p.gend === '2' && p.age <= 45), h2, day(), 'N71.900', maternityDrug), `限生育保险药品「${maternityDrug.name}」由基本医保结算`);
    await visit('kp_insurance_type_limit', 'no_alert', '普通药品', outWith(ctx, adult(ctx, r), h2, day(), 'L30.900', item(cat, '布洛芬缓释胶囊')), '同类皮肤病门诊使用普通目录药品');
    // kp_institution_level_limit: 参附注射液 (二级及以上) in a township hospital stay; look-alike at 二级.
    for (const [prov, expect] of [[hospital(ctx, r, 1, k), 'alert'], [h2, 'no_alert']] as const) {
      const s = inpatientStay(ctx, adult(ctx, r), prov, day(), { dx: 'I50.900', los: 5 });
      s.lines.push({ item: levelDrug, cnt: 2, day: s.beginDay + 1, minute: 10 * 60, dr: s.chfpdr, days: 1 });
      await visit('kp_institution_level_limit', expect, expect === 'alert' ? '一级医院用限二级药品' : '二级医院用限二级药品', s, `${prov.name}(${prov.tier}级)使用限二级及以上医疗机构药品「${levelDrug.name}」`);
    }
    // kp_care_setting_limit: inpatient-only fish-oil emulsion in an outpatient visit; look-alike in a stay.
    const outFish = outWith(ctx, adult(ctx, r), h2, day(), 'K29.700', inpatientOnly);
    await visit('kp_care_setting_limit', 'alert', '门诊用限住院药品', outFish, `门诊结算限住院使用药品「${inpatientOnly.name}」`);
    const inFish = inpatientStay(ctx, adult(ctx, r), h2, day(), { dx: 'K92.200', los: 6 });
    inFish.lines.push({ item: inpatientOnly, cnt: 1, day: inFish.beginDay + 1, minute: 11 * 60, dr: inFish.chfpdr, days: 1 });
    await visit('kp_care_setting_limit', 'no_alert', '住院使用', inFish, '住院期间使用限住院药品，相符');
    // kp_payment_course_limit (person): ozagrel 18 days (limit 14); look-alike 14 days.
    for (const [useDays, expect] of [[18, 'alert'], [14, 'no_alert']] as const) {
      const p = adult(ctx, r, (x) => x.age >= 50);
      const s = inpatientStay(ctx, p, h2, workday(ctx, 0, Math.max(1, D - 25)), { dx: 'I63.900', los: 20 });
      for (let d = 0; d < useDays; d++) s.lines.push({ item: courseDrug, cnt: 2, day: s.beginDay + d, minute: 10 * 60 + 30, dr: s.chfpdr, days: 1 });
      await emit(ctx, s);
      truth.add('kp_payment_course_limit', F, 'person', expect, expect === 'alert' ? '超支付疗程' : '疗程内', { psn_no: p.psn_no }, `奥扎格雷钠注射液连续使用${useDays}天（限支付14天）`);
    }
    // kp_daily_frequency: 住院诊查费 billed twice a day; look-alike once a day.
    const df = inpatientStay(ctx, adult(ctx, r), h2, day(), { dx: 'J18.900', los: 6 });
    df.lines.push({ ...df.lines.find((l) => l.item.name === '住院诊查费' && l.day === df.beginDay + 2)!, minute: 16 * 60 });
    await visit('kp_daily_frequency', 'alert', '单日超频次', df, '住院诊查费同一天收取2次（限每日1次）');
    await visit('kp_daily_frequency', 'no_alert', '每日一次', inpatientStay(ctx, adult(ctx, r), h2, day(), { dx: 'J18.900', los: 6 }), '住院诊查费每日1次');
    // kp_period_frequency (person): HbA1c twice in 10 days (limit 1 per 15 days); look-alike 16 days apart.
    const hba1c = kpItem(ctx, '002503020030000');
    for (const [gap, expect] of [[10, 'alert'], [16, 'no_alert']] as const) {
      const p = adult(ctx, r, (x) => x.age >= 40);
      const d0 = workday(ctx, 0, Math.max(1, D - 20));
      for (const d of [d0, d0 + gap]) await emit(ctx, outWith(ctx, p, hospital(ctx, r, 1, k), d, 'E11.900', hba1c));
      truth.add('kp_period_frequency', F, 'person', expect, expect === 'alert' ? '周期内超频次' : '周期外复查', { psn_no: p.psn_no }, `糖化血红蛋白测定间隔${gap}天两次（限15天内1次）`);
    }
    // kp_course_length (person): hand-function training weekly over 100 days (limit 90), look-alike 84 days; a
    // window shorter than 110 days uses wheelchair training instead (limit 30): 40 days, look-alike 28.
    const long = D >= 110;
    const training = kpItem(ctx, long ? '003402000250000' : '003402000220000');
    const limit = long ? 90 : 30;
    for (const [span, expect] of (long ? [[100, 'alert'], [84, 'no_alert']] : [[40, 'alert'], [28, 'no_alert']]) as [number, 'alert' | 'no_alert'][]) {
      const p = adult(ctx, r);
      const d0 = workday(ctx, 0, Math.max(1, D - span - 2));
      const last = Math.floor(span / 7) * 7;
      for (let d = d0; d <= d0 + last && d < D; d += 7) await emit(ctx, outWith(ctx, p, hospital(ctx, r, 2, k), d, 'M54.500', training));
      truth.add('kp_course_length', F, 'person', expect, expect === 'alert' ? '超疗程' : '疗程内', { psn_no: p.psn_no }, `${training.name}每周1次，首末次相隔${last}天（限${limit}天）`);
    }
    // kp_duplicate_charge: emergency monitoring billed with the ward bed fee on the same day; look-alike on different days.
    const monitor = item(cat, '急诊监护费');
    const dup = inpatientStay(ctx, adult(ctx, r), h2, day(), { dx: 'I20.000', los: 5 });
    dup.lines.push({ item: monitor, cnt: 1, day: dup.beginDay, minute: dup.beginMin + 5, dr: dup.chfpdr });
    await visit('kp_duplicate_charge', 'alert', '同日重复收费', dup, '急诊监护费与普通病房床位费同日收取（急诊监护费已含床位费）');
    const nodup = inpatientStay(ctx, adult(ctx, r), h2, day(), { dx: 'I20.000', los: 5 });
    nodup.lines = nodup.lines.filter((l) => !(l.day === nodup.beginDay && ['普通病房床位费', 'Ⅱ级护理'].includes(l.item.name)));
    nodup.lines.push({ item: monitor, cnt: 1, day: nodup.beginDay, minute: nodup.beginMin + 5, dr: nodup.chfpdr });
    await visit('kp_duplicate_charge', 'no_alert', '不同日收费', nodup, '入院当日只收急诊监护费，次日起收床位费');
    // kp_surgery_discount: two operations of one group through one incision, both full price; look-alike second at 50 %.
    const group = kp.surgery_groups.slice(0, 12);
    const g1 = kpItem(ctx, group[0]!.code);
    const g2 = kpItem(ctx, group.find((g) => g.group === group[0]!.group && g.code !== group[0]!.code && ctx.cat.items.has(g.code))!.code);
    for (const [factor, expect] of [[1, 'alert'], [0.5, 'no_alert']] as const) {
      const s = inpatientStay(ctx, adult(ctx, r), hospital(ctx, r, 3), day(), { dx: 'K92.200', los: 8 });
      s.lines.push({ item: g1, cnt: 1, day: s.beginDay + 1, minute: 9 * 60, dr: s.chfpdr });
      s.lines.push({ item: g2, cnt: 1, price: Math.round(g2.price * factor), day: s.beginDay + 1, minute: 10 * 60, dr: s.chfpdr });
      await visit('kp_surgery_discount', expect, expect === 'alert' ? '第二术式未折价' : '第二术式已折价', s, `同一切口两项「${group[0]!.group}」手术，第二项按${factor * 100}%收费`);
    }
  }
}
