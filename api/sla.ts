import { shanghaiIso } from '../pipeline/detect/engine.ts';

/** The SLA clock of a case: due time (opened + SLA days, ISO +08:00) and hours left (negative: overdue). */
export function slaClock(openedAt: string, days: number): { due_at: string; hours_left: number } {
  const due = new Date(Date.parse(openedAt) + days * 86_400_000);
  return { due_at: shanghaiIso(due), hours_left: Math.round((due.getTime() - Date.now()) / 360_000) / 10 };
}
