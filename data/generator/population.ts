import type { Rng } from './rng.ts';
import { makeCertno, makeName } from './ids.ts';
import { REGIONS } from './providers.ts';

export type AidCategory = '' | 'extreme_poverty' | 'subsistence' | 'near_subsistence' | 'monitored' | 'poverty_alleviated';

export interface Person {
  idx: number;
  psn_no: string;
  certno: string;
  psn_name: string;
  gend: '1' | '2';
  brdy: string;
  /** Age in whole years at the start date. */
  age: number;
  insutype: '310' | '390';
  psn_type: string;
  insu_admdvs: string;
  aid_category: AidCategory;
  /**
   * An aid_roster entry that differs from psn_info.aid_category (the roster wins for the months it covers):
   * dates YYYY-MM-DD, `to` '' = open-ended.
   */
  roster?: { category: Exclude<AidCategory, ''>; from: string; to: string };
  /** Has a chronic condition managed by monthly 140104 visits. */
  chronic: boolean;
  /** Taken by a planted scenario: no background visits. */
  reserved: boolean;
  /** Day index of death (background deaths), or -1. */
  deathDay: number;
  /** Born inside the window (a newborn of the legitimate background): day index of birth; no care before it. */
  birthDay?: number;
}

const AID_MIX: [AidCategory, number][] = [
  ['extreme_poverty', 0.01],
  ['subsistence', 0.03],
  ['near_subsistence', 0.01],
  ['monitored', 0.01],
  ['poverty_alleviated', 0.03],
  ['', 0.91],
];

function pickAge(rng: Rng): number {
  // Rough Hubei age pyramid: children 17 %, working age 62 %, 60+ 21 %.
  const band = rng.weighted<[number, number]>([
    [[0, 5], 0.05],
    [[6, 17], 0.12],
    [[18, 44], 0.36],
    [[45, 59], 0.26],
    [[60, 74], 0.15],
    [[75, 92], 0.06],
  ]);
  return rng.int(band[0], band[1]);
}

export function buildPopulation(rng: Rng, count: number, startDate: string): Person[] {
  const people: Person[] = [];
  for (let i = 0; i < count; i++) people.push(makePerson(rng, i, startDate));
  return people;
}

/** One insured person with index `i` (psn_no derives from it). */
export function makePerson(rng: Rng, i: number, startDate: string): Person {
  const startYear = Number(startDate.slice(0, 4));
  {
    const region = rng.weighted(REGIONS.map((r) => [r, r.weight] as const));
    const gend: '1' | '2' = rng.chance(0.51) ? '1' : '2';
    const age = pickAge(rng);
    const month = rng.int(1, 12);
    const day = rng.int(1, 28);

    const brdy = `${startYear - age - 1}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    const employee = age >= 18 && age < 75 && rng.chance(age < 60 ? 0.47 : 0.4);
    const insutype = employee ? '310' : '390';
    const psn_type = employee ? (age >= 60 ? '1201' : '1101') : age < 6 ? '1402' : age < 18 ? '1403' : '15';
    const aid_category: AidCategory = employee ? '' : rng.weighted(AID_MIX.map(([c, w]) => [c, c === '' ? w : w / 0.65] as const));
    const county = region.admdvs.slice(0, 4) + rng.pick(['02', '03', '21', '81']);
    const chronicP = age < 40 ? 0.02 : age < 60 ? 0.12 : 0.3;
    return {
      idx: i,
      psn_no: `${region.admdvs}${String(i + 1).padStart(10, '0')}`,
      certno: makeCertno(rng, county, brdy, gend),
      psn_name: makeName(rng, gend),
      gend,
      brdy,
      age,
      insutype,
      psn_type,
      insu_admdvs: region.admdvs,
      aid_category,
      chronic: rng.chance(chronicP),
      reserved: false,
      deathDay: -1,
    };
  }
}
