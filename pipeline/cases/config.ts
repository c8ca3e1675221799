import { configSection, type FundwatchConfig } from '../config.ts';

/** Config section `cases`. */
export interface CasesConfig {
  /** Closing a confirmed case whose confirmed amount exceeds this (yuan) needs a second person, a supervisor (四眼原则). */
  four_eyes_amount: number;
  /** Days after a decision during which the institution may appeal (申诉期). */
  appeal_days: number;
  /** A working review period: how long a taken case stays locked to its inspector without renewal. */
  review_lock_minutes: number;
  /** How often the owner process checks for abandoned (stalled) cases. */
  stalled_check_seconds: number;
}

export const CASES_DEFAULTS: CasesConfig = {
  four_eyes_amount: 50_000,
  appeal_days: 15,
  review_lock_minutes: 240,
  stalled_check_seconds: 60,
};

export function casesConfig(config: FundwatchConfig = {}): CasesConfig {
  const s = configSection<CasesConfig>(config, 'cases');
  const out = { ...CASES_DEFAULTS, ...s };
  for (const [k, v] of Object.entries(out)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new Error(`配置项 cases.${k} 必须是非负数 (config cases.${k} must be a non-negative number), got ${JSON.stringify(v)}`);
    }
  }
  return out;
}
