import { item } from '../catalog.ts';
import type { GenContext } from '../context.ts';
import type { Person } from '../population.ts';
import type { Physician, Provider } from '../providers.ts';
import type { VisitSpec } from '../sink.ts';
import { outpatientVisit } from '../visits.ts';
import { adult, clinic, emit, hospital, pharmacy, Pool, regionCode, workday } from './common.ts';

/** 超量/重复开药 and 追溯码 scenarios, plus the physician-level prescription patterns. */
const F = 'prescription';

function withDrug(ctx: GenContext, p: Person, prov: Provider, day: number, medType: '11' | '13' | '140104' | '41', dx: string, drug: string, cnt: number, days: number, dr?: Physician): VisitSpec {
  const v = outpatientVisit(ctx, p, prov, day, medType, dx);
  const d = dr ?? v.chfpdr;
  v.chfpdr = d;
  v.lines = v.lines.filter((l) => l.item.kind !== 'drug').map((l) => ({ ...l, dr: d }));
  v.lines.push({ item: item(ctx.cat, drug), cnt, day, minute: v.beginMin + 5, dr: d, days });
  return v;
}

export async function plantPrescription(ctx: GenContext): Promise<void> {
  const { truth, cal } = ctx;
  const D = cal.days;
  for (let k = 0; k < ctx.casesPerDetector; k++) {
    const r = regionCode(ctx, k);
    // oversized_days_supply: 30 days outpatient, 5 days emergency, 90 days chronic; look-alikes at 7 / 3 / 84.
    const cases: [ '11' | '13' | '140104', string, string, number, number][] = [
      ['11', 'M54.500', '布洛芬缓释胶囊', 30, 7],
      ['13', 'R50.900', '对乙酰氨基酚片', 5, 3],
      ['140104', 'I25.103', '阿司匹林肠溶片', 90, 84],
    ];
    const [mt, dx, drug, bad, edge] = cases[k % 3]!;
    const prov = mt === '140104' ? hospital(ctx, r, 1, k) : hospital(ctx, r, 2, k);
    const e = await emit(ctx, withDrug(ctx, adult(ctx, r), prov, workday(ctx, 0, D), mt, dx, drug, Math.ceil(bad / 10), bad));
    truth.add('oversized_days_supply', F, 'visit', 'alert', '超量开药', { mdtrt_id: e.mdtrt_id }, `医疗类别${mt}处方${drug}周期${bad}天，超过限定`);
    const ok = await emit(ctx, withDrug(ctx, adult(ctx, r), prov, workday(ctx, 0, D), mt, dx, drug, Math.ceil(edge / 10), edge));
    truth.add('oversized_days_supply', F, 'visit', 'no_alert', '处方天数在限内', { mdtrt_id: ok.mdtrt_id }, `医疗类别${mt}处方${drug}周期${edge}天，恰在限定之内`);

    // overlapping_refills: 28-day supplies of amlodipine every 6 days at 4 providers.
    const p = adult(ctx, r);
    const start = workday(ctx, 0, Math.max(1, D - 40));
    const provs = [hospital(ctx, r, 1, k), hospital(ctx, r, 2, k), hospital(ctx, r, 3), hospital(ctx, r, 1, k + 1)];
    for (let i = 0; i < 5 && start + i * 6 < D; i++) await emit(ctx, withDrug(ctx, p, provs[i % 4]!, start + i * 6, '140104', 'I10.x00', '苯磺酸氨氯地平片', 2, 28));
    truth.add('overlapping_refills', F, 'person', 'alert', '跨机构重复开药', { psn_no: p.psn_no }, '6天内在不同机构反复开具28天量氨氯地平，累计供药天数远超经过天数');
    const q = adult(ctx, r);
    const qs = workday(ctx, 0, Math.max(1, D - 80));
    for (let i = 0; i < 4 && qs + i * 26 < D; i++) await emit(ctx, withDrug(ctx, q, provs[i % 2]!, qs + i * 26, '140104', 'I10.x00', '苯磺酸氨氯地平片', 2, 28));
    truth.add('overlapping_refills', F, 'person', 'no_alert', '提前两天续方', { psn_no: q.psn_no }, '每26天续开28天量，正常提前续方');

    // duplicate_trace_code: the same box sold again at another pharmacy; look-alike: sale reversed then resold.
    const a = adult(ctx, r);
    const b = adult(ctx, r);
    const d1 = workday(ctx, 0, D - 10);
    const first = await emit(ctx, withDrug(ctx, a, pharmacy(ctx, r, k), d1, '41', 'J06.900', '盐酸氨溴索片', 1, 5));
    const again = withDrug(ctx, b, pharmacy(ctx, r, k + 1), d1 + ctx.rng.int(2, 8), '41', 'J06.900', '盐酸氨溴索片', 1, 5);
    again.lines[again.lines.length - 1]!.trace = [first.trace[0]!];
    const e2 = await emit(ctx, again);
    truth.add('duplicate_trace_code', F, 'visit', 'alert', '追溯码重复销售', { mdtrt_id: e2.mdtrt_id }, '同一药品追溯码在两家药店各结算一次（回流药嫌疑）');
    const c = adult(ctx, r);
    const d2 = workday(ctx, 0, D - 10);
    const sold = withDrug(ctx, c, pharmacy(ctx, r, k), d2, '41', 'K29.700', '奥美拉唑肠溶胶囊', 1, 7);
    sold.reversed = true;
    const s1 = await emit(ctx, sold);
    const resold = withDrug(ctx, adult(ctx, r), pharmacy(ctx, r, k), d2 + 1, '41', 'K29.700', '奥美拉唑肠溶胶囊', 1, 7);
    resold.lines[resold.lines.length - 1]!.trace = [s1.trace[0]!];
    const s2 = await emit(ctx, resold);
    truth.add('duplicate_trace_code', F, 'visit', 'no_alert', '退货后再售', { mdtrt_id: s2.mdtrt_id }, '首次销售已冲销退货，同一盒药再次销售只计一次');

    // over_catalog_max_supply: cefuroxime 7 days against a catalogue maximum of 5; look-alike 5 days.
    const oc = await emit(ctx, withDrug(ctx, adult(ctx, r), clinic(ctx, r, k), workday(ctx, 0, D), '11', 'J20.900', '头孢呋辛酯片', 2, 7));
    truth.add('over_catalog_max_supply', F, 'visit', 'alert', '超目录最大供药天数', { mdtrt_id: oc.mdtrt_id }, '头孢呋辛酯片开药7天，超过目录最大供药天数5天');
    const sg = await emit(ctx, withDrug(ctx, adult(ctx, r), hospital(ctx, r, 3), workday(ctx, 0, D), '140104', 'E11.900', '司美格鲁肽注射液', 2, 56));
    truth.add('over_catalog_max_supply', F, 'visit', 'alert', '超目录最大供药天数', { mdtrt_id: sg.mdtrt_id }, '司美格鲁肽注射液开药56天，超过目录最大供药天数28天');
    const oe = await emit(ctx, withDrug(ctx, adult(ctx, r), clinic(ctx, r, k), workday(ctx, 0, D), '11', 'J20.900', '头孢呋辛酯片', 1, 5));
    truth.add('over_catalog_max_supply', F, 'visit', 'no_alert', '恰为最大供药天数', { mdtrt_id: oe.mdtrt_id }, '头孢呋辛酯片开药5天，等于目录上限');
  }
  await plantPhysicianPatterns(ctx);
}

