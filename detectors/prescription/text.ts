/**
 * Number formatting for the explanations (explain) of the prescription detectors, as every explanation writes
 * numbers (pipeline/detect/explain.ts): money with two decimals, no thousands separator.
 */

/** Yuan with two decimals: 1234.5 → "1234.50". */
export function yuan(x: unknown): string {
  return (Math.round(Number(x ?? 0) * 100) / 100).toFixed(2);
}

/** A count or a number of days, at most one decimal: 30 → "30", 2.54 → "2.5". */
export function days(x: unknown): string {
  return String(Math.round(Number(x ?? 0) * 10) / 10);
}

/** A ratio 0..1 as a percentage with one decimal: 0.5 → "50.0%". */
export function pct(x: unknown): string {
  return `${(Number(x ?? 0) * 100).toFixed(1)}%`;
}
