import { item, type Item } from '../catalog.ts';
import { CHRONIC_DX, LEGIT_DX } from '../diagnoses.ts';
import { distanceKm, type Provider } from '../providers.ts';
import type { FeeSpec, VisitSpec } from '../sink.ts';
import { CHRONIC_DRUGS, outpatientVisit, physicianFor } from '../visits.ts';
import { insuranceDay, queueTime } from './dispensing.ts';
import { bareVisit, finish, startAt, type PersonPlan, type TagSpec } from './plan.ts';
import { farHospital, open, pharmacyNear, providerFor } from './world.ts';

/**
 * Chronic patients (hypertension, diabetes, coronary disease, hyperlipidaemia, hypothyroidism, COPD) and how they get
 * their medicine, each on one path:
 * - 门诊慢特病 (140104) at a hospital, 4–12 weeks a time;
 * - 长期处方 in ordinary outpatient care (11): 《长期处方管理规范（试行）》 2021 allows up to 12 weeks for stable patients;
 * - the hospital's prescription filled at a pharmacy near home (处方外配/流转, 41) monthly, renewed at the hospital
 *   every third month (same day, pharmacy after the visit);
 * - 互联网医院 follow-ups at a tertiary hospital in another city (only 复诊, drugs delivered), an offline visit every third time.
 * On every path: refills a few days early (余药未尽), sometimes late, 8–12 weeks before a long holiday (the 2025 超量开药
 * notice tolerates travel stock-up), and a dose change that brings the patient back early with a new prescription.
 * Plus dual-channel (双通道) negotiated drugs: osimertinib bought monthly at the region's designated pharmacy (140201).
 */
type Path = 'chronic_special_outpatient' | 'long_prescription' | 'pharmacy_outside_rx' | 'internet_followup';
const PATH_MIX: readonly (readonly [Path, number])[] = [
  ['chronic_special_outpatient', 0.45], ['long_prescription', 0.2], ['pharmacy_outside_rx', 0.25], ['internet_followup', 0.1],
];
const PATH_NOTE: Record<Path, string> = {
  chronic_special_outpatient: '门诊慢特病复诊，开具长期处方',
  long_prescription: '稳定期慢病患者普通门诊开具长期处方',
  pharmacy_outside_rx: '持医院处方到定点药店按月购药',
  internet_followup: '互联网医院线上复诊续方，药品配送到家',
};

const doubled = (dose: string | undefined) => (dose ? dose.replace(/^([\d.]+)/, (m) => String(Number(m) * 2)) : undefined);

/** Replaces the visit's drug lines with `drugs` for `supply` days (one box ≈ 2 weeks), at `factor` × the usual dose. */
function setDrugs(v: VisitSpec, drugs: Item[], supply: number, factor: number, dr: FeeSpec['dr']): void {
  v.lines = v.lines.filter((l) => l.item.kind !== 'drug');
  const t = v.lines.reduce((m, l) => Math.max(m, l.minute), v.beginMin) + 2;
  drugs.forEach((it, i) => {
    const boxes = Math.max(1, Math.round(supply / 14)) * factor;
    v.lines.push({ item: it, cnt: boxes, days: supply, day: v.beginDay, minute: t + i, dr, dose: factor > 1 ? doubled(it.dose) : undefined });
  });
}

