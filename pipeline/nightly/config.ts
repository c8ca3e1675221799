import { resolve } from 'node:path';
import { checkSection, type FundwatchConfig, type JsonSchema } from '../config.ts';

/** Config section `nightly`. */
export interface NightlyConfig {
  /** Cron pattern of the scheduled run (BullMQ job scheduler), in `tz`. */
  cron: string;
  tz: string;
  /** Directory where complete batch directories (with `_SUCCESS`) arrive. */
  inbox: string;
  /** Where run reports (HTML) are written. */
  report_dir: string;
  /** POSTed a JSON announcement when a run fails or partly fails; null: none. */
  webhook_url: string | null;
  /** Top findings listed in the report. */
  report_top: number;
  /** Ingest tries of one inbox batch before it is quarantined (moved to `<inbox>/_quarantine/`). */
  max_attempts: number;
}

export const NIGHTLY_DEFAULTS: NightlyConfig = {
  cron: '0 2 * * *',
  tz: 'Asia/Shanghai',
  inbox: './inbox',
  report_dir: './reports',
  webhook_url: null,
  report_top: 20,
  max_attempts: 3,
};

const text = (d: string) => ({ type: 'string', minLength: 1, maxLength: 1000, default: d });

export const NIGHTLY_SCHEMA: JsonSchema = {
  type: 'object', additionalProperties: false,
  properties: {
    cron: text(NIGHTLY_DEFAULTS.cron),
    tz: text(NIGHTLY_DEFAULTS.tz),
    inbox: text(NIGHTLY_DEFAULTS.inbox),
    report_dir: text(NIGHTLY_DEFAULTS.report_dir),
    webhook_url: { type: ['string', 'null'], pattern: '^https?://', default: null },
    report_top: { type: 'integer', minimum: 1, maximum: 1000, default: NIGHTLY_DEFAULTS.report_top },
    max_attempts: { type: 'integer', minimum: 1, maximum: 100, default: NIGHTLY_DEFAULTS.max_attempts },
  },
};

export function nightlyConfig(config: FundwatchConfig = {}): NightlyConfig {
  const out = checkSection<NightlyConfig>(config, 'nightly', NIGHTLY_SCHEMA);
  return { ...out, inbox: resolve(out.inbox), report_dir: resolve(out.report_dir) };
}
