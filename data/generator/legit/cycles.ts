import { item } from '../catalog.ts';
import { LEGIT_DX, LEGIT_PROCEDURES } from '../diagnoses.ts';
import type { Provider } from '../providers.ts';
import type { FeeSpec, VisitSpec } from '../sink.ts';
import { inpatientStay, physicianFor } from '../visits.ts';
import { wardPractices } from './dispensing.ts';
import { bareVisit, type PersonPlan, type TagSpec } from './plan.ts';
import { providerFor, sharedInstance } from './world.ts';

/**
 * Care that repeats on a schedule:
 * - maintenance haemodialysis (≈ 6 per 10,000, China's prevalence) three times a week (Mon/Wed/Fri or Tue/Thu/Sat,
 *   holidays included) at the region's blood-purification centre, 门诊特病 140201; the centre posts a shift's charges
 *   at once when the shift ends;
 * - chemotherapy and immunotherapy courses: a 2–3-day stay every 14 (FOLFOX) or 21 days, admitted on the ward's
 *   chemotherapy day, so patients on the same schedule are admitted together; coded Z51.1 as principal diagnosis, or
 *   the cancer with procedure 99.25, or (coders differ) the cancer alone;
 * - staged operations: the second eye's cataract 1–4 weeks after the first, the second knee 6 weeks to 4 months after,
 *   the other coronary lesions 1–4 weeks after the culprit vessel (分次PCI).
 * Prevalences are per person over the window (active chemotherapy ≈ 20 per 10,000 over 60, 8 at 35–59; cataract
 * surgery ≈ 40 per 10,000 over 60 a year, knee replacement ≈ 12 per 10,000 over 55 a year).
 */
export function planDialysis(plan: PersonPlan): void {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  const p = person.age < 30 ? 0.0002 : person.age < 50 ? 0.0008 : person.age < 70 ? 0.0018 : 0.002;
  if (!rng.chance(p)) return;
  const centre = w.dialysisCentre.get(person.insu_admdvs)!;
  const dr = centre.physicians.find((d) => d.dept === '肾内科')!;
  const days = rng.chance(0.5) ? [1, 3, 5] : [2, 4, 6];
  const am = rng.chance(0.55);
  const post = am ? 11 * 60 + 40 : 16 * 60 + 40;
  const inst = w.tags.instance('dialysis');
  const shift = sharedInstance(w, `shift:${centre.code}`, 'shift_posting');
  let month = '';
  for (let d = plan.first; d < plan.last; d++) {
    if (!days.includes(ctx.cal.weekday[d]!) || !plan.dayFree(d)) continue;
    const v = bareVisit(person, centre, '140201', d, (am ? 7 * 60 + 30 : 12 * 60 + 30) + rng.int(0, 20), LEGIT_DX.esrd, '肾内科', dr);
    v.diag = [LEGIT_DX.dialysis];
    v.procs = [LEGIT_PROCEDURES.haemodialysis];
    const line = (name: string, cnt: number, days?: number): FeeSpec => ({ item: item(ctx.cat, name), cnt, day: d, minute: post, dr, days });
    v.lines.push(line('血液透析', 1), line('血液透析器', 1), line('血液透析管路', 1), line('肝素钠注射液', 1, 1), line('氯化钠注射液', 2, 1), line('重组人促红素注射液', 1, 2));
    if (ctx.cal.date[d]!.slice(0, 7) !== month) {
      month = ctx.cal.date[d]!.slice(0, 7);
      for (const name of ['血细胞分析(血常规)', '肾功能检测(套餐)', '血清电解质测定']) v.lines.push(line(name, 1));
    }
    v.endMin = post + rng.int(5, 25);
    v.setlMin = v.endMin;
    plan.add(v, [
      { pattern: 'dialysis', instance: inst, note_zh: `尿毒症维持性血液透析，每周三次（${days.map((x) => '日一二三四五六'[x]).join('、')}），${am ? '上午' : '下午'}班` },
      { pattern: 'shift_posting', instance: shift, note_zh: '透析班次结束时统一记账' },
    ]);
  }
}

/** The ward's chemotherapy admission day on or after `day` (Monday, or Tuesday for the second group of beds). */
function chemoDay(ctx: PersonPlan['ctx'], day: number, weekday: number): number {
  const wd = (((ctx.cal.weekday[0]! + day) % 7) + 7) % 7;
  return day + ((weekday - wd + 7) % 7);
}

