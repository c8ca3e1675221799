import { item } from '../catalog.ts';
import { CC_SECONDARY, LEGIT_DX, LEGIT_PROCEDURES, MCC_SECONDARY, PROCEDURE_FOR_DX } from '../diagnoses.ts';
import type { Provider } from '../providers.ts';
import type { FeeSpec, VisitSpec } from '../sink.ts';
import { inpatientStay, outpatientVisit } from '../visits.ts';
import { wardPractices } from './dispensing.ts';
import { finish, startAt, type PersonPlan, type TagSpec } from './plan.ts';
import { providerFor } from './world.ts';

/**
 * Acute and expensive but ordinary hospital care:
 * - admissions through the emergency department (urgent diagnoses), township patients transferred up the same day
 *   (a sixth of them discharged on paper the next morning, when the family settles), stroke patients transferred down
 *   to 3–6 weeks of rehabilitation, medical patients back 3–15 days after discharge, mostly through the emergency
 *   department (heart failure 15 %, COPD 12 %, others 2–5 %; China's 30-day heart-failure readmission rate is
 *   ~15–20 %), and older patients discharged before a long holiday and admitted again after it (节前出院、节后再入院);
 * - ICU stays (sepsis, severe pneumonia, stroke, infarction: ventilator and monitoring by the hour, CRRT for some) and
 *   ECMO (about one case per 20,000 persons × 120 days — several times the national rate, so that it shows);
 * - Helicobacter eradication: bismuth quadruple therapy for 14 days (第六次全国幽门螺杆菌感染处理共识, 2022);
 * - deaths in hospital, with the bill settled by the family the same day or one to four days later.
 */
/** Share of medical stays followed by an unplanned readmission within 3–15 days (heart failure and COPD most often). */
const READMIT: Record<string, number> = { 'I50.900': 0.15, 'J44.100': 0.12 };
const URGENT = new Set(['J18.900', 'I63.900', 'I20.000', 'K35.800', 'K80.200', 'S72.000', 'N20.000', 'I50.900', 'K92.200', 'G45.900', 'J44.100']);

/** An emergency visit at `prov` on `day` beginning 2½–4 hours before the admission at `admitMin` (it ends before it). */
function emergencyBefore(plan: PersonPlan, prov: Provider, day: number, dx: string, admitMin: number): VisitSpec {
  const v = outpatientVisit(plan.ctx, plan.person, prov, day, '13', dx);
  v.lines = v.lines.filter((l) => l.item.kind !== 'drug' || l.item.name === '氯化钠注射液');
  return finish(startAt(v, Math.max(0, admitMin - plan.w.rng.int(150, 240))), plan.w.rng.int(20, 60));
}

/** At tertiary hospitals one stay in five more carries an MCC/CC secondary diagnosis (sicker patients, not upcoding). */
function heavier(plan: PersonPlan, v: VisitSpec): void {
  if (v.provider.tier === 3 && plan.w.rng.chance(0.2)) v.diag = [...(v.diag ?? []), plan.w.rng.chance(0.4) ? plan.w.rng.pick(MCC_SECONDARY) : plan.w.rng.pick(CC_SECONDARY)];
}

/** Moves a stay's admission (and its first day's lines) to `beginMin`. */
function admitAt(v: VisitSpec, beginMin: number): void {
  const delta = beginMin - v.beginMin;
  v.beginMin = beginMin;
  for (const l of v.lines) if (l.day === v.beginDay) l.minute += delta;
}

function addStay(plan: PersonPlan, v: VisitSpec, tags: TagSpec[] = []): void {
  plan.add(v, [...tags, ...wardPractices(plan.ctx, plan.w, v)]);
}

/**
 * 节前出院、节后再入院: an older patient's medical stay running into a long holiday ends one or two days before it and
 * continues with a new stay at the same hospital a few days after it. Shortens `v` and returns the second stay.
 */
