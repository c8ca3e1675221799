import { item } from '../catalog.ts';
import type { GenContext } from '../context.ts';
import type { FeeSpec } from '../sink.ts';
import { inpatientStay } from '../visits.ts';
import { adult, emit, hospital, regionCode, workday } from './common.ts';

/** 分解住院 / 挂床住院 / 低标准入院 scenarios. */
const F = 'admission';
const TESTS = ['CT平扫(一个部位)', '血细胞分析(血常规)', '肝功能检测(套餐)', '肾功能检测(套餐)', '血清电解质测定', 'B超常规检查', '常规心电图检查', 'X线摄影(胸部正位)'];

export async function plantAdmission(ctx: GenContext): Promise<void> {
  const { truth, cal, cat } = ctx;
  const D = cal.days;
  for (let k = 0; k < ctx.casesPerDetector; k++) {
    const r = regionCode(ctx, k);
    const h = hospital(ctx, r, 2, k);
    // split_hospitalisation: re-admitted 6 days after discharge, same hospital, same diagnosis.
    for (const [gap, expect, other] of [[6, 'alert', false], [16, 'no_alert', false], [5, 'no_alert', true]] as const) {
      const p = adult(ctx, r);
      const a = workday(ctx, 0, Math.max(1, D - 40));
      const s1 = inpatientStay(ctx, p, h, a, { dx: 'J18.900', los: 7 });
      await emit(ctx, s1);
      const again = await emit(ctx, inpatientStay(ctx, p, other ? hospital(ctx, r, 3) : h, s1.endDay + gap, { dx: 'J18.900', los: 6 }));
      truth.add('split_hospitalisation', F, 'visit', expect, expect === 'alert' ? '分解住院' : other ? '转他院再入院' : '间隔16天再入院',
        { mdtrt_id: again.mdtrt_id }, expect === 'alert' ? `出院${gap}天后同院同诊断(J18.900)再次入院` : other ? '出院5天后在另一家医院入院，不属于同院分解住院' : '出院16天后同院同诊断再入院，超过15天');
    }
    // bed_holding: 6 middle days with only bed and consult fees.
    const p = adult(ctx, r);
    const stay = inpatientStay(ctx, p, hospital(ctx, r, 1, k), workday(ctx, 0, D - 15), { dx: 'I63.900', los: 10 });
    const b0 = stay.beginDay;
    stay.lines = stay.lines.filter((l) => l.day < b0 + 2 || l.day >= b0 + 8 || l.item.name === '普通病房床位费' || l.item.name === '住院诊查费');
    const e = await emit(ctx, stay);
    truth.add('bed_holding', F, 'visit', 'alert', '挂床住院', { mdtrt_id: e.mdtrt_id }, '住院第3至8天仅收床位费和诊查费，无治疗、用药和护理');
    const q = adult(ctx, r);
    const ok = inpatientStay(ctx, q, hospital(ctx, r, 1, k), workday(ctx, 0, D - 15), { dx: 'I63.900', los: 10 });
    const q0 = ok.beginDay;
    ok.lines = ok.lines.filter((l) => l.day < q0 + 2 || l.day >= q0 + 8 || l.item.kind !== 'drug');
    const eo = await emit(ctx, ok);
    truth.add('bed_holding', F, 'visit', 'no_alert', '康复期仅护理', { mdtrt_id: eo.mdtrt_id }, '住院中期停用药物但每日有护理和输液治疗记录');

    // low_standard_admission: tests ≥ 88 % of cost, no treatment; look-alike ~70 %.
    for (const [target, expect] of [[0.88, 'alert'], [0.7, 'no_alert']] as const) {
      const x = adult(ctx, r);
      const day = workday(ctx, 0, D - 5);
      const v = inpatientStay(ctx, x, hospital(ctx, r, 1, k + 1), day, { dx: 'K29.700', los: 3 });
      const dr = v.chfpdr;
      const lines: FeeSpec[] = [];
      for (let d = 0; d < 3; d++) {
        for (const name of ['普通病房床位费', '住院诊查费', 'Ⅱ级护理']) lines.push({ item: item(cat, name), cnt: 1, day: day + d, minute: 9 * 60 + d, dr });
      }
      const base = lines.reduce((s, l) => s + l.item.price, 0);
      let tests = 0;
      let i = 0;
      while (tests / (tests + base) < target) {
        const t = item(cat, TESTS[i % TESTS.length]!);
        lines.push({ item: t, cnt: 1, day: day + (i % 3), minute: 10 * 60 + i, dr });
        tests += t.price;
        i++;
      }
      v.lines = lines;
      v.diag = [];
      const el = await emit(ctx, v);
      truth.add('low_standard_admission', F, 'visit', expect, expect === 'alert' ? '低标准入院' : '检查占比较高但未达标准',
        { mdtrt_id: el.mdtrt_id }, `慢性胃炎住院3天，检查化验费占${Math.round((tests / (tests + base)) * 100)}%，无治疗`);
    }
  }
}