export function planChemo(plan: PersonPlan): void {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  if (person.age < 35 || !rng.chance(person.age >= 60 ? 0.002 : 0.0008)) return;
  const cancer = rng.weighted([['colorectal', 0.4], ['lung', 0.4], ['breast', person.gend === '2' ? 0.25 : 0]] as const);
  const interval = cancer === 'colorectal' ? 14 : 21;
  const los = cancer === 'lung' ? 3 : 2;
  const region = person.insu_admdvs;
  const hosp: Provider = w.oncology.get(region) && rng.chance(0.6) ? w.oncology.get(region)! : w.lists.get(region)!.get('hospital:3')![0]!;
  const dept = hosp.added === 'oncology' ? '肿瘤内科' : '内科';
  const dr = physicianFor(ctx, hosp, dept);
  const immuno = cancer === 'lung' && rng.chance(0.3);
  const cancerDx = cancer === 'colorectal' ? (rng.chance(0.6) ? LEGIT_DX.colonCancer : LEGIT_DX.rectalCancer) : cancer === 'lung' ? LEGIT_DX.lungCancer : LEGIT_DX.breastCancer;
  const weekday = rng.chance(0.6) ? 1 : 2;
  const cycles = rng.int(4, 8);
  const start = rng.int(plan.first - interval * (cycles - 1), plan.last - 1);
  const inst = w.tags.instance('chemo_cycle');
  const regimen: [string, number][] =
    cancer === 'colorectal' ? [['注射用奥沙利铂', 3], ['氟尿嘧啶注射液', 16]]
      : cancer === 'lung' ? [['注射用培美曲塞二钠', 2], ['注射用顺铂', 13], ...(immuno ? ([['信迪利单抗注射液', 2]] as [string, number][]) : [])]
        : [['注射用紫杉醇(白蛋白结合型)', 4]];
  for (let j = 0; j < cycles; j++) {
    const day = chemoDay(ctx, start + j * interval, weekday);
    if (day < plan.first || day + los >= plan.last || !plan.spanFree(day, day + los)) continue;
    const coding = rng.weighted([['z51', 0.6], ['procedure', 0.25], ['cancer', 0.15]] as const);
    const v = inpatientStay(ctx, person, hosp, day, { dx: coding === 'z51' ? LEGIT_DX.chemo : cancerDx, los, beginMin: rng.int(8 * 60, 10 * 60) });
    v.dept = dept;
    v.chfpdr = dr;
    v.diag = coding === 'z51' ? [cancerDx] : [];
    v.procs = coding === 'cancer' ? [] : [LEGIT_PROCEDURES.chemotherapy];
    v.lines = v.lines.filter((l) => l.item.name !== '注射用头孢曲松钠').map((l) => ({ ...l, dr }));
    for (const [name, cnt] of regimen) v.lines.push({ item: item(ctx.cat, name), cnt, day: day + 1, minute: 10 * 60, dr, days: 1 });
    const why = coding === 'z51' ? '主诊断Z51.1化疗' : coding === 'procedure' ? `主诊断为肿瘤(${cancerDx})，手术操作99.25` : `主诊断为肿瘤(${cancerDx})，未编码化疗（编码习惯差异）`;
    plan.add(v, [{ pattern: 'chemo_cycle', instance: inst, note_zh: `${immuno ? '化疗联合免疫治疗' : '化疗'}每${interval}天一周期，第${j + 1}/${cycles}周期；${why}` }, ...wardPractices(ctx, w, v)]);
  }
}