function holidayBreak(plan: PersonPlan, v: VisitSpec): VisitSpec | undefined {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  const h = w.longHolidays.find((d) => d > v.beginDay + 2 && d <= v.endDay);
  if (h === undefined || person.age < 60 || PROCEDURE_FOR_DX[v.dx] || !rng.chance(0.6)) return undefined;
  const end = h - rng.int(1, 2);
  const back = h + w.holidayLength.get(h)! + rng.int(0, 2);
  const rest = Math.max(2, v.endDay - end);
  if (back + rest >= plan.last) return undefined;
  const b = inpatientStay(ctx, person, v.provider, back, { dx: v.dx, los: rest });
  b.dept = v.dept;
  b.chfpdr = v.chfpdr;
  b.lines = b.lines.map((l) => ({ ...l, dr: v.chfpdr }));
  v.lines = v.lines.filter((l) => l.day < end);
  v.endDay = end;
  v.endMin = rng.int(9 * 60, 11 * 60);
  v.setlDay = end;
  v.setlMin = v.endMin + 15;
  return b;
}

function addWithBreak(plan: PersonPlan, v: VisitSpec, tags: TagSpec[], extra: (b: VisitSpec) => TagSpec[] = () => []): void {
  const b = holidayBreak(plan, v);
  if (!b || !plan.spanFree(v.endDay + 1, b.endDay)) return addStay(plan, v, tags);
  const inst = plan.w.tags.instance('holiday_break');
  const gap = b.beginDay - v.endDay;
  addStay(plan, v, [...tags, { pattern: 'holiday_break', instance: inst, note_zh: '长假前病情稳定出院回家过节' }]);
  addStay(plan, b, [...extra(b), { pattern: 'holiday_break', instance: inst, note_zh: `节后回院继续治疗，距出院${gap}天（同院同诊断）` }]);
}

/** An ordinary admission with its variants; false when it does not fit the person's plan. */
export function planAdmission(plan: PersonPlan, prov: Provider, day: number, medType: '21' | '28'): boolean {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  const v = inpatientStay(ctx, person, prov, day, { medType });
  heavier(plan, v);
  if (!plan.spanFree(v.beginDay, v.endDay, 30)) return false;
  if (medType === '28') {
    addStay(plan, v);
    return true;
  }
  const viaEr = URGENT.has(v.dx) && rng.chance(0.35);
  if (prov.tier === 1 && rng.chance(0.12) && URGENT.has(v.dx)) return transferUp(plan, v);
  if (viaEr) {
    admitAt(v, rng.int(6 * 60, 22 * 60));
    const inst = w.tags.instance('emergency_admission');
    plan.add(emergencyBefore(plan, prov, day, v.dx, v.beginMin), [{ pattern: 'emergency_admission', instance: inst, note_zh: '急诊就诊后收入院' }]);
    addWithBreak(plan, v, [{ pattern: 'emergency_admission', instance: inst, note_zh: '经急诊收入院' }]);
  } else addWithBreak(plan, v, []);
  if (v.dx === 'I63.900' && prov.tier === 3 && rng.chance(0.35)) rehabAfter(plan, v);
  else if (!PROCEDURE_FOR_DX[v.dx] && rng.chance(READMIT[v.dx] ?? (person.age >= 60 ? 0.05 : 0.02))) readmitAfter(plan, v);
  return true;
}

