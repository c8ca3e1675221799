import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/**
 * Ground truth of the legitimate background: `<out>/_truth/background.jsonl`, one row per instance of a pattern and
 * key it touches (a visit, a person, a physician or a provider), so `fundwatch eval` can say which legitimate
 * practice a false alert came from. Rows are streamed (a 20,000-person city writes tens of thousands).
 */
export interface PatternInfo {
  group: 'chronic' | 'cycles' | 'acute' | 'life' | 'places' | 'dispensing' | 'providers';
  label_zh: string;
}

/** Every pattern the legitimate background writes (README: data/generator/README.md, 合法背景). */
export const PATTERNS = {
  chronic_special_outpatient: { group: 'chronic', label_zh: '门诊慢特病复诊取药（140104，4–12周）' },
  long_prescription: { group: 'chronic', label_zh: '长期处方（普通门诊开具4–12周用量）' },
  pharmacy_outside_rx: { group: 'chronic', label_zh: '凭医院外配处方到药店按月购药' },
  dual_channel: { group: 'chronic', label_zh: '双通道谈判药品定点药店按月购药（140201）' },
  early_refill: { group: 'chronic', label_zh: '余药未尽提前续方' },
  holiday_stockup: { group: 'chronic', label_zh: '长假前开足2–3个月用量' },
  dose_change: { group: 'chronic', label_zh: '调整剂量后重新开方' },
  internet_followup: { group: 'chronic', label_zh: '互联网医院复诊续方（异地三级医院，配送或处方流转到本地药店取药）' },
  dialysis: { group: 'cycles', label_zh: '维持性血液透析每周三次（140201）' },
  chemo_cycle: { group: 'cycles', label_zh: '肿瘤化疗/免疫治疗按周期住院' },
  staged_surgery: { group: 'cycles', label_zh: '分期手术（第二只眼白内障、第二侧膝关节、分次PCI）' },
  emergency_readmission: { group: 'acute', label_zh: '出院后病情反复再次入院（多经急诊）' },
  same_day_transfer: { group: 'acute', label_zh: '当日转院（上转/下转康复）' },
  holiday_break: { group: 'acute', label_zh: '春节等长假前出院、节后再入院' },
  emergency_admission: { group: 'acute', label_zh: '急诊就诊后收入院' },
  icu_stay: { group: 'acute', label_zh: '重症监护（ICU）住院' },
  ecmo: { group: 'acute', label_zh: 'ECMO体外膜肺氧合救治' },
  joint_replacement: { group: 'acute', label_zh: '人工膝关节置换' },
  long_rehab: { group: 'acute', label_zh: '脑卒中后长期康复住院' },
  h_pylori_course: { group: 'acute', label_zh: '幽门螺杆菌铋剂四联疗法14天' },
  death_in_hospital: { group: 'acute', label_zh: '院内死亡，家属次日后办理结算' },
  antenatal_care: { group: 'life', label_zh: '孕期产前检查' },
  delivery: { group: 'life', label_zh: '分娩住院' },
  newborn_on_mother_bill: { group: 'life', label_zh: '母婴同室新生儿费用记入母亲住院结算' },
  newborn_care: { group: 'life', label_zh: '新生儿（窗口内出生）黄疸光疗住院' },
  sex_specific_care: { group: 'life', label_zh: '性别专科诊疗（前列腺、男科、妇科检查）' },
  childrens_hospital: { group: 'providers', label_zh: '儿童专科医院' },
  oncology_hospital: { group: 'providers', label_zh: '肿瘤专科医院' },
  commuter: { group: 'places', label_zh: '跨市通勤人员两地就医' },
  mobile_pay_later: { group: 'places', label_zh: '医保移动支付，离院后结算' },
  unit_dose_pharmacy: { group: 'dispensing', label_zh: '药店拆零销售（同一盒追溯码分次销售）' },
  unit_dose_ward: { group: 'dispensing', label_zh: '住院药房拆零摆药（同一盒追溯码跨日使用）' },
  refund_resale: { group: 'dispensing', label_zh: '退费冲销后同一盒药再次销售' },
  pharmacy_morning_queue: { group: 'dispensing', label_zh: '药店医保日早间排队结算' },
  shift_posting: { group: 'dispensing', label_zh: '透析中心按班次集中记账' },
  ward_batch_posting: { group: 'dispensing', label_zh: '病区定时批量计费（床位护理零点、摆药定时）' },
  seven_day_hospital: { group: 'providers', label_zh: '医院周末及节假日照常门诊' },
  tertiary_case_mix: { group: 'providers', label_zh: '三级医院危重病例多（MCC/CC占比高）' },
  new_pooling_pharmacy: { group: 'providers', label_zh: '药店窗口期内新纳入门诊统筹' },
  new_clinic: { group: 'providers', label_zh: '窗口期内新开业定点诊所' },
} as const satisfies Record<string, PatternInfo>;

export type PatternId = keyof typeof PATTERNS;

export interface TagKeys {
  psn_no?: string | null;
  fixmedins_code?: string | null;
  bilg_dr_codg?: string | null;
  mdtrt_id?: string | null;
  setl_id?: string | null;
}

export class BackgroundTags {
  private stream: WriteStream;
  private buf: string[] = [];
  private bufLen = 0;
  private seq = 0;
  private instances = new Map<string, number>();
  private written = new Set<string>();
  /** Rows and instances (with at least one row) per pattern (the generator's summary). */
  readonly counts: Record<string, { instances: number; rows: number }> = {};

  constructor(outDir: string) {
    mkdirSync(join(outDir, '_truth'), { recursive: true });
    this.stream = createWriteStream(join(outDir, '_truth', 'background.jsonl'));
  }

  /** A new instance id of `pattern` (e.g. `dialysis-0003`). */
  instance(pattern: PatternId): string {
    const n = (this.instances.get(pattern) ?? 0) + 1;
    this.instances.set(pattern, n);
    return `${pattern}-${String(n).padStart(4, '0')}`;
  }

  add(pattern: PatternId, instance: string, note_zh: string, keys: TagKeys): void {
    const info = PATTERNS[pattern];
    const c = (this.counts[pattern] ??= { instances: 0, rows: 0 });
    c.rows++;
    if (!this.written.has(instance)) {
      this.written.add(instance);
      c.instances++;
    }
    const row = {
      tag_id: `BG${String(++this.seq).padStart(7, '0')}`, pattern, group: info.group, label_zh: info.label_zh, instance, note_zh,
      psn_no: keys.psn_no ?? null, fixmedins_code: keys.fixmedins_code ?? null, bilg_dr_codg: keys.bilg_dr_codg ?? null,
      mdtrt_id: keys.mdtrt_id ?? null, setl_id: keys.setl_id ?? null,
    };
    const line = JSON.stringify(row) + '\n';
    this.buf.push(line);
    this.bufLen += line.length;
  }

  /** One provider-level row: a practice of the provider as a whole. */
  provider(pattern: PatternId, fixmedins_code: string, note_zh: string): void {
    this.add(pattern, this.instance(pattern), note_zh, { fixmedins_code });
  }

  async maybeFlush(): Promise<void> {
    if (this.bufLen >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.buf.length) return;
    const chunk = this.buf.join('');
    this.buf = [];
    this.bufLen = 0;
    if (!this.stream.write(chunk)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}
