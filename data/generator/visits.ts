import { item, type Item } from './catalog.ts';
import { hashString } from './rng.ts';
import type { GenContext } from './context.ts';
import { CC_SECONDARY, CHRONIC_DX, INPATIENT_DX, MCC_SECONDARY, OUTPATIENT_DX, PLAIN_SECONDARY, PROCEDURE_FOR_DX, SEX_DX } from './diagnoses.ts';
import type { Person } from './population.ts';
import type { Physician, Provider } from './providers.ts';
import type { FeeSpec, VisitSpec } from './sink.ts';

/** Builders of ordinary (background) visits and stays; planted scenarios reuse and then alter them. */

const ACUTE_DRUGS: Record<string, string[]> = {
  J: ['头孢呋辛酯片', '阿莫西林胶囊', '盐酸氨溴索片', '对乙酰氨基酚片'],
  K: ['奥美拉唑肠溶胶囊', '蒙脱石散'],
  A: ['蒙脱石散'],
  M: ['布洛芬缓释胶囊'],
  R: ['对乙酰氨基酚片'],
  L: ['烟酰胺片'],
  H: ['对乙酰氨基酚片'],
  N: ['阿莫西林胶囊'],
};
export const CHRONIC_DRUGS: Record<string, string[]> = {
  'I10.x00': ['苯磺酸氨氯地平片', '缬沙坦胶囊'],
  'E11.900': ['盐酸二甲双胍片'],
  'I25.103': ['阿司匹林肠溶片', '阿托伐他汀钙片'],
  'E78.500': ['阿托伐他汀钙片'],
  'E03.900': ['左甲状腺素钠片'],
  'J44.100': ['硫酸沙丁胺醇吸入气雾剂'],
};

/**
 * The provider's price of a drug: the catalogue price × a stable factor between ~0.7 and ~1.4, so amounts
 * spread as real ones do. Not wider: one national code is one product bought on the provincial platform, and
 * a 2× price gap alone made ordinary physicians physician_rx_amount_peer outliers.
 */
export function drugPrice(prov: Provider, it: Item): number {
  if (it.kind !== 'drug') return it.price;
  const h = hashString(`${prov.code}|${it.code}`) / 4294967296;
  return Math.max(1, Math.round(it.price * Math.exp((h - 0.5) * 0.7)));
}

export function physicianFor(ctx: GenContext, prov: Provider, dept?: string): Physician {
  const docs = dept ? prov.physicians.filter((d) => d.dept === dept) : prov.physicians;
  return ctx.rng.pick(docs.length ? docs : prov.physicians);
}

function deptFor(prov: Provider, medType: string, dx: string, person: Person): string {
  if (prov.tier === 0) return '全科';
  if (medType === '13') return prov.tier >= 2 ? '急诊科' : '全科';
  if (person.age < 14 && prov.tier >= 2) return '儿科';
  if (/^(N7|N9|D25|O)/.test(dx)) return '妇产科';
  if (/^(K35|K80|S72|N20|N40|M17)/.test(dx)) return '外科';
  return prov.tier === 1 ? '全科' : '内科';
}

function consultItem(ctx: GenContext, prov: Provider): Item {
  const t = ctx.cat.consultTiers;
  if (prov.tier === 0) return t[0]!;
  const top = ctx.profiles.get(prov.code)?.topTierShare ?? (prov.tier === 3 ? 0.05 : prov.tier === 2 ? 0.02 : 0.01);
  if (ctx.rng.float() < top) return t[3]!;
  if (prov.tier === 1) return ctx.rng.weighted([[t[0]!, 0.85], [t[1]!, 0.12], [t[2]!, 0.03]]);
  return prov.tier === 3 ? ctx.rng.weighted([[t[0]!, 0.55], [t[1]!, 0.28], [t[2]!, 0.12]]) : ctx.rng.weighted([[t[0]!, 0.75], [t[1]!, 0.2], [t[2]!, 0.05]]);
}