/** Township stay of 1–3 days, then the same day a tertiary stay for the same condition. */
function transferUp(plan: PersonPlan, first: VisitSpec): boolean {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  const los = rng.int(1, 3);
  const a = inpatientStay(ctx, person, first.provider, first.beginDay, { dx: first.dx, los });
  a.endMin = rng.int(8 * 60 + 30, 11 * 60);
  a.setlMin = a.endMin + 10;
  const to = providerFor(ctx, w, person, 'hospital', 3, a.endDay, person.insu_admdvs);
  const b = inpatientStay(ctx, person, to, a.endDay, { dx: first.dx, beginMin: a.endMin + rng.int(60, 240) });
  heavier(plan, b);
  if (!plan.spanFree(a.beginDay, b.endDay, 30)) return false;
  const paperLate = rng.chance(0.17);
  if (paperLate) {
    // The patient left by ambulance; discharge was recorded and settled the next morning.
    a.endDay += 1;
    a.endMin = rng.int(8 * 60, 10 * 60);
    a.setlDay = a.endDay;
    a.setlMin = a.endMin + 15;
  }
  const inst = w.tags.instance('same_day_transfer');
  addStay(plan, a, [{ pattern: 'same_day_transfer', instance: inst, note_zh: paperLate ? '病情加重当日上转，出院手续次日补办' : '病情加重，当日上转上级医院' }]);
  addStay(plan, b, [{ pattern: 'same_day_transfer', instance: inst, note_zh: '下级医院当日转入' }]);
  return true;
}

/** Stroke: transferred down the day of discharge to 3–6 weeks of rehabilitation (weekday therapy, daily nursing). */
function rehabAfter(plan: PersonPlan, acute: VisitSpec): void {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  const to = providerFor(ctx, w, person, 'hospital', rng.chance(0.6) ? 2 : 1, acute.endDay, person.insu_admdvs);
  const los = rng.int(21, 42);
  if (!plan.spanFree(acute.endDay + 1, acute.endDay + los)) return;
  const v = inpatientStay(ctx, person, to, acute.endDay, { dx: LEGIT_DX.strokeSequela, los, beginMin: acute.endMin + rng.int(60, 180) });
  const therapy = (s: VisitSpec) => {
    s.lines = s.lines.filter((l) => l.day < s.beginDay + 3 || !['静脉输液', '氯化钠注射液', '注射用头孢曲松钠', '葡萄糖注射液'].includes(l.item.name));
    for (let d = s.beginDay + 1; d < s.endDay; d++) {
      if (ctx.cal.restDay[d]) continue;
      for (const name of ['运动疗法', '偏瘫肢体综合训练', '作业疗法', '针刺']) s.lines.push({ item: item(ctx.cat, name), cnt: 1, day: d, minute: 14 * 60, dr: s.chfpdr });
    }
  };
  therapy(v);
  const inst = w.tags.instance('long_rehab');
  const rehab = (note: string): TagSpec => ({ pattern: 'long_rehab', instance: inst, note_zh: note });
  addWithBreak(plan, v, [rehab(`脑梗死急性期后转康复，住院${los}天，工作日康复训练`), { pattern: 'same_day_transfer', instance: w.tags.instance('same_day_transfer'), note_zh: '上级医院出院当日下转康复' }], (b) => {
    therapy(b);
    return [rehab('节后继续康复')];
  });
}

/** Worse again 3–15 days after discharge: back to the same hospital, mostly through the emergency department. */
function readmitAfter(plan: PersonPlan, first: VisitSpec): void {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  const day = first.endDay + rng.int(3, 15);
  const viaEr = rng.chance(0.6);
  const v = inpatientStay(ctx, person, first.provider, day, { dx: first.dx, beginMin: viaEr ? rng.int(8 * 60, 22 * 60) : rng.int(9 * 60, 16 * 60) });
  if (!plan.spanFree(day, v.endDay)) return;
  const inst = w.tags.instance('emergency_readmission');
  const gap = day - first.endDay;
  if (viaEr) plan.add(emergencyBefore(plan, first.provider, day, v.dx, v.beginMin), [{ pattern: 'emergency_readmission', instance: inst, note_zh: `出院${gap}天后病情反复急诊就诊` }]);
  addStay(plan, v, [{ pattern: 'emergency_readmission', instance: inst, note_zh: `出院${gap}天后${viaEr ? '经急诊' : '门诊复诊后'}再次入院（同院同诊断，非计划再入院）` }]);
}

