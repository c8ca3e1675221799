import { readFileSync } from 'node:fs';

/**
 * Prefix lists of data/reference/clinical/*.csv (see care-codes.md there), joined with commas: the defaults of
 * the detectors' list parameters. Read once when a detector module loads.
 */
export type CareCodeFile = 'cycle-care-codes.csv' | 'high-intensity-care-codes.csv';
export type CareCodeKind = 'diag' | 'oprn' | 'item';

export function careCodes(file: CareCodeFile, kind: CareCodeKind, options: { without?: string[] } = {}): string {
  const text = readFileSync(new URL(`../../data/reference/clinical/${file}`, import.meta.url), 'utf8');
  const rows = text.trim().split('\n').slice(1).map((line) => line.split(','));
  return rows
    .filter(([k, prefix]) => k === kind && !(options.without ?? []).includes(prefix!))
    .map(([, prefix]) => prefix!)
    .join(',');
}
