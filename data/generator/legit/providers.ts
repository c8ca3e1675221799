import type { GenContext } from '../context.ts';
import { physicians, REGIONS, type Provider, type ProviderKind } from '../providers.ts';
import type { Rng } from '../rng.ts';

/**
 * Providers the legitimate background adds to the city: a children's and an oncology hospital in the largest
 * region (专科医院: their case mix differs from every general hospital of their level), and in every region a clinic
 * that becomes a designated provider inside the window (新增定点) and a pharmacy that joins outpatient pooling
 * (门诊统筹 extended to retail pharmacies, 2023 onwards) — before that day it settles employees' personal-account
 * purchases only. The contract has no opening or pooling date for a provider, so these exist only in the data's
 * shape (no settlements before the day; a jump in residents' purchases after it).
 *
 * Planted scenarios never use these providers (`Provider.added`, `providersOf`).
 */
export function addLegitProviders(ctx: GenContext, rng: Rng, persons: number): void {
  const scale = Math.max(1, Math.round(persons / 20000));
  const D = ctx.cal.days;
  const docSeq = { n: 900000 };
  for (const region of REGIONS) {
    let seq = ctx.providers.filter((p) => p.admdvs === region.admdvs).length;
    const city = region.name.replace('市', '');
    const add = (kind: ProviderKind, tier: number, hosp_lv: string, name: string, docs: number, depts: string[], extra: Partial<Provider>) => {
      seq++;
      const p: Provider = {
        code: `${kind === 'pharmacy' ? 'P' : 'H'}${region.admdvs}${String(seq).padStart(5, '0')}`,
        name, kind, hosp_lv, tier, admdvs: region.admdvs,
        lat: Math.round((region.lat + rng.normal(0, 4 / 111)) * 1e5) / 1e5,
        lon: Math.round((region.lon + rng.normal(0, 4 / 96)) * 1e5) / 1e5,
        physicians: physicians(rng, region.admdvs, docSeq, tier, docs, depts),
        ...extra,
      };
      ctx.providers.push(p);
      ctx.volume.set(p.code, new Uint32Array(D));
    };
    // The blood-purification centre of the region's tertiary hospital has its own nephrologists, so its batch-posted
    // charges never land on a physician a planted scenario uses.
    const centre = ctx.providers.find((p) => p.admdvs === region.admdvs && p.kind === 'hospital' && p.tier === 3 && !p.added)!;
    centre.physicians.push(...physicians(rng, region.admdvs, docSeq, 3, 2, ['肾内科']));
    for (let i = 0; i < scale; i++) {
      if (region === REGIONS[0]) {
        add('hospital', 3, '03', `${city}市儿童医院${i ? i + 1 : ''}`, 16, ['儿科', '新生儿科', '儿外科', '急诊科'], { added: 'children' });
        add('hospital', 3, '03', `${city}市肿瘤医院${i ? i + 1 : ''}`, 16, ['肿瘤内科', '胸外科', '放疗科', '内科'], { added: 'oncology' });
      }
      add('clinic', 0, '11', `${city}新城社区卫生服务站${i ? i + 1 : ''}`, 2, ['全科'], { added: 'new_clinic', openDay: Math.floor(D * (0.3 + 0.3 * rng.float())) });
      add('pharmacy', 0, '11', `${city}康民大药房${i ? `第${i + 1}分店` : ''}`, 2, ['全科'], { added: 'pooling_pharmacy', poolingDay: Math.floor(D * (0.35 + 0.25 * rng.float())) });
    }
  }
}