/** Physician-level: nicotinamide volume, oversized-prescription rate, prescription amount for one diagnosis. */
async function plantPhysicianPatterns(ctx: GenContext): Promise<void> {
  const { truth, cal, rng } = ctx;
  const D = cal.days;
  for (let k = 0; k < ctx.casesPerDetector; k++) {
    const r = regionCode(ctx, k);
    const pool = new Pool(ctx, r, 40);
    const prov = hospital(ctx, r, 1, k + 2);
    const [dr, drOk, drOver, drOverOk, drAmt, drAmtOk] = [0, 1, 2, 3, 4, 5].map((i) => prov.physicians[i % prov.physicians.length]!) as Physician[];
    // physician_drug_volume: 60 visits × 60 boxes of nicotinamide (background: ~2 % of visits, 1 box).
    for (let i = 0; i < 60; i++) {
      const day = workday(ctx, 0, D);
      await emit(ctx, withDrug(ctx, pool.take(day), prov, day, '11', 'L30.900', '烟酰胺片', 60, 7, dr));
    }
    truth.add('physician_drug_volume', F, 'physician', 'alert', '烟酰胺异常高量', { fixmedins_code: prov.code, bilg_dr_codg: dr!.code }, '该医师烟酰胺片开具量约为同类医师平均的数百倍');
    // The same physician's dermatitis prescriptions are ~6× the peer amount per visit: physician_rx_amount_peer fires too.
    truth.add('physician_rx_amount_peer', F, 'physician', 'alert', '烟酰胺处方次均金额畸高', { fixmedins_code: prov.code, bilg_dr_codg: dr!.code }, '皮炎(L30.900)每次处方烟酰胺60盒，次均处方金额约为同类医师的10倍以上');
    for (let i = 0; i < 6; i++) {
      const day = workday(ctx, 0, D);
      await emit(ctx, withDrug(ctx, pool.take(day), prov, day, '11', 'L30.900', '烟酰胺片', 1, 7, drOk));
    }
    truth.add('physician_drug_volume', F, 'physician', 'no_alert', '烟酰胺常规用量', { fixmedins_code: prov.code, bilg_dr_codg: drOk!.code }, '该医师烟酰胺片用量略高于平均，在正常波动范围');
    // physician_oversized_rate: 24 of 40 prescriptions at 15 days; look-alike 1 of 40.
    for (const [doc, bad, lookalike] of [[drOver!, 24, false], [drOverOk!, 1, true]] as const) {
      for (let i = 0; i < 40; i++) {
        const day = workday(ctx, 0, D);
        const days = i < bad ? 15 : rng.int(3, 7);
        const e = await emit(ctx, withDrug(ctx, pool.take(day), prov, day, '11', 'M54.500', '布洛芬缓释胶囊', days > 7 ? 3 : 1, days, doc));
        if (days > 7) truth.add('oversized_days_supply', F, 'visit', 'alert', '医师超量处方', { mdtrt_id: e.mdtrt_id }, '门诊处方布洛芬15天，超过7天');
      }
      truth.add('physician_oversized_rate', F, 'physician', lookalike ? 'no_alert' : 'alert', lookalike ? '偶发超量处方' : '医师超量处方率高', { fixmedins_code: prov.code, bilg_dr_codg: doc.code },
        lookalike ? '40张处方中1张超量，与同类医师相当' : '40张处方中24张超过7天，远高于同类医师');
    }
    // physician_rx_amount_peer: gastritis prescriptions of 40 boxes of omeprazole (~750 yuan a visit, peers' median
    // ~80 with infusions; the physician's own ordinary gastritis visits dilute the mean); look-alike 6 boxes (~1.4×
    // the median). 30 × 40 boxes stays far below physician_drug_volume's 30× the peer volume.
    for (const [doc, boxes, lookalike] of [[drAmt!, 40, false], [drAmtOk!, 6, true]] as const) {
      for (let i = 0; i < 30; i++) {
        const day = workday(ctx, 0, D);
        await emit(ctx, withDrug(ctx, pool.take(day), prov, day, '11', 'K29.700', '奥美拉唑肠溶胶囊', boxes, 7, doc));
      }
      truth.add('physician_rx_amount_peer', F, 'physician', lookalike ? 'no_alert' : 'alert', lookalike ? '处方金额正常' : '单病种处方金额畸高', { fixmedins_code: prov.code, bilg_dr_codg: doc.code },
        lookalike ? '胃炎处方每次6盒奥美拉唑，次均金额略高于同类医师（不足2倍）' : '胃炎(K29.700)每次处方40盒奥美拉唑，次均金额数倍于同类医师');
    }
  }
}