export function planChronic(plan: PersonPlan): void {
  const { ctx, w, person } = plan;
  if (!person.chronic) return;
  const rng = w.rng;
  const dx = rng.pick(CHRONIC_DX);
  const path = rng.weighted(PATH_MIX);
  const drugs = (CHRONIC_DRUGS[dx] ?? ['阿司匹林肠溶片']).map((n) => item(ctx.cat, n));
  const region = person.insu_admdvs;
  const hosp = providerFor(ctx, w, person, 'hospital', path === 'long_prescription' ? rng.weighted([[1, 0.4], [2, 0.3], [3, 0.3]] as const) : rng.chance(0.5) ? 1 : 3, 0, region);
  const far = farHospital(w, region);
  const stable = rng.chance(0.35);
  const doseAt = rng.chance(0.08) ? rng.int(1, 2) : -1;
  const inst = w.tags.instance(path);
  let factor = 1;
  let early = false;
  let day = plan.first + rng.int(0, 27);
  for (let k = 0; day < plan.last; k++) {
    const stay = plan.stayAt(day);
    if (stay) {
      day = stay.e + 1;
      continue;
    }
    let supply = stable ? rng.weighted([[56, 0.6], [84, 0.4]] as const) : rng.weighted([[28, 0.65], [30, 0.35]] as const);
    const tags: TagSpec[] = [{ pattern: path, instance: inst, note_zh: `${PATH_NOTE[path]}（${supply}天用量）` }];
    const holiday = w.longHolidays.find((h) => h > day && h - day <= 14);
    if (holiday !== undefined && supply < 56 && rng.chance(0.6)) {
      supply = rng.chance(0.6) ? 56 : 84;
      tags[0]!.note_zh = `${PATH_NOTE[path]}（${supply}天用量）`;
      tags.push({ pattern: 'holiday_stockup', instance: w.tags.instance('holiday_stockup'), note_zh: `${ctx.cal.date[holiday]}起长假，节前一次开足${supply}天用量` });
    }
    if (k === doseAt) {
      factor = 2;
      tags.push({ pattern: 'dose_change', instance: w.tags.instance('dose_change'), note_zh: '血压/血糖控制不佳，提前复诊加量，重新开具处方' });
    }
    if (early) tags.push({ pattern: 'early_refill', instance: w.tags.instance('early_refill'), note_zh: '上次药品尚余数天即来续方' });
    const online = path === 'internet_followup' && k % 3 !== 2;
    const local: Path = path === 'internet_followup' ? 'chronic_special_outpatient' : path;
    if (online) onlineFollowUp(plan, far, dx, drugs, supply, factor, day, tags);
    else if (local === 'pharmacy_outside_rx') pharmacyRefill(plan, hosp, dx, drugs, supply, factor, k % 3 === 0, day, tags);
    else if (open(hosp, person, day) && plan.dayFree(day)) {
      const v = outpatientVisit(ctx, person, hosp, day, '140104', dx);
      if (local === 'long_prescription') v.medType = '11';
      setDrugs(v, drugs, supply, factor, v.chfpdr);
      if (dx === 'E11.900' && hosp.tier === 3 && supply <= 28 && rng.chance(0.25)) {
        v.lines.push({ item: item(ctx.cat, '司美格鲁肽注射液'), cnt: 1, day, minute: v.lines[v.lines.length - 1]!.minute + 1, dr: v.chfpdr, days: 28 });
      }
      plan.add(finish(v, rng.int(2, 15)), tags);
    }
    const r = rng.float();
    early = r < 0.15;
    let next = day + supply - (early ? rng.int(4, 7) : r < 0.25 ? -rng.int(3, 10) : rng.int(0, 3));
    if (k + 1 === doseAt) next = day + rng.int(10, 18);
    day = Math.max(day + 1, next);
  }
}

/**
 * An internet-hospital follow-up: the consultation is settled online at the far hospital; the drugs are either
 * delivered by it (settled with the consultation) or the prescription is circulated (处方流转) to a pharmacy near home,
 * where the patient collects and pays for them 15 minutes to 2 hours later.
 */
function onlineFollowUp(plan: PersonPlan, far: Provider, dx: string, drugs: Item[], supply: number, factor: number, day: number, tags: TagSpec[]): void {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  const dr = physicianFor(ctx, far, far.tier === 3 ? '心血管内科' : '内科');
  const v = bareVisit(person, far, '11', day, rng.int(8 * 60, 21 * 60 + 30), dx, '互联网医院', dr);
  v.lines.push({ item: item(ctx.cat, '互联网复诊诊查费'), cnt: 1, day, minute: v.beginMin + 3, dr });
  finish(v, rng.int(1, 6));
  const collect = v.setlMin + rng.int(15, 120);
  const pharm = providerFor(ctx, w, person, 'pharmacy', 0, day, person.insu_admdvs);
  if (rng.chance(0.55) && collect < 20 * 60 + 30 && plan.dayFree(day) && open(pharm, person, day)) {
    plan.add(v, tags, { light: true });
    const p = outpatientVisit(ctx, person, pharm, day, '41', dx);
    setDrugs(p, drugs, supply, factor, dr);
    plan.add(finish(startAt(p, collect), rng.int(2, 8)), [{ pattern: 'internet_followup', instance: tags[0]!.instance, note_zh: `互联网医院处方流转到本地药店，线上复诊后约${collect - v.setlMin}分钟取药结算` }]);
    return;
  }
  setDrugs(v, drugs, supply, factor, dr);
  plan.add(finish(v, rng.int(1, 6)), tags, { light: true });
}