/** Outpatient (11), emergency (13), pharmacy (41) or chronic (140104) visit on `day`. */
export function outpatientVisit(ctx: GenContext, person: Person, prov: Provider, day: number, medType: '11' | '13' | '41' | '140104', dxIn?: string): VisitSpec {
  const { rng, cat } = ctx;
  let dx = dxIn ?? (medType === '140104' ? rng.pick(CHRONIC_DX) : rng.pick(OUTPATIENT_DX));
  if (!dxIn && medType === '11' && person.age >= 18 && rng.chance(0.06)) dx = rng.pick(SEX_DX.filter((d) => d.sex === person.gend && !d.code.startsWith('O') && !d.code.startsWith('C'))).code;
  const dept = deptFor(prov, medType, dx, person);
  const dr = physicianFor(ctx, prov, dept);
  const begin = medType === '13' ? rng.int(0, 22 * 60 + 30) : rng.int(8 * 60, 17 * 60);
  const t = (k: number) => begin + 3 + k * rng.int(1, 6);
  const lines: FeeSpec[] = [];
  const profile = ctx.profiles.get(prov.code);
  if (profile?.fabricated) {
    const made = rng.pick([5800, 6600, 7500, 8800, 9500, 9900, 58000, 68000, 76000, 88000, 96000, 880]);
    lines.push({ item: item(cat, '门诊综合服务费'), cnt: 1, price: made, day, minute: t(0), dr });
  } else {
    if (medType === '11' || medType === '140104') lines.push({ item: consultItem(ctx, prov), cnt: 1, day, minute: t(0), dr });
    if (medType === '13') lines.push({ item: item(cat, '急诊诊查费'), cnt: 1, day, minute: t(0), dr });
    if (medType !== '41' && rng.chance(0.45)) lines.push({ item: item(cat, rng.pick(['血细胞分析(血常规)', '尿液分析', 'X线摄影(胸部正位)', 'B超常规检查', '常规心电图检查'])), cnt: 1, day, minute: t(1), dr });
    if (medType === '140104') {
      for (const name of CHRONIC_DRUGS[dx] ?? ['阿司匹林肠溶片']) lines.push({ item: item(cat, name), cnt: rng.int(2, 4), day, minute: t(2), dr, days: rng.pick([28, 30]) });
      if (dx === 'E11.900' && prov.tier === 3 && rng.chance(0.25)) lines.push({ item: item(cat, '司美格鲁肽注射液'), cnt: 1, day, minute: t(3), dr, days: 28 });
    } else {
      const maxDays = medType === '13' ? 3 : 7;
      const pool = ACUTE_DRUGS[dx[0]!] ?? ['对乙酰氨基酚片'];
      const n = rng.int(1, Math.min(2, pool.length));
      for (let k = 0; k < n; k++) {
        const drug = item(cat, pool[k]!);
        const cap = Math.min(maxDays, drug.maxDays ?? maxDays);
        lines.push({ item: drug, cnt: rng.int(1, 4), day, minute: t(2 + k), dr, days: rng.int(Math.min(3, cap), cap) });
      }
      if (medType !== '13' && rng.chance(0.02)) lines.push({ item: item(cat, '烟酰胺片'), cnt: 1, day, minute: t(4), dr, days: 7 });
      if ((medType === '11' || medType === '13') && rng.chance(0.3)) {
        // Outpatient infusion (门诊输液), common in Chinese primary care.
        const n = rng.int(1, 3);
        lines.push({ item: item(cat, '静脉输液'), cnt: n, day, minute: t(6), dr });
        lines.push({ item: item(cat, '氯化钠注射液'), cnt: n * rng.int(1, 2), day, minute: t(6), dr, days: n });
        if (rng.chance(0.6)) lines.push({ item: item(cat, '注射用头孢曲松钠'), cnt: n * rng.int(1, 3), day, minute: t(6), dr, days: n });
      }
      const sexDrug = /^(N7|N9|D25)/.test(dx) || dx.startsWith('N40');
      if (sexDrug && rng.chance(0.7)) {
        const kpDrug = rng.pick(ctx.cat.kp.sex_drugs.slice(0, 40).filter((d) => d.sex === person.gend));
        lines.push({ item: ctx.cat.items.get(kpDrug.codes[0]!)!, cnt: 1, day, minute: t(5), dr, days: rng.int(3, maxDays) });
      }
      if (person.age <= 12 && dx.startsWith('J') && rng.chance(0.4)) {
        const kpDrug = rng.pick(ctx.cat.kp.child_drugs.slice(0, 20));
        lines.push({ item: ctx.cat.items.get(kpDrug.codes[0]!)!, cnt: 1, day, minute: t(5), dr, days: rng.int(3, maxDays) });
      }
    }
  }
  for (const l of lines) if (l.price === undefined && l.item.kind === 'drug') l.price = drugPrice(prov, l.item);
  const end = lines.reduce((m, l) => Math.max(m, l.minute), begin) + rng.int(2, 20);
  return { person, provider: prov, medType, beginDay: day, beginMin: begin, endDay: day, endMin: end, dx, dept, chfpdr: dr, lines, setlDay: day, setlMin: end };
}

/** Secondary diagnoses: plain comorbidities, plus an MCC/CC one at the provider's share. */
export function secondaryDiagnoses(ctx: GenContext, prov: Provider, person: Person): string[] {
  const { rng } = ctx;
  const out: string[] = [];
  if (person.age >= 45 && rng.chance(0.5)) out.push(rng.pick(PLAIN_SECONDARY));
  const share = ctx.profiles.get(prov.code)?.mccShare ?? 0.2;
  if (rng.chance(share)) out.push(rng.chance(0.3) ? rng.pick(MCC_SECONDARY) : rng.pick(CC_SECONDARY));
  return out;
}

export interface StayOptions {
  dx?: string;
  los?: number;
  medType?: '21' | '28';
  beginMin?: number;
  /** Cost factor (cost outliers): 10 × (factor − 1) padded consumables a day. */
  drugFactor?: number;
}

