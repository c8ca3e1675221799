import { item } from '../catalog.ts';
import type { GenContext } from '../context.ts';
import type { Person } from '../population.ts';
import type { Provider } from '../providers.ts';
import type { VisitSpec } from '../sink.ts';
import { inpatientStay, outpatientVisit } from '../visits.ts';
import { adult, emit, hospital, regionCode, workday } from './common.ts';

/** 异常高额费用: single stays around 150,000 yuan, persons far above peers, a month far above one's own baseline. */
const F = 'high_cost';

/** A stay whose total is exactly `totalFen`, topped up with an implant consumable line. */
export function stayOfTotal(ctx: GenContext, p: Person, prov: Provider, day: number, totalFen: number, dx = 'S72.000'): VisitSpec {
  const s = inpatientStay(ctx, p, prov, day, { dx, los: 12 });
  const sum = s.lines.reduce((a, l) => a + Math.round(l.cnt * (l.price ?? l.item.price)), 0);
  if (sum >= totalFen) throw new Error('stayOfTotal: base stay already above target');
  s.lines.push({ item: item(ctx.cat, '人工髋关节假体(套)'), cnt: 1, price: totalFen - sum, day: day + 1, minute: 9 * 60 + 45, dr: s.chfpdr });
  return s;
}

export async function plantHighCost(ctx: GenContext): Promise<void> {
  const { truth, cal } = ctx;
  const D = cal.days;
  const employee = (p: Person) => p.insutype === '310';
  for (let k = 0; k < ctx.casesPerDetector; k++) {
    const r = regionCode(ctx, k);
    const h3 = hospital(ctx, r, 3);
    for (const [total, expect] of [[15_200_000 + k * 123_456, 'alert'], [14_950_000, 'no_alert']] as const) {
      const e = await emit(ctx, stayOfTotal(ctx, adult(ctx, r, employee), h3, workday(ctx, 0, D - 15), total));
      truth.add('high_cost_single_stay', F, 'visit', expect, expect === 'alert' ? '单次住院超15万' : '单次住院略低于15万', { mdtrt_id: e.mdtrt_id }, `单次住院费用${(total / 100).toFixed(2)}元（阈值150,000元）`);
    }
    // high_cost_peer_outlier: three stays of ~120,000 yuan each (each below the single-stay line).
    const p = adult(ctx, r, employee);
    // At tertiary hospitals (a 120,000-yuan I20 stay at a secondary one made it a cost_per_stay_peer outlier),
    // admissions ≥ 31 days apart so the 12-day stays are no split hospitalisation; two stays in windows < 79 days.
    const gap = Math.max(31, Math.floor((D - 20) / 3));
    const n = Math.min(3, 1 + Math.floor((D - 17) / gap));
    for (let i = 0; i < n; i++) await emit(ctx, stayOfTotal(ctx, p, hospital(ctx, r, 3, i), i * gap + ctx.rng.int(0, 3), 12_000_000 + i * 77_700, 'I20.000'));
    truth.add('high_cost_peer_outlier', F, 'person', 'alert', '年度费用远超同类人群', { psn_no: p.psn_no }, `12个月内${n}次住院合计约${n * 12}万元，远高于同年龄段参保人`);
    const q = adult(ctx, r, employee);
    await emit(ctx, inpatientStay(ctx, q, hospital(ctx, r, 2, k), workday(ctx, 0, D - 15), { dx: 'J18.900', los: 8 }));
    truth.add('high_cost_peer_outlier', F, 'person', 'no_alert', '一次普通住院', { psn_no: q.psn_no }, '一次普通肺炎住院，费用在同类人群正常范围');
    // high_cost_own_baseline: monthly chronic visits, then one month with a 60,000 yuan stay. The detector needs
    // 5 earlier active months (min_baseline_months), so the spike is planted only in windows of 6+ months.
    const months = Math.max(3, Math.floor(D / 30));
    if (months >= 6) {
      const b = adult(ctx, r, (x) => employee(x) && x.age >= 45);
      const spikeMonth = months - 1;
      for (let m = 0; m < months; m++) {
        const d = Math.min(D - 2, m * 30 + 3);
        await emit(ctx, outpatientVisit(ctx, b, hospital(ctx, r, 1, k), d, '140104', 'I10.x00'));
        if (m === spikeMonth) await emit(ctx, stayOfTotal(ctx, b, h3, Math.min(D - 14, d + 2), 6_000_000, 'I20.000'));
      }
      truth.add('high_cost_own_baseline', F, 'person', 'alert', '当月费用远超本人基线', { psn_no: b.psn_no }, '每月约数百元慢病门诊，某月突增至6万余元');
    } else {
      truth.skip('high_cost_own_baseline', `窗口仅${D}天：本人基线需要此前至少5个有费用的月份 (min_baseline_months 5), 至少180天 — only the look-alike is planted`);
    }
    const c = adult(ctx, r, (x) => employee(x) && x.age >= 45);
    for (let m = 0; m < months; m++) {
      const d = Math.min(D - 2, m * 30 + 5);
      const v = outpatientVisit(ctx, c, hospital(ctx, r, 1, k), d, '140104', 'I10.x00');
      await emit(ctx, v);
    }
    truth.add('high_cost_own_baseline', F, 'person', 'no_alert', '费用平稳', { psn_no: c.psn_no }, '每月慢病门诊费用平稳');
  }
}