/** A pharmacy purchase on a hospital prescription; on renewal days the hospital visit comes first, the same day. */
function pharmacyRefill(plan: PersonPlan, hosp: Provider, dx: string, drugs: Item[], supply: number, factor: number, renewal: boolean, dayIn: number, tags: TagSpec[]): void {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  let day = dayIn;
  let pharm = providerFor(ctx, w, person, 'pharmacy', 0, day, person.insu_admdvs);
  if (!renewal) {
    const member = insuranceDay(ctx, w, pharm, day);
    if (member !== undefined && plan.dayFree(member) && rng.chance(0.7)) day = member;
  }
  if (!plan.dayFree(day)) return;
  let prescriber = physicianFor(ctx, hosp, hosp.tier === 1 ? '全科' : '内科');
  let after = rng.int(8 * 60, 19 * 60);
  if (renewal) {
    const h = outpatientVisit(ctx, person, hosp, day, '140104', dx);
    h.medType = '11';
    startAt(h, rng.int(8 * 60, 10 * 60 + 30));
    pharm = pharmacyNear(w, hosp, person, day);
    // A township health centre with no pharmacy in reach dispenses the long prescription itself.
    if (distanceKm(hosp, pharm) > 20) {
      setDrugs(h, drugs, supply, factor, h.chfpdr);
      plan.add(finish(h, rng.int(2, 10)), [{ ...tags[0]!, note_zh: '附近无定点药店，复诊时在本院取长期处方药品' }, ...tags.slice(1)]);
      return;
    }
    h.lines = h.lines.filter((l) => l.item.kind !== 'drug');
    plan.add(finish(h, rng.int(2, 10)), [{ pattern: 'pharmacy_outside_rx', instance: tags[0]!.instance, note_zh: '医院复诊开具外配处方，当天到附近药店取药' }]);
    prescriber = h.chfpdr;
    after = h.endMin + rng.int(40, 150);
  } else if (!open(pharm, person, day)) pharm = providerFor(ctx, w, person, 'pharmacy', 0, day, person.insu_admdvs);
  const v = outpatientVisit(ctx, person, pharm, day, '41', dx);
  // Paper prescriptions are entered under the pharmacy's resident pharmacist, circulated e-prescriptions under the prescriber.
  setDrugs(v, drugs, supply, factor, rng.chance(0.5) ? prescriber : v.chfpdr);
  if (w.queueDay.get(pharm.code) === Number(ctx.cal.date[day]!.slice(8, 10)) && !renewal) {
    const q = queueTime(w, pharm, day);
    for (const l of v.lines) l.dr = pharm.physicians[0]!;
    startAt(v, q.minute - 1, q.second);
    v.endMin = q.minute;
    v.setlMin = q.minute;
    for (const l of v.lines) l.minute = q.minute;
    tags.push({ pattern: 'pharmacy_morning_queue', instance: w.tags.instance('pharmacy_morning_queue'), note_zh: `药店医保日开门排队购药，${ctx.cal.date[day]}早间集中结算` });
    plan.add(v, tags);
    return;
  }
  plan.add(finish(startAt(v, after), rng.int(2, 8)), tags);
}

/** 双通道: a lung-cancer patient on osimertinib, prescribed at the oncology or tertiary hospital, bought monthly at the designated pharmacy. */
export function planDualChannel(plan: PersonPlan): void {
  const { ctx, w, person } = plan;
  const rng = w.rng;
  if (person.age < 45 || !rng.chance(person.age >= 60 ? 0.0008 : 0.0004)) return;
  const region = person.insu_admdvs;
  const pharm = w.dualChannel.get(region)!;
  const hosp = w.oncology.get(region) ?? w.lists.get(region)!.get('hospital:3')![0]!;
  const drug = item(ctx.cat, '甲磺酸奥希替尼片');
  const inst = w.tags.instance('dual_channel');
  const dx = LEGIT_DX.lungCancer;
  for (let day = plan.first + rng.int(0, 29), k = 0; day < plan.last; day += 30 - rng.int(0, 3), k++) {
    if (!plan.dayFree(day)) continue;
    let start = rng.int(9 * 60, 17 * 60);
    let dr = physicianFor(ctx, hosp, hosp.added ? '肿瘤内科' : '内科');
    if (k % 2 === 0) {
      const h = bareVisit(person, hosp, '140201', day, rng.int(8 * 60, 10 * 60), dx, hosp.added ? '肿瘤内科' : '内科', dr);
      for (const name of ['普通门诊诊查费(副主任医师)', 'CT平扫(一个部位)', '血细胞分析(血常规)', '肝功能检测(套餐)']) h.lines.push({ item: item(ctx.cat, name), cnt: 1, day, minute: h.beginMin + 5 + h.lines.length * 20, dr });
      plan.add(finish(h, 10), [{ pattern: 'dual_channel', instance: inst, note_zh: '肿瘤专科复诊，开具双通道谈判药品处方' }]);
      start = h.endMin + rng.int(30, 90);
      dr = h.chfpdr;
    }
    const v = bareVisit(person, pharm, '140201', day, start, dx, '全科', pharm.physicians[0]!);
    v.lines.push({ item: drug, cnt: 1, days: 30, day, minute: start + 4, dr });
    plan.add(finish(v, 6), [{ pattern: 'dual_channel', instance: inst, note_zh: '双通道定点药店购买甲磺酸奥希替尼片（门诊特病，每月一盒30天）' }]);
  }
}
