import type { Rng } from './rng.ts';

export interface Region {
  admdvs: string;
  name: string;
  lat: number;
  lon: number;
  weight: number;
}

/** Three neighbouring pooling regions in Hubei (荆州, 荆门, 仙桃), ~80–130 km apart. */
export const REGIONS: readonly Region[] = [
  { admdvs: '421000', name: '荆州市', lat: 30.33, lon: 112.24, weight: 0.5 },
  { admdvs: '420800', name: '荆门市', lat: 31.04, lon: 112.2, weight: 0.3 },
  { admdvs: '429004', name: '仙桃市', lat: 30.36, lon: 113.45, weight: 0.2 },
];

export type ProviderKind = 'hospital' | 'clinic' | 'pharmacy';

export interface Physician {
  code: string;
  name: string;
  dept: string;
}

export interface Provider {
  code: string;
  name: string;
  kind: ProviderKind;
  hosp_lv: string;
  /** 3 三级, 2 二级, 1 一级, 0 unrated (clinics, pharmacies). */
  tier: number;
  admdvs: string;
  lat: number;
  lon: number;
  physicians: Physician[];
  /**
   * Set on the providers only the legitimate background adds (legit/providers.ts): specialist hospitals, a clinic
   * opening and a pharmacy joining outpatient pooling inside the window. Planted scenarios never use them.
   */
  added?: 'children' | 'oncology' | 'new_clinic' | 'pooling_pharmacy';
  /** Day index from which an added provider settles at all (新增定点). */
  openDay?: number;
  /** Day index from which an added pharmacy settles residents' pooled outpatient purchases (纳入门诊统筹). */
  poolingDay?: number;
}

const DEPTS_BY_TIER: Record<number, string[]> = {
  3: ['内科', '外科', '妇产科', '儿科', '急诊科', '心血管内科', '骨科', '眼科'],
  2: ['内科', '外科', '妇产科', '儿科', '急诊科'],
  1: ['全科', '内科', '外科', '妇产科'],
  0: ['全科'],
};
const DOCTOR_SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐';
const DOCTOR_GIVEN = '建华志强晓明丽娟文斌海燕国庆春梅永红玉兰';

export function physicians(rng: Rng, admdvs: string, seq: { n: number }, tier: number, count: number, depts = DEPTS_BY_TIER[tier]!): Physician[] {
  const out: Physician[] = [];
  for (let i = 0; i < count; i++) {
    seq.n++;
    out.push({
      code: `D${admdvs}${String(seq.n).padStart(6, '0')}`,
      name: rng.pick([...DOCTOR_SURNAMES]) + rng.pick([...DOCTOR_GIVEN]) + rng.pick([...DOCTOR_GIVEN]),
      dept: depts[i % depts.length]!,
    });
  }
  return out;
}

/** Providers per region, scaled with the population (at least 1/2/5 hospitals by level, 6 clinics, 6 pharmacies). */
export function buildProviders(rng: Rng, persons: number): Provider[] {
  const scale = Math.max(1, Math.round(persons / 20000));
  const out: Provider[] = [];
  const docSeq = { n: 0 };
  for (const region of REGIONS) {
    let seq = 0;
    const city = region.name.replace('市', '');
    const place = (spreadKm: number) => ({
      lat: Math.round((region.lat + rng.normal(0, spreadKm / 111)) * 1e5) / 1e5,
      lon: Math.round((region.lon + rng.normal(0, spreadKm / 96)) * 1e5) / 1e5,
    });
    const add = (kind: ProviderKind, tier: number, hosp_lv: string, name: string, docs: number, spread: number) => {
      seq++;
      const prefix = kind === 'pharmacy' ? 'P' : 'H';
      out.push({
        code: `${prefix}${region.admdvs}${String(seq).padStart(5, '0')}`,
        name,
        kind,
        hosp_lv,
        tier,
        admdvs: region.admdvs,
        ...place(spread),
        physicians: physicians(rng, region.admdvs, docSeq, tier, docs),
      });
    };
    const towns = ['城关', '沙市', '郢城', '李埠', '弥市', '观音当', '岑河', '滩桥', '马山', '川店', '纪南', '八岭山'];
    for (let i = 0; i < scale; i++) add('hospital', 3, i % 2 === 0 ? '02' : '03', `${city}市第${i + 1}人民医院`, 40, 3);
    for (let i = 0; i < 2 * scale; i++) add('hospital', 2, i % 3 === 2 ? '06' : '05', `${city}市${['中医', '妇幼保健', '第二', '骨科', '传染病'][i % 5]}医院${i >= 5 ? i : ''}`, 20, 6);
    for (let i = 0; i < 5 * scale; i++) add('hospital', 1, '08', `${city}${towns[i % towns.length]}镇卫生院${i >= towns.length ? i : ''}`, 8, 15);
    for (let i = 0; i < 6 * scale; i++) add('clinic', 0, '11', `${city}${towns[i % towns.length]}社区卫生服务站${i >= towns.length ? i : ''}`, 2, 12);
    for (let i = 0; i < 6 * scale; i++) add('pharmacy', 0, '11', `${city}惠民大药房第${i + 1}分店`, 2, 10);
  }
  return out;
}

/** Great-circle distance in km. */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const r = Math.PI / 180;
  const dLat = (b.lat - a.lat) * r;
  const dLon = (b.lon - a.lon) * r;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}
