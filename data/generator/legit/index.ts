import type { GenContext } from '../context.ts';
import type { Rng } from '../rng.ts';
import { planDeath, planHpylori, planIcu } from './acute.ts';
import { planChronic, planDualChannel } from './chronic.ts';
import { planCataract, planChemo, planDialysis, planKnee, planStagedPci } from './cycles.ts';
import { planBirths, planNewborn, planPregnancy } from './life.ts';
import { planOrdinaryStays, planOrdinaryVisits } from './ordinary.ts';
import { chooseCommuters, planCommuteDays } from './places.ts';
import { PersonPlan } from './plan.ts';
import { addLegitProviders } from './providers.ts';
import type { BackgroundTags } from './tags.ts';
import { buildWorld } from './world.ts';

/**
 * The legitimate background (the default): ordinary care plus the complexity of real practice that honest data has
 * — long prescriptions, pharmacies filling hospital prescriptions, dialysis, chemotherapy cycles, transfers, ICU and
 * ECMO, births, commuters, split boxes and refunds, hospitals open at weekends, new providers. Every instance of a
 * pattern is written to `_truth/background.jsonl` (tags.ts). Planted persons are reserved afterwards and never get
 * background care; planted scenarios never use the providers added here.
 *
 * Each person's care is planned (modules in order: a death in hospital anchors the end, then pregnancy and newborn
 * care, scheduled treatment, ICU, ordinary admissions, then the visits that keep clear of stays: chronic medication,
 * commuting, ordinary outpatient care on the free days) and then written in time order.
 */
export async function writeLegitimateBackground(ctx: GenContext, rng: Rng, tags: BackgroundTags, persons: number, onProgress: (done: number) => void): Promise<void> {
  addLegitProviders(ctx, rng.fork('providers'), persons);
  const w = buildWorld(ctx, rng, tags);
  planBirths(ctx, w);
  chooseCommuters(ctx, w);
  const D = ctx.cal.days;
  const adults = ctx.people.filter((p) => !p.reserved && p.age >= 18 && p.age <= 70 && p.aid_category === '' && p.deathDay < 0);
  const ecmo = new Set<number>();
  for (let n = Math.max(1, Math.round((persons * D) / (20000 * 120))); n > 0 && adults.length; n--) ecmo.add(rng.pick(adults).idx);
  for (const person of ctx.people) {
    if (person.idx % 2000 === 0) onProgress(person.idx);
    if (person.reserved) continue;
    const first = person.birthDay ?? 0;
    const last = person.deathDay >= 0 ? Math.min(D, person.deathDay) : D;
    if (last <= first) continue;
    const plan = new PersonPlan(ctx, w, person, first, last);
    if (person.deathDay >= 0) planDeath(plan);
    planPregnancy(plan);
    planNewborn(plan);
    planDialysis(plan);
    planChemo(plan);
    planCataract(plan);
    planKnee(plan);
    planStagedPci(plan);
    planIcu(plan, ecmo.has(person.idx));
    planOrdinaryStays(plan);
    planDualChannel(plan);
    planChronic(plan);
    planHpylori(plan);
    planCommuteDays(plan);
    planOrdinaryVisits(plan);
    await plan.emit((p, e) => {
      const v = p.v;
      const drugDr = v.lines.find((l) => l.item.kind === 'drug')?.dr.code;
      for (const t of p.tags) {
        tags.add(t.pattern, t.instance, t.note_zh, {
          psn_no: person.psn_no, fixmedins_code: v.provider.code, bilg_dr_codg: t.dr ?? drugDr ?? v.chfpdr.code, mdtrt_id: e.mdtrt_id, setl_id: e.setl_id,
        });
      }
      const vol = ctx.volume.get(v.provider.code);
      if (vol && v.beginDay < vol.length) vol[v.beginDay]!++;
    });
    await tags.maybeFlush();
  }
}
