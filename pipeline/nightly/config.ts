import { resolve } from 'node:path';
import { configSection, type FundwatchConfig } from '../config.ts';

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

export function nightlyConfig(config: FundwatchConfig = {}): NightlyConfig {
  const s = configSection<NightlyConfig>(config, 'nightly');
  const out = { ...NIGHTLY_DEFAULTS, ...s };
  for (const k of ['cron', 'tz', 'inbox', 'report_dir'] as const) {
    if (typeof out[k] !== 'string' || !out[k]) throw new Error(`配置项 nightly.${k} 必须是非空字符串 (config nightly.${k} must be a non-empty string)`);
  }
  if (out.webhook_url !== null && typeof out.webhook_url !== 'string') throw new Error('配置项 nightly.webhook_url 必须是字符串或 null');
  if (!Number.isInteger(out.report_top) || out.report_top < 1) throw new Error('配置项 nightly.report_top 必须是正整数');
  if (!Number.isInteger(out.max_attempts) || out.max_attempts < 1) throw new Error('配置项 nightly.max_attempts 必须是正整数 (config nightly.max_attempts must be a positive integer)');
  return { ...out, inbox: resolve(out.inbox), report_dir: resolve(out.report_dir) };
}
