import { item } from '../catalog.ts';
import type { GenContext } from '../context.ts';
import { LEGIT_DX, LEGIT_PROCEDURES } from '../diagnoses.ts';
import { makeCertno, makeName } from '../ids.ts';
import type { Person } from '../population.ts';
import type { Provider } from '../providers.ts';
import type { VisitSpec } from '../sink.ts';
import { inpatientStay, outpatientVisit, physicianFor } from '../visits.ts';
import { wardPractices } from './dispensing.ts';
import { finish, type PersonPlan, type TagSpec } from './plan.ts';
import type { World } from './world.ts';

/**
 * Pregnancy, birth and sex-specific care:
 * - births at Hubei's rate (≈ 6 per 1,000 a year): antenatal visits on the usual schedule (every 4 weeks, fortnightly
 *   from week 28, weekly from 36) with the female-only tests of the knowledge-point lists (尿妊娠试验, 经阴道B超,
 *   胎儿生物物理相评分), a vaginal or caesarean delivery (35 %), and for 30 % of deliveries the rooming-in newborn's
 *   care (新生儿护理, 经皮胆红素测定 — newborn-only items) on the mother's bill;
 * - the newborns themselves, insured from birth (出生后参保、自出生之日起享受待遇): born in the window, one in eight
 *   admitted for phototherapy in the first week, the stay settled once the baby is enrolled (up to two weeks later);
 * - sex-specific outpatient care with the knowledge points' sex-limited tests on the right sex.
 */
const BIRTH_RATE = 0.035; // deliveries a year per woman aged 20–42 (≈ 6 ‰ of the whole population)

/** Chooses the mothers (delivery inside the window or within 180 days after it) and adds the newborns to the population. */
export function planBirths(ctx: GenContext, w: World): void {
  const rng = w.rng;
  const D = ctx.cal.days;
  const women = ctx.people.filter((p) => !p.reserved && p.gend === '2' && p.age >= 20 && p.age <= 42 && p.deathDay < 0);
  for (const mother of women) {
    if (!rng.chance((BIRTH_RATE * (D + 180)) / 365)) continue;
    const day = rng.int(0, D + 179);
    if (day >= D) {
      w.births.set(mother.idx, { newborn: undefined, day });
      continue;
    }
    const idx = ctx.people.length;
    const gend: '1' | '2' = rng.chance(0.51) ? '1' : '2';
    const brdy = ctx.cal.date[day]!;
    const baby: Person = {
      idx, psn_no: `${mother.insu_admdvs}${String(idx + 1).padStart(10, '0')}`, certno: makeCertno(rng, mother.certno.slice(0, 6), brdy, gend),
      psn_name: mother.psn_name[0]! + makeName(rng, gend).slice(1), gend, brdy, age: 0, insutype: '390', psn_type: '1402',
      insu_admdvs: mother.insu_admdvs, aid_category: '', chronic: false, reserved: false, deathDay: -1, birthDay: day,
    };
    ctx.people.push(baby);
    w.births.set(mother.idx, { newborn: baby, day });
  }
}

function maternity(ctx: GenContext, w: World, mother: Person): Provider {
  const secondary = w.lists.get(mother.insu_admdvs)!.get('hospital:2')!;
  return w.rng.chance(0.6) ? (secondary.find((p) => p.name.includes('妇幼')) ?? secondary[0]!) : w.lists.get(mother.insu_admdvs)!.get('hospital:3')![0]!;
}

/** Antenatal visits before the delivery and the delivery stay (if inside the window). */
export function planPregnancy(plan: PersonPlan): void {
  const { ctx, w, person } = plan;
  const birth = w.births.get(person.idx);
  if (!birth) return;
  const rng = w.rng;
  const hosp = maternity(ctx, w, person);
  const conception = birth.day - 273;
  const inst = w.tags.instance('antenatal_care');
  const weeks = [8, 12, 16, 20, 24, 28, 30, 32, 34, 36, 37, 38, 39];
  for (const wk of weeks) {
    const day = conception + wk * 7 + rng.int(-2, 2);
    if (day >= birth.day - 1 || !plan.dayFree(day) || ctx.cal.holiday[day]) continue;
    const dr = physicianFor(ctx, hosp, '妇产科');
    const v = outpatientVisit(ctx, person, hosp, day, '11', wk <= 12 ? LEGIT_DX.firstPregnancy : LEGIT_DX.pregnancy);
    v.dept = '妇产科';
    v.chfpdr = dr;
    v.lines = v.lines.filter((l) => l.item.kind === 'service' && l.item.chrgitm === '02').map((l) => ({ ...l, dr }));
    const tests = wk === 8 ? ['尿妊娠试验', '经阴道B超检查', '血细胞分析(血常规)'] : wk >= 32 ? ['胎儿生物物理相评分', '尿液分析'] : ['B超常规检查', '尿液分析'];
    tests.forEach((name, i) => v.lines.push({ item: item(ctx.cat, name), cnt: 1, day, minute: v.beginMin + 10 + i * 15, dr }));
    plan.add(finish(v, rng.int(5, 20)), [{ pattern: 'antenatal_care', instance: inst, note_zh: `孕${wk}周产前检查` }]);
  }
  const day = birth.day;
  const caesarean = rng.chance(0.35);
  const los = caesarean ? rng.int(4, 6) : rng.int(2, 3);
  if (!plan.spanFree(day, day + los)) return;
  const v = inpatientStay(ctx, person, hosp, day, { dx: caesarean ? LEGIT_DX.caesarean : LEGIT_DX.vaginalDelivery, los });
  const dr = v.chfpdr;
  v.dept = '妇产科';
  v.lines = v.lines.filter((l) => l.item.name !== '注射用头孢曲松钠');
  if (caesarean) {
    v.procs = [LEGIT_PROCEDURES.caesarean];
    v.lines.push({ item: item(ctx.cat, '剖宫产术'), cnt: 1, day, minute: v.beginMin + 90, dr }, { item: item(ctx.cat, '椎管内麻醉'), cnt: 1, day, minute: v.beginMin + 85, dr });
  }
  const tags: TagSpec[] = [{ pattern: 'delivery', instance: w.tags.instance('delivery'), note_zh: caesarean ? '剖宫产分娩' : '阴道分娩' }];
  if (rng.chance(0.3)) {
    for (let d = day; d < day + los; d++) v.lines.push({ item: item(ctx.cat, '新生儿护理'), cnt: 1, day: d, minute: d === day ? v.beginMin + 120 : 8 * 60, dr });
    v.lines.push({ item: item(ctx.cat, '新生儿经皮胆红素测定'), cnt: 1, day: day + 1, minute: 9 * 60, dr });
    tags.push({ pattern: 'newborn_on_mother_bill', instance: w.tags.instance('newborn_on_mother_bill'), note_zh: '母婴同室，新生儿护理及经皮胆红素测定记入母亲住院费用' });
  }
  plan.add(v, [...tags, ...wardPractices(ctx, w, v)]);
}

