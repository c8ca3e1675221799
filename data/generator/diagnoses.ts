import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The diagnosis and procedure codes the generator uses, a curated subset of CHS-DRG 1.1 (ICD-10 national
 * clinical version 2.0 / ICD-9-CM-3). Names come from the trimmed reference copies in data/reference/generator
 * (made from /work/shared/reference/chs-drg-1.1, Apache-2.0, LICENSE beside them).
 */
export type Sex = '1' | '2';

export interface DiagnosisUse {
  code: string;
  /** Only for this sex (sex-specific conditions); undefined = either. */
  sex?: Sex;
}

/** Common outpatient / emergency principal diagnoses. */
export const OUTPATIENT_DX: readonly string[] = [
  'J06.900', 'J20.900', 'J03.900', 'J02.900', 'K29.700', 'M54.500', 'L30.900', 'H10.900', 'K59.000',
  'A09.000', 'R50.900', 'K21.000', 'N39.000', 'J45.900',
];
/** Chronic-disease outpatient (140104) principal diagnoses. */
export const CHRONIC_DX: readonly string[] = ['I10.x00', 'E11.900', 'I25.103', 'E78.500', 'E03.900', 'J44.100'];
/** Inpatient principal diagnoses (either sex). */
export const INPATIENT_DX: readonly string[] = [
  'J18.900', 'I63.900', 'I25.103', 'J44.100', 'I20.000', 'K35.800', 'K80.200', 'S72.000', 'N20.000',
  'I50.900', 'K92.200', 'G45.900', 'H25.900', 'M17.900', 'E11.900',
];
/** Sex-specific principal diagnoses (used only for that sex in background data). */
export const SEX_DX: readonly DiagnosisUse[] = [
  { code: 'N40.x00', sex: '1' }, { code: 'C61.x00', sex: '1' }, { code: 'N41.000', sex: '1' }, { code: 'N46.x00', sex: '1' },
  { code: 'N70.900', sex: '2' }, { code: 'N71.900', sex: '2' }, { code: 'D25.900', sex: '2' }, { code: 'N97.900', sex: '2' },
  { code: 'O80.000', sex: '2' }, { code: 'O03.900', sex: '2' },
];
/** Ordinary comorbidities added as secondary diagnoses (not on the MCC/CC lists). */
export const PLAIN_SECONDARY: readonly string[] = ['I10.x00', 'E11.900', 'E78.500', 'K29.700', 'D64.900', 'E03.900'];
/** Secondary diagnoses on the CHS-DRG MCC or CC list. */
export const CC_SECONDARY: readonly string[] = ['E87.600', 'E87.100', 'J98.400', 'K92.200', 'I46.900'];
export const MCC_SECONDARY: readonly string[] = ['I50.900', 'J96.000', 'N17.900', 'A41.900'];

/** Procedures by principal diagnosis (ICD-9-CM-3). */
export const PROCEDURE_FOR_DX: Readonly<Record<string, string>> = {
  'K35.800': '47.0100',
  'K80.200': '51.2300',
  'H25.900': '13.4100x001',
  'S72.000': '81.5100',
  'I20.000': '36.0601',
  'I25.103': '37.2200',
  'N40.x00': '60.2902',
  'D25.900': '68.4100',
  'O80.000': '73.5900',
};
/** Diagnoses of the legitimate background's patterns (data/generator/legit). */
export const LEGIT_DX = {
  esrd: 'N18.500', dialysis: 'Z49.101', chemo: 'Z51.100', lungCancer: 'C34.900', colonCancer: 'C18.900', rectalCancer: 'C20.x00',
  breastCancer: 'C50.900', neonatalJaundice: 'P59.900', liveborn: 'Z38.000', firstPregnancy: 'Z34.000', pregnancy: 'Z34.800',
  caesarean: 'O82.000', vaginalDelivery: 'O80.000', kneeBoth: 'M17.000', kneeOne: 'M17.101', ami: 'I21.900', strokeSequela: 'I69.300',
  hPylori: 'B98.000', chronicGastritis: 'K29.500', sepsis: 'A41.900', respiratoryFailure: 'J96.000', prostatitis: 'N41.000',
} as const;
/** Procedures of the legitimate background (ICD-9-CM-3). */
export const LEGIT_PROCEDURES = {
  haemodialysis: '39.9500', chemotherapy: '99.2500', kneeReplacement: '81.5400', caesarean: '74.1x00', ecmo: '39.6500',
  ventilation96h: '96.7201', phototherapy: '99.8300', cataract: '13.4100x001',
} as const;
/** Sex-specific procedures (for planted conflicts). */
export const MALE_ONLY_PROCEDURE = '60.2902';
export const FEMALE_ONLY_PROCEDURE = '68.4100';

function readKv(file: string): Map<string, string> {
  const path = fileURLToPath(new URL(`../reference/generator/${file}`, import.meta.url));
  const map = new Map<string, string>();
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const i = line.indexOf(',');
    map.set(line.slice(0, i), line.slice(i + 1));
  }
  return map;
}

let cache: { dx: Map<string, string>; proc: Map<string, string> } | undefined;

/** Names of the curated codes; throws if a code is missing from the reference copy. */
export function codeNames(): { dx: Map<string, string>; proc: Map<string, string> } {
  if (cache) return cache;
  const dx = readKv('diagnoses.csv');
  const proc = readKv('procedures.csv');
  const allDx = [...ALL_CURATED_DX()];
  for (const c of allDx) if (!dx.has(c)) throw new Error(`diagnosis code ${c} missing from data/reference/generator/diagnoses.csv`);
  for (const c of [...Object.values(PROCEDURE_FOR_DX), ...Object.values(LEGIT_PROCEDURES)]) if (!proc.has(c)) throw new Error(`procedure code ${c} missing from procedures.csv`);
  cache = { dx, proc };
  return cache;
}

export const ALL_CURATED_DX = (): string[] => [
  ...new Set([...OUTPATIENT_DX, ...CHRONIC_DX, ...INPATIENT_DX, ...SEX_DX.map((d) => d.code), ...PLAIN_SECONDARY, ...CC_SECONDARY, ...MCC_SECONDARY, ...Object.values(LEGIT_DX)]),
];