/** Inpatient stay (21) or day surgery (28) admitted on `day`: daily bed, consult, nursing, drugs and infusion. */
export function inpatientStay(ctx: GenContext, person: Person, prov: Provider, day: number, opt: StayOptions = {}): VisitSpec {
  const { rng, cat } = ctx;
  const medType = opt.medType ?? '21';
  let dx = opt.dx ?? (medType === '28' ? rng.pick(['H25.900', 'K80.200']) : rng.pick(INPATIENT_DX));
  if (!opt.dx && medType === '21' && person.age >= 20 && person.age <= 80 && rng.chance(0.12)) {
    const sexDx = SEX_DX.filter((d) => d.sex === person.gend && (!d.code.startsWith('O') || person.age <= 42));
    dx = rng.pick(sexDx).code;
  }
  const los = medType === '28' ? 1 : opt.los ?? Math.min(25, Math.max(2, Math.round(rng.lognormal(prov.tier === 1 ? 5 : 7, 0.45))));
  const dept = deptFor(prov, medType, dx, person);
  const dr = physicianFor(ctx, prov, dept);
  const begin = opt.beginMin ?? rng.int(8 * 60, 16 * 60);
  const lines: FeeSpec[] = [];
  const proc = PROCEDURE_FOR_DX[dx];
  const profile = ctx.profiles.get(prov.code);
  const factor = (opt.drugFactor ?? 1) * (profile?.costFactor?.dx === dx ? profile.costFactor.factor : 1);
  for (let d = 0; d < los; d++) {
    const m = d === 0 ? begin + 30 : rng.int(8 * 60, 10 * 60);
    if (medType === '21') {
      lines.push({ item: item(cat, '普通病房床位费'), cnt: 1, day: day + d, minute: m, dr });
      lines.push({ item: item(cat, '住院诊查费'), cnt: 1, day: day + d, minute: m + 1, dr });
    }
    lines.push({ item: item(cat, 'Ⅱ级护理'), cnt: 1, day: day + d, minute: m + 2, dr });
    lines.push({ item: item(cat, '氯化钠注射液'), cnt: rng.int(1, 3), day: day + d, minute: m + 10, dr });
    lines.push({ item: item(cat, rng.pick(['注射用头孢曲松钠', '葡萄糖注射液'])), cnt: rng.int(1, 3), day: day + d, minute: m + 11, dr });
    lines.push({ item: item(cat, '静脉输液'), cnt: 1, day: day + d, minute: m + 12, dr });
    // Padded consumables, not drugs: a drug here would also make the physician a drug-volume outlier.
    if (factor > 1) lines.push({ item: item(cat, '一次性使用雾化器'), cnt: Math.round(10 * (factor - 1)), day: day + d, minute: m + 13, dr });
    if (d === 0 || rng.chance(0.25)) {
      for (const name of ['血细胞分析(血常规)', '肝功能检测(套餐)', '肾功能检测(套餐)', '血清电解质测定']) lines.push({ item: item(cat, name), cnt: 1, day: day + d, minute: m + 20, dr });
    }
    if (d === 0) lines.push({ item: item(cat, rng.pick(['CT平扫(一个部位)', 'X线摄影(胸部正位)', 'B超常规检查'])), cnt: 1, day, minute: m + 40, dr });
  }
  const procs: string[] = [];
  if (proc && (medType === '28' || prov.tier >= 2)) {
    procs.push(proc);
    const sd = medType === '28' ? day : day + 1;
    const surgery: Record<string, string> = {
      '47.0100': '腹腔镜阑尾切除术', '51.2300': '腹腔镜胆囊切除术', '13.4100x001': '白内障超声乳化摘除术+人工晶体植入', '81.5100': '人工全髋关节置换术',
      '36.0601': '经皮冠状动脉支架置入术', '37.2200': '经皮冠状动脉支架置入术', '60.2902': '经尿道前列腺电切术', '68.4100': '腹腔镜全子宫切除术', '73.5900': '单胎顺产接生',
    };
    lines.push({ item: item(cat, surgery[proc]!), cnt: 1, day: sd, minute: 9 * 60, dr });
    if (proc !== '73.5900') lines.push({ item: item(cat, '全身麻醉'), cnt: 1, day: sd, minute: 9 * 60 + 1, dr });
    const implant: Record<string, string> = { '81.5100': '人工髋关节假体(套)', '36.0601': '冠状动脉药物洗脱支架', '13.4100x001': '人工晶状体' };
    if (implant[proc]) lines.push({ item: item(cat, implant[proc]!), cnt: 1, day: sd, minute: 9 * 60 + 30, dr });
    lines.push({ item: item(cat, '一次性使用无菌注射器'), cnt: 4, day: sd, minute: 9 * 60 + 31, dr });
  }
  for (const l of lines) if (l.price === undefined && l.item.kind === 'drug') l.price = drugPrice(prov, l.item);
  const endDay = medType === '28' ? day : day + los;
  const endMin = medType === '28' ? 16 * 60 + rng.int(0, 60) : rng.int(9 * 60, 11 * 60);
  return {
    person, provider: prov, medType, beginDay: day, beginMin: begin, endDay, endMin, dx,
    diag: secondaryDiagnoses(ctx, prov, person), procs, dept, chfpdr: dr, lines, setlDay: endDay, setlMin: endMin + 10,
  };
}
