import { kpCodes, type KpCodes } from './kp.ts';

/**
 * The priced catalogue: generated drugs (23-char X codes), real KP drug and service codes, services
 * (15 digits), consumables (C…). Prices are in fen (integer cents) so money stays exact.
 */
export type ItemKind = 'drug' | 'service' | 'consumable';

export interface Item {
  code: string;
  name: string;
  kind: ItemKind;
  list_type: '101' | '102' | '201' | '301';
  /** med_chrgitm_type: 01 bed … 11 patent medicine. */
  chrgitm: string;
  /** chrgitm_lv 01 甲 / 02 乙 / 03 丙. */
  lv: '01' | '02' | '03';
  price: number; // fen
  /** Service price ceiling (fen); the catalogue price never exceeds it in background data. */
  ceiling?: number;
  ingredient?: string;
  /** med_catalog.max_days_supply */
  maxDays?: number;
  dose?: string;
  freq?: string;
}

function drugCode(atc5: string, seq: number, mfr: number): string {
  return `X${atc5}A${String(seq).padStart(3, '0')}A0010101${String(mfr).padStart(5, '0')}`;
}

const GENERATED_DRUGS: [string, string, string, number, '01' | '02' | '03', string, string, number?][] = [
  // atc5, name, ingredient, price (fen per box), lv, dose, freq, max_days_supply
  ['C08CA', '苯磺酸氨氯地平片', '氨氯地平', 1850, '01', '5mg', '每日一次', 84],
  ['A10BA', '盐酸二甲双胍片', '二甲双胍', 1290, '01', '0.5g', '每日三次', 84],
  ['C10AA', '阿托伐他汀钙片', '阿托伐他汀', 2630, '02', '20mg', '每晚一次', 84],
  ['B01AC', '阿司匹林肠溶片', '阿司匹林', 1560, '01', '100mg', '每日一次'],
  ['H03AA', '左甲状腺素钠片', '左甲状腺素', 2980, '01', '50μg', '每日一次', 84],
  ['R03AC', '硫酸沙丁胺醇吸入气雾剂', '沙丁胺醇', 2450, '01', '2揿', '必要时'],
  ['J01DC', '头孢呋辛酯片', '头孢呋辛', 2160, '01', '0.25g', '每日两次', 5],
  ['J01CA', '阿莫西林胶囊', '阿莫西林', 980, '01', '0.5g', '每日三次', 5],
  ['M01AE', '布洛芬缓释胶囊', '布洛芬', 1420, '01', '0.3g', '每日两次'],
  ['A02BC', '奥美拉唑肠溶胶囊', '奥美拉唑', 1880, '01', '20mg', '每日一次'],
  ['A07BC', '蒙脱石散', '蒙脱石', 1350, '01', '3g', '每日三次'],
  ['R05CB', '盐酸氨溴索片', '氨溴索', 1120, '02', '30mg', '每日三次'],
  ['A11HA', '烟酰胺片', '烟酰胺', 560, '02', '50mg', '每日三次'],
  ['A10BJ', '司美格鲁肽注射液', '司美格鲁肽', 47900, '02', '0.5mg', '每周一次', 28],
  ['B01AC', '硫酸氢氯吡格雷片', '氯吡格雷', 4620, '02', '75mg', '每日一次', 84],
  ['C09CA', '缬沙坦胶囊', '缬沙坦', 2870, '01', '80mg', '每日一次', 84],
  ['B05XA', '氯化钠注射液', '氯化钠', 380, '01', '250ml', '每日一次'],
  ['J01DD', '注射用头孢曲松钠', '头孢曲松', 1650, '01', '1g', '每日一次'],
  ['B05BA', '葡萄糖注射液', '葡萄糖', 420, '01', '250ml', '每日一次'],
  ['N02BE', '对乙酰氨基酚片', '对乙酰氨基酚', 650, '01', '0.5g', '必要时'],
  ['L01XE', '奥希替尼片(自费)', '奥希替尼', 510000, '03', '80mg', '每日一次', 30],
  ['L01XC', '注射用曲妥珠单抗(自费)', '曲妥珠单抗', 560000, '03', '440mg', '每三周一次'],
  // Used by the legitimate background (data/generator/legit): negotiated (国谈) and dual-channel drugs, chemotherapy,
  // dialysis, ICU and Helicobacter eradication drugs. Prices per box/vial are approximate post-negotiation / post-VBP levels.
  ['L01XE', '甲磺酸奥希替尼片', '甲磺酸奥希替尼', 498000, '02', '80mg', '每日一次', 30],
  ['L01XC', '信迪利单抗注射液', '信迪利单抗', 108000, '02', '100mg', '每三周一次'],
  ['L01XA', '注射用奥沙利铂', '奥沙利铂', 26000, '02', '50mg', '每两周一次'],
  ['L01BC', '氟尿嘧啶注射液', '氟尿嘧啶', 550, '01', '0.25g', '每两周一次'],
  ['L01CD', '注射用紫杉醇(白蛋白结合型)', '紫杉醇', 73000, '02', '100mg', '每三周一次'],
  ['L01BA', '注射用培美曲塞二钠', '培美曲塞', 19800, '02', '0.5g', '每三周一次'],
  ['L01XA', '注射用顺铂', '顺铂', 1800, '01', '10mg', '每三周一次'],
  ['B03XA', '重组人促红素注射液', '促红素', 2800, '02', '3000IU', '每周三次'],
  ['B01AB', '肝素钠注射液', '肝素', 1100, '01', '12500U', '透析时'],
  ['A02BX', '枸橼酸铋钾胶囊', '枸橼酸铋钾', 2350, '01', '0.3g', '每日两次'],
  ['J01AA', '盐酸四环素片', '四环素', 980, '01', '0.5g', '每日四次'],
  ['P01AB', '甲硝唑片', '甲硝唑', 420, '01', '0.4g', '每日三次'],
  ['J01DH', '注射用美罗培南', '美罗培南', 9800, '02', '0.5g', '每8小时一次'],
  ['B05AA', '人血白蛋白', '人血白蛋白', 38000, '02', '10g', '每日一次'],
  ['N01AX', '丙泊酚中/长链脂肪乳注射液', '丙泊酚', 5200, '02', '0.2g', '持续泵入'],
  ['C09DX', '沙库巴曲缬沙坦钠片', '沙库巴曲缬沙坦', 8900, '02', '100mg', '每日两次', 84],
  ['A10AB', '门冬胰岛素注射液', '门冬胰岛素', 4300, '02', '300U', '每日三次', 84],
];

