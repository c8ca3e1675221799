import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Codes picked from the NHSA knowledge-point spreadsheets (batches 1–8) by kb-extract.ts into
 * data/reference/generator/nhsa-kp-codes.json (at most 4 national codes per drug point).
 */
export interface KpCodes {
  sex_drugs: { name: string; sex: '1' | '2'; codes: string[] }[];
  child_drugs: { name: string; codes: string[] }[];
  insurance_drugs: { name: string; insurance: string; codes: string[] }[];
  care_setting_drugs: { name: string; setting: string; codes: string[] }[];
  level_drugs: { name: string; level: string; note: string; codes: string[] }[];
  course_drugs: { name: string; limit: string; codes: string[] }[];
  sex_services: { name: string; code: string; sex: '1' | '2' }[];
  child_services: { name: string; code: string }[];
  surgery_groups: { name: string; code: string; group: string }[];
  duplicate_pairs: { window: string; main_name: string; main: string; sub_name: string; sub: string }[];
  daily_frequency: { name: string; max: number; unit: string; code: string }[];
  course_services: { name: string; note: string; code: string }[];
  period_services: { name: string; max: number; period_days: number; code: string }[];
}

let cache: KpCodes | undefined;

export function kpCodes(): KpCodes {
  cache ??= JSON.parse(
    readFileSync(fileURLToPath(new URL('../reference/generator/nhsa-kp-codes.json', import.meta.url)), 'utf8'),
  ) as KpCodes;
  return cache;
}

/** Every code named by any knowledge point (background data keeps clear of the restrictive ones). */
export function allKpCodes(kp: KpCodes): Set<string> {
  const s = new Set<string>();
  for (const list of [kp.sex_drugs, kp.child_drugs, kp.insurance_drugs, kp.care_setting_drugs, kp.level_drugs, kp.course_drugs]) {
    for (const p of list) for (const c of p.codes) s.add(c);
  }
  for (const list of [kp.sex_services, kp.child_services, kp.surgery_groups, kp.daily_frequency, kp.course_services, kp.period_services]) {
    for (const p of list) s.add(p.code);
  }
  for (const p of kp.duplicate_pairs) {
    s.add(p.main);
    s.add(p.sub);
  }
  return s;
}