/** Cataract surgery, and for half of the patients the second eye 1–4 weeks later at the same hospital the same way. */
export function planCataract(plan: PersonPlan): void {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  if (person.age < 60 || !rng.chance((0.004 * (plan.last - plan.first)) / 365)) return;
  const prov = providerFor(ctx, w, person, 'hospital', rng.chance(0.5) ? 2 : 3, 0, person.insu_admdvs);
  const medType = rng.chance(0.6) ? '28' : '21';
  const first = rng.int(plan.first, plan.last - 3);
  const second = rng.chance(0.5) ? first + rng.int(7, 28) : -1;
  const inst = second >= 0 ? w.tags.instance('staged_surgery') : '';
  for (const [i, day] of [first, second].entries()) {
    if (day < 0 || ctx.cal.restDay[day] || day + 3 >= plan.last || !plan.spanFree(day, day + 2)) continue;
    const v = inpatientStay(ctx, person, prov, day, { dx: 'H25.900', medType, los: 2 });
    const tags: TagSpec[] = inst ? [{ pattern: 'staged_surgery', instance: inst, note_zh: i === 0 ? '老年性白内障，先行一眼手术' : `另一眼白内障手术，距首次${day - first}天，同院同诊断` }] : [];
    plan.add(v, [...tags, ...wardPractices(ctx, w, v)]);
  }
}

/** Total knee replacement (人工膝关节置换, implant at the post-VBP price), a quarter of them staged for the other knee. */
export function planKnee(plan: PersonPlan): void {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  if (person.age < 55 || !rng.chance((0.0012 * (plan.last - plan.first)) / 365)) return;
  const prov = providerFor(ctx, w, person, 'hospital', rng.chance(0.4) ? 2 : 3, 0, person.insu_admdvs);
  const first = rng.int(plan.first, plan.last - 12);
  const staged = rng.chance(0.25);
  const second = staged ? first + rng.int(42, 120) : -1;
  const inst = w.tags.instance('joint_replacement');
  const stagedInst = staged ? w.tags.instance('staged_surgery') : '';
  for (const [i, day] of [first, second].entries()) {
    const los = rng.int(7, 10);
    if (day < 0 || day + los >= plan.last || !plan.spanFree(day, day + los, 10)) continue;
    const v: VisitSpec = inpatientStay(ctx, person, prov, day, { dx: staged ? LEGIT_DX.kneeBoth : LEGIT_DX.kneeOne, los });
    const dr = v.chfpdr;
    v.dept = '外科';
    v.procs = [LEGIT_PROCEDURES.kneeReplacement];
    const op = day + 1;
    ([['人工全膝关节置换术', 1], ['全身麻醉', 1], ['人工膝关节假体(套)', 1], ['一次性使用无菌注射器', 4]] as const).forEach(([name, cnt], k) => {
      v.lines.push({ item: item(ctx.cat, name), cnt, day: op, minute: 9 * 60 + k, dr });
    });
    for (let d = op + 1; d < day + los; d++) v.lines.push({ item: item(ctx.cat, '运动疗法'), cnt: 1, day: d, minute: 14 * 60, dr });
    const tags: TagSpec[] = [{ pattern: 'joint_replacement', instance: inst, note_zh: `膝骨关节炎行人工全膝关节置换，住院${los}天` }];
    if (staged) tags.push({ pattern: 'staged_surgery', instance: stagedInst, note_zh: i === 0 ? '双膝骨关节炎，先行一侧置换' : `另一侧膝关节置换，距首次${day - first}天` });
    plan.add(v, [...tags, ...wardPractices(ctx, w, v)]);
  }
}

/** Staged PCI (分次PCI): the culprit vessel first, the other lesions 1–4 weeks after discharge, same hospital, same diagnosis. */
export function planStagedPci(plan: PersonPlan): void {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  if (person.age < 45 || !rng.chance((0.0015 * (plan.last - plan.first)) / 365)) return;
  const prov = w.lists.get(person.insu_admdvs)!.get('hospital:3')![0]!;
  const first = rng.int(plan.first, plan.last - 12);
  const inst = w.tags.instance('staged_surgery');
  let day = first;
  for (const i of [0, 1]) {
    const los = i === 0 ? rng.int(3, 5) : rng.int(2, 3);
    if (day + los >= plan.last || !plan.spanFree(day, day + los, i === 0 ? 30 : 0)) return;
    const v = inpatientStay(ctx, person, prov, day, { dx: 'I20.000', los });
    const note = i === 0 ? '不稳定型心绞痛，首次PCI处理罪犯血管' : `择期分次PCI处理其余病变，距首次出院${day - first - los}天`;
    plan.add(v, [{ pattern: 'staged_surgery', instance: inst, note_zh: note }, ...wardPractices(ctx, w, v)]);
    day = v.endDay + rng.int(7, 28);
  }
}
