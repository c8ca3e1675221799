/**
 * Case risk score (0–100), computed in SQL over the case's open alerts:
 *
 *   evidence = Σ over the case's families of max(family severity × result weight)   — severity and breadth
 *   money    = 0.5 × log10(1 + amount_at_risk / 1000)                                 — amount at risk
 *   volume   = 0.25 × ln(alert_count)                                                 — repeated findings
 *   score    = 100 × (1 − exp(−(evidence + money + volume) / 2)), rounded to 2 decimals
 *
 * result weight: violation 1.0 (a rule was broken), suspicious 0.6 (a statistical outlier).
 * Examples: one 500-yuan billing violation ≈ 32.6; impersonation + upcoding violations over 100,000 yuan ≈ 78.5.
 * Queue priority (BullMQ: lower runs first) = 1 + round((100 − score) × 100).
 */
export const FAMILY_SEVERITY: Record<string, number> = {
  impersonation: 1.0,
  upcoding: 0.9,
  admission: 0.9,
  prescription: 0.8,
  billing: 0.7,
  high_cost: 0.6,
  provider_pattern: 0.5,
  data_quality: 0.2,
};
export const DEFAULT_FAMILY_SEVERITY = 0.5;
export const RESULT_WEIGHT = { violation: 1.0, suspicious: 0.6 };

/** SQL VALUES list of (family, severity), for joining. */
export function familySeveritySql(): string {
  return Object.entries(FAMILY_SEVERITY)
    .map(([f, s]) => `('${f}', ${s})`)
    .join(', ');
}

/** SQL expression for the score from SQL expressions for evidence, amount and alert count. */
export function scoreSql(evidence: string, amount: string, n: string): string {
  return `round(100 * (1 - exp(-((${evidence}) + 0.5 * log10(1 + (${amount}) / 1000) + 0.25 * ln(greatest(${n}, 1))) / 2)), 2)`;
}

export function riskScore(alerts: { family: string; result_type: 'violation' | 'suspicious'; amount_at_risk: number }[]): number {
  if (alerts.length === 0) return 0;
  const perFamily = new Map<string, number>();
  for (const a of alerts) {
    const s = (FAMILY_SEVERITY[a.family] ?? DEFAULT_FAMILY_SEVERITY) * RESULT_WEIGHT[a.result_type];
    perFamily.set(a.family, Math.max(perFamily.get(a.family) ?? 0, s));
  }
  const evidence = [...perFamily.values()].reduce((x, y) => x + y, 0);
  const amount = alerts.reduce((x, a) => x + a.amount_at_risk, 0);
  const raw = evidence + 0.5 * Math.log10(1 + amount / 1000) + 0.25 * Math.log(alerts.length);
  return Math.round(100 * (1 - Math.exp(-raw / 2)) * 100) / 100;
}

export function queuePriority(score: number): number {
  return 1 + Math.round((100 - score) * 100);
}

export const PRIORITY_SQL = (scoreCol: string) => `(1 + round((100 - ${scoreCol}) * 100))::INTEGER`;