export interface Catalog {
  items: Map<string, Item>;
  byName: Map<string, Item>;
  kp: KpCodes;
  /** Outpatient diagnosis-consult tiers (one item family: same 11-digit code stem, price rising). */
  consultTiers: Item[];
}

function svc(code: string, name: string, chrgitm: string, price: number, lv: '01' | '02' | '03' = '01', ceilingFactor = 1.15): Item {
  return { code, name, kind: 'service', list_type: '201', chrgitm, lv, price, ceiling: Math.round((price * ceilingFactor) / 100) * 100 };
}

export function buildCatalog(): Catalog {
  const kp = kpCodes();
  const items = new Map<string, Item>();
  const add = (i: Item) => {
    if (items.has(i.code)) throw new Error(`duplicate catalogue code ${i.code}`);
    items.set(i.code, i);
  };
  GENERATED_DRUGS.forEach(([atc, name, ing, price, lv, dose, freq, maxDays], i) =>
    add({ code: drugCode(atc, 100 + i, 10001 + i * 37), name, kind: 'drug', list_type: '101', chrgitm: '09', lv, price, ingredient: ing, dose, freq, maxDays }),
  );
  // Real codes of knowledge-point drugs: price by name hash so it is stable.
  const kpDrug = (name: string, code: string, base: number) => {
    if (items.has(code)) return;
    const chrgitm = code.startsWith('Z') ? '11' : '09';
    add({ code, name, kind: 'drug', list_type: '101', chrgitm, lv: '02', price: base, ingredient: name, dose: '1片', freq: '每日两次' });
  };
  for (const p of kp.sex_drugs.slice(0, 40)) kpDrug(p.name, p.codes[0]!, 3680);
  for (const p of kp.child_drugs.slice(0, 20)) kpDrug(p.name, p.codes[0]!, 2450);
  for (const p of kp.insurance_drugs) kpDrug(p.name, p.codes[0]!, 8800);
  for (const p of kp.care_setting_drugs.slice(0, 10)) kpDrug(p.name, p.codes[0]!, 12600);
  for (const p of kp.level_drugs.slice(0, 10)) kpDrug(p.name, p.codes[0]!, 5400);
  for (const p of kp.course_drugs.slice(0, 6)) kpDrug(p.name, p.codes[0]!, 6800);

  // Services: real national codes where the KP lists name them, generated 15-digit codes otherwise.
  const consultTiers = [
    svc('001102000010000', '普通门诊诊查费', '02', 1000),
    svc('001102000010100', '普通门诊诊查费(副主任医师)', '02', 2000),
    svc('001102000010200', '普通门诊诊查费(主任医师)', '02', 3000),
    svc('001102000010300', '普通门诊诊查费(知名专家)', '02', 5000),
  ];
  consultTiers.forEach(add);
  [
    svc('001102000030000', '急诊诊查费', '02', 1500),
    svc('001102000050000', '住院诊查费', '02', 1200),
    svc('001109000010000', '普通病房床位费', '01', 4500),
    svc('001201000040000', 'Ⅱ级护理', '07', 2400),
    svc('002501010010000', '血细胞分析(血常规)', '04', 2000),
    svc('002502010040000', '尿液分析', '04', 1000),
    svc('002503010010000', '肝功能检测(套餐)', '04', 6000),
    svc('002503010020000', '肾功能检测(套餐)', '04', 4500),
    svc('002503030010000', '血清电解质测定', '04', 3000),
    svc('002101990010000', 'X线摄影(胸部正位)', '03', 6000),
    svc('002102010010000', 'CT平扫(一个部位)', '03', 18000),
    svc('002201010010000', 'B超常规检查', '03', 8000),
    svc('003101010010000', '常规心电图检查', '03', 2500),
    svc('001203000010000', '静脉输液', '05', 1000),
    svc('001202990010000', '肌肉注射', '05', 400),
    svc('003101020010000', '雾化吸入', '05', 800),
    svc('001203000020000', '换药(中)', '05', 2500),
    svc('003302000010000', '全身麻醉', '06', 120000),
    svc('003310000010000', '腹腔镜阑尾切除术', '06', 260000),
    svc('003310000020000', '腹腔镜胆囊切除术', '06', 320000),
    svc('003304000010000', '白内障超声乳化摘除术+人工晶体植入', '06', 250000),
    svc('003314990010000', '人工全髋关节置换术', '06', 580000),
    svc('003204000010000', '经皮冠状动脉支架置入术', '06', 450000),
    svc('003311000010000', '经尿道前列腺电切术', '06', 290000),
    svc('003313000010000', '腹腔镜全子宫切除术', '06', 330000),
    svc('003313000020000', '单胎顺产接生', '06', 120000),
    svc('002503020030000', '糖化血红蛋白测定', '04', 6000),
    svc('003402000050000', '手功能评定', '05', 3500),
    svc('003402000250000', '手功能训练', '05', 4000),
    svc('003402000220000', '轮椅功能训练', '05', 3000),
    svc('001103000010000', '急诊监护费', '05', 12000),
    // Legitimate background: real national codes (NHSA knowledge-point lists name them) where known, else generated.
    svc('003110000060000', '血液透析', '05', 40000),
    svc('003110000110000', '连续性血液净化', '05', 10000),
    svc('003106030010000', '呼吸机辅助呼吸', '05', 1500),
    svc('003107010220000', '心电监测', '05', 800),
    svc('003308030250000', '体外人工膜肺(ECOM)', '05', 20000),
    svc('001201000020000', '特级护理', '07', 20000),
    svc('001109000030100', '重症监护病房床位费', '01', 15000),
    svc('001201000070000', '新生儿护理', '07', 3000),
    svc('003112020090000', '新生儿兰光治疗', '05', 800),
    svc('003112020110000', '新生儿经皮胆红素测定', '04', 1000),
    svc('001102990010000', '互联网复诊诊查费', '02', 1000),
    svc('002503990010000', '动脉血气分析', '04', 8000),
    svc('003402990010000', '运动疗法', '05', 6000),
    svc('003402990020000', '偏瘫肢体综合训练', '05', 5000),
    svc('003402990030000', '作业疗法', '05', 4000),
    svc('004100990010000', '针刺', '05', 3000),
    svc('003314990020000', '人工全膝关节置换术', '06', 580000),
    svc('003313990010000', '剖宫产术', '06', 180000),
    svc('003302990010000', '椎管内麻醉', '06', 60000),
  ].forEach(add);
  add({ code: '001199000990000', name: '门诊综合服务费', kind: 'service', list_type: '201', chrgitm: '05', lv: '01', price: 5000 });
  assertNoCollision(items, kp);
  for (const s of kp.sex_services.slice(0, 30)) if (!items.has(s.code)) add(svc(s.code, s.name, '03', 9000));
  for (const s of kp.child_services.slice(0, 10)) if (!items.has(s.code)) add(svc(s.code, s.name, '05', 3000));
  for (const s of kp.surgery_groups.slice(0, 12)) if (!items.has(s.code)) add(svc(s.code, s.name, '06', 300000, '01', 1));
  [
    { code: 'C0301010100000000123', name: '一次性使用输液器', price: 350 },
    { code: 'C0302020200000000456', name: '一次性使用无菌注射器', price: 120 },
    { code: 'C0201030300000000789', name: '医用脱脂纱布块', price: 560 },
    { code: 'C0604010100000005678', name: '一次性使用雾化器', price: 1650 },
    { code: 'C0703040400000001234', name: '人工髋关节假体(套)', price: 2680000 },
    { code: 'C0201050500000002345', name: '冠状动脉药物洗脱支架', price: 780000 },
    { code: 'C1401060600000003456', name: '人工晶状体', price: 320000 },
    { code: 'C1001010100000001111', name: '血液透析器', price: 15000 },
    { code: 'C1001020200000002222', name: '血液透析管路', price: 6000 },
    { code: 'C1001030300000005555', name: '血液净化滤器管路套装', price: 180000 },
    { code: 'C0703050500000003333', name: '人工膝关节假体(套)', price: 550000 },
    { code: 'C0901010100000004444', name: '膜式氧合器套包', price: 4200000 },
  ].forEach((c) => add({ ...c, kind: 'consumable', list_type: '301', chrgitm: '08', lv: c.price > 100000 ? '02' : '01' }));
  const byName = new Map<string, Item>();
  for (const i of items.values()) if (!byName.has(i.name)) byName.set(i.name, i);
  return { items, byName, kp, consultTiers };
}

/** Generated codes must not be real knowledge-point codes of another item (that would plant cases by accident). */
function assertNoCollision(items: Map<string, Item>, kp: KpCodes): void {
  const named = new Map<string, string>();
  for (const l of [kp.sex_services, kp.child_services, kp.surgery_groups, kp.daily_frequency, kp.course_services, kp.period_services]) for (const x of l) named.set(x.code, x.name);
  for (const p of kp.duplicate_pairs) {
    named.set(p.main, p.main_name);
    named.set(p.sub, p.sub_name);
  }
  for (const i of items.values()) {
    const real = named.get(i.code);
    if (real !== undefined && real !== i.name && !real.startsWith(i.name.replace(/\(.*$/, ''))) throw new Error(`generated code ${i.code} (${i.name}) is the knowledge-point code of ${real}`);
  }
}

export function item(cat: Catalog, name: string): Item {
  const i = cat.byName.get(name);
  if (!i) throw new Error(`catalogue has no item named ${name}`);
  return i;
}

/** med_catalog rows: every item, with the service ceiling and the drugs' max days of supply. */
export function medCatalogRows(cat: Catalog): Item[] {
  return [...cat.items.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}