/** A newborn's phototherapy stay for jaundice in the first week (one in eight), settled after enrolment. */
export function planNewborn(plan: PersonPlan): void {
  const { ctx, w, person } = plan;
  if (person.birthDay === undefined || !w.rng.chance(0.125)) return;
  const rng = w.rng;
  const day = person.birthDay + rng.int(2, 5);
  const los = rng.int(3, 5);
  if (!plan.spanFree(day, day + los)) return;
  const children = w.children.get(person.insu_admdvs);
  const hosp = children && rng.chance(0.6) ? children : w.lists.get(person.insu_admdvs)!.get('hospital:3')![0]!;
  const v: VisitSpec = inpatientStay(ctx, person, hosp, day, { dx: LEGIT_DX.neonatalJaundice, los });
  const dr = physicianFor(ctx, hosp, hosp.added === 'children' ? '新生儿科' : '儿科');
  v.dept = hosp.added === 'children' ? '新生儿科' : '儿科';
  v.chfpdr = dr;
  v.diag = [LEGIT_DX.liveborn];
  v.procs = [LEGIT_PROCEDURES.phototherapy];
  v.lines = v.lines
    .filter((l) => l.item.kind !== 'drug' && l.item.name !== '静脉输液')
    .map((l) => (l.item.name === 'Ⅱ级护理' ? { ...l, item: item(ctx.cat, '新生儿护理'), dr } : { ...l, dr }));
  for (let d = day; d < day + los; d++) {
    v.lines.push({ item: item(ctx.cat, '新生儿兰光治疗'), cnt: 12, day: d, minute: d === day ? v.beginMin + 60 : 10 * 60, dr });
    v.lines.push({ item: item(ctx.cat, '新生儿经皮胆红素测定'), cnt: 1, day: d, minute: d === day ? v.beginMin + 50 : 8 * 60, dr });
  }
  const wait = rng.int(0, 14);
  if (v.endDay + wait < plan.last) v.setlDay = v.endDay + wait;
  plan.add(v, [{ pattern: 'newborn_care', instance: w.tags.instance('newborn_care'), note_zh: `出生第${day - person.birthDay}天因新生儿黄疸入院光疗${wait ? `，参保后第${wait}天补结算` : ''}` }]);
}

const SEX_TESTS: Record<string, string[]> = {
  'N41.000': ['前列腺液常规检查'], 'N46.x00': ['精液常规检查'], 'N40.x00': ['前列腺液常规检查'],
  'N70.900': ['阴道分泌物检查', '经阴道B超检查'], 'N71.900': ['阴道分泌物检查'], 'N97.900': ['经阴道B超检查'], 'D25.900': ['经阴道B超检查'],
};

/** Adds the sex-limited test that goes with a sex-specific outpatient diagnosis; returns the tag if it did. */
export function sexSpecificCare(ctx: GenContext, w: World, v: VisitSpec): TagSpec[] {
  const tests = SEX_TESTS[v.dx];
  if (!tests || v.medType !== '11' || v.provider.kind === 'pharmacy' || !w.rng.chance(0.6)) return [];
  const names = tests.slice(0, w.rng.int(1, tests.length));
  names.forEach((name, i) => v.lines.push({ item: item(ctx.cat, name), cnt: 1, day: v.beginDay, minute: v.endMin - 1 - i, dr: v.chfpdr }));
  return [{ pattern: 'sex_specific_care', instance: w.tags.instance('sex_specific_care'), note_zh: `${v.person.gend === '1' ? '男科' : '妇科'}门诊（${v.dx}），做限${v.person.gend === '1' ? '男' : '女'}性的检查：${names.join('、')}` }];
}
