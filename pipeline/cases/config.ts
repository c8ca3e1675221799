import { checkSection, type FundwatchConfig, type JsonSchema } from '../config.ts';

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

export const CASES_SCHEMA: JsonSchema = {
  type: 'object', additionalProperties: false,
  properties: {
    four_eyes_amount: { type: 'number', minimum: 0, maximum: 1e9, default: CASES_DEFAULTS.four_eyes_amount },
    appeal_days: { type: 'integer', minimum: 1, maximum: 365, default: CASES_DEFAULTS.appeal_days },
    review_lock_minutes: { type: 'number', exclusiveMinimum: 0, maximum: 7 * 24 * 60, default: CASES_DEFAULTS.review_lock_minutes },
    stalled_check_seconds: { type: 'number', exclusiveMinimum: 0, maximum: 3600, default: CASES_DEFAULTS.stalled_check_seconds },
  },
};

export function casesConfig(config: FundwatchConfig = {}): CasesConfig {
  return checkSection<CasesConfig>(config, 'cases', CASES_SCHEMA);
}