/** ICU stay (and ECMO when `ecmo`): hourly ventilation and monitoring, blood gases, broad antibiotics, albumin, CRRT for some. */
export function planIcu(plan: PersonPlan, ecmo = false): void {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  const rate = person.age >= 60 ? 0.0025 : person.age >= 18 ? 0.0008 : 0;
  if (!ecmo && !rng.chance((rate * (plan.last - plan.first)) / 365)) return;
  const dx = ecmo ? 'J18.900' : rng.weighted([[LEGIT_DX.sepsis, 0.3], ['J18.900', 0.3], ['I63.900', 0.15], [LEGIT_DX.ami, 0.15], ['K92.200', 0.1]] as const);
  const icuDays = ecmo ? rng.int(14, 24) : Math.min(35, Math.max(2, Math.round(rng.lognormal(6, 0.8))));
  const los = icuDays + rng.int(3, 10);
  if (plan.last - plan.first <= los + 1) return;
  const day = rng.int(plan.first, plan.last - los - 2);
  const prov = providerFor(ctx, w, person, 'hospital', ecmo || rng.chance(0.8) ? 3 : 2, day, person.insu_admdvs);
  if (!plan.spanFree(day, day + los, 20)) return;
  const v = inpatientStay(ctx, person, prov, day, { dx, los, beginMin: rng.int(2 * 60, 22 * 60) });
  const dr = v.chfpdr;
  const ventilated = ecmo || rng.chance(0.7);
  const crrt = ecmo || rng.chance(dx === LEGIT_DX.sepsis ? 0.4 : 0.12);
  const ecmoDays = ecmo ? rng.int(6, 12) : 0;
  v.diag = [...new Set([...(v.diag ?? []), ...(ventilated ? [LEGIT_DX.respiratoryFailure] : [])])];
  v.procs = [...(v.procs ?? []), ...(ventilated && icuDays >= 4 ? [LEGIT_PROCEDURES.ventilation96h] : []), ...(ecmo ? [LEGIT_PROCEDURES.ecmo] : [])];
  const swap: Record<string, string> = { 普通病房床位费: '重症监护病房床位费', Ⅱ级护理: '特级护理', 注射用头孢曲松钠: '注射用美罗培南' };
  v.lines = v.lines.map((l) => (l.day < day + icuDays && swap[l.item.name] ? { ...l, item: item(ctx.cat, swap[l.item.name]!), price: undefined, cnt: l.item.name === '注射用头孢曲松钠' ? 6 : 1 } : l));
  for (let d = day; d < day + icuDays; d++) {
    const hours = d === day ? 24 - Math.floor(v.beginMin / 60) : 24;
    const add = (name: string, cnt: number, days?: number) => {
      const l: FeeSpec = { item: item(ctx.cat, name), cnt, day: d, minute: d === day ? v.beginMin + 40 : 7 * 60, dr, days };
      v.lines.push(l);
    };
    add('心电监测', hours);
    add('动脉血气分析', 3);
    if (d > day) for (const lab of ['血细胞分析(血常规)', '肝功能检测(套餐)', '肾功能检测(套餐)', '血清电解质测定']) add(lab, 1);
    if (ventilated) {
      add('呼吸机辅助呼吸', hours);
      add('丙泊酚中/长链脂肪乳注射液', 3, 1);
    }
    if (dx === LEGIT_DX.sepsis || ventilated) add('人血白蛋白', 2, 1);
    if (crrt && d < day + Math.min(icuDays, 6)) {
      add('连续性血液净化', Math.min(hours, 20));
      if ((d - day) % 3 === 0) add('血液净化滤器管路套装', 1);
    }
    if (ecmo && d < day + ecmoDays) {
      add('体外人工膜肺(ECOM)', hours);
      if ((d - day) % 7 === 0) add('膜式氧合器套包', 1);
    }
  }
  const pattern = ecmo ? 'ecmo' : 'icu_stay';
  const inst = w.tags.instance(pattern);
  const tags: TagSpec[] = [{ pattern, instance: inst, note_zh: `${ecmo ? `ECMO支持${ecmoDays}天，` : ''}重症监护${icuDays}天${ventilated ? '，有创机械通气' : ''}${crrt ? '，连续性血液净化' : ''}，总住院${los}天` }];
  if (ecmo) tags.push({ pattern: 'icu_stay', instance: w.tags.instance('icu_stay'), note_zh: `重症监护${icuDays}天` });
  if (rng.chance(0.75)) {
    const erInst = w.tags.instance('emergency_admission');
    plan.add(emergencyBefore(plan, prov, day, dx, v.beginMin), [{ pattern: 'emergency_admission', instance: erInst, note_zh: '急诊抢救后收入重症监护室' }]);
    tags.push({ pattern: 'emergency_admission', instance: erInst, note_zh: '经急诊收入重症监护室' });
  }
  addStay(plan, v, tags);
}

