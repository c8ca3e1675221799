/**
 * Number formatting for the explanations (explain) of the impersonation detectors, as every explanation writes
 * numbers (pipeline/detect/explain.ts): money with two decimals, no thousands separator.
 */

/** Yuan with two decimals: 1234.5 → "1234.50". */
export function yuan(x: unknown): string {
  return (Math.round(Number(x ?? 0) * 100) / 100).toFixed(2);
}

/** A count, distance or duration, at most one decimal: 1053.14 → "1053.1". */
export function num(x: unknown): string {
  return String(Math.round(Number(x ?? 0) * 10) / 10);
}

/** "2026-01-06 09:10:00" → "2026-01-06 09:10". */
export function minute(ts: unknown): string {
  return String(ts ?? '').slice(0, 16);
}