/** Bismuth quadruple therapy, 14 days: PPI, bismuth, tetracycline, metronidazole. */
export function planHpylori(plan: PersonPlan): void {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  if (person.age < 18 || person.age > 70 || !rng.chance((0.012 * (plan.last - plan.first)) / 365)) return;
  const day = rng.int(plan.first, plan.last - 1);
  const prov = providerFor(ctx, w, person, 'hospital', rng.chance(0.5) ? 2 : 3, day);
  if (!plan.dayFree(day)) return;
  const v = outpatientVisit(ctx, person, prov, day, '11', LEGIT_DX.chronicGastritis);
  v.diag = [LEGIT_DX.hPylori];
  v.lines = v.lines.filter((l) => l.item.kind !== 'drug' && l.item.name !== '静脉输液');
  const t = v.lines.reduce((m, l) => Math.max(m, l.minute), v.beginMin) + 2;
  for (const name of ['奥美拉唑肠溶胶囊', '枸橼酸铋钾胶囊', '盐酸四环素片', '甲硝唑片']) v.lines.push({ item: item(ctx.cat, name), cnt: 2, days: 14, day, minute: t, dr: v.chfpdr });
  plan.add(finish(v, rng.int(3, 12)), [{ pattern: 'h_pylori_course', instance: w.tags.instance('h_pylori_course'), note_zh: '幽门螺杆菌阳性，铋剂四联疗法，疗程14天' }]);
}

/** A background death in hospital: the last stay ends on the death day; the family settles then or up to 4 days later. */
export function planDeath(plan: PersonPlan): void {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  const death = person.deathDay;
  if (death < 4 || !rng.chance(0.45)) return;
  const los = rng.int(2, Math.min(12, death - plan.first));
  const day = death - los;
  if (los < 2 || !plan.spanFree(day, death - 1)) return;
  const prov = providerFor(ctx, w, person, 'hospital', rng.chance(0.6) ? 3 : 2, day, person.insu_admdvs);
  const v = inpatientStay(ctx, person, prov, day, { dx: rng.pick(['I63.900', 'J18.900', 'I50.900', LEGIT_DX.lungCancer, LEGIT_DX.sepsis]), los });
  v.endDay = death;
  v.endMin = rng.int(0, 23 * 60);
  const later = rng.weighted([[0, 0.5], [1, 0.35], [rng.int(2, 4), 0.15]] as const);
  v.setlDay = death + later;
  v.setlMin = later === 0 ? Math.min(23 * 60 + 50, v.endMin + rng.int(30, 300)) : rng.int(8 * 60, 16 * 60);
  addStay(plan, v, [{ pattern: 'death_in_hospital', instance: w.tags.instance('death_in_hospital'), note_zh: later === 0 ? '住院期间死亡，当日结算' : `住院期间死亡，家属于死亡后第${later}天办理出院结算` }]);
}
