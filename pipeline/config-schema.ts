import { compileSchema, CONFIG_SECTIONS, schemaErrors, type FundwatchConfig, type JsonSchema } from './config.ts';
import { CASES_SCHEMA } from './cases/config.ts';
import { NIGHTLY_SCHEMA } from './nightly/config.ts';
import { REFERRALS_SCHEMA } from './referrals/config.ts';
import { REDIS_SCHEMA } from './queue/redis.ts';
import { INGEST_SCHEMA } from './ingest/ingest.ts';
import { EARLY_WARNING_SCHEMA } from './warning/config.ts';
import { HOLIDAYS_SCHEMA } from '../detectors/provider_pattern/weekendHolidayActivity.ts';
import { detectorSchema } from './detect/params.ts';
import { listDetectors } from './detect/registry.ts';

/**
 * The schema of the whole fundwatch.config.json, composed of each section's own schema (the ones the features
 * read their sections with) and, for `detectors`, every registered detector's parameters with their types and
 * bounds. `extra` adds sections that live above the pipeline (the server's).
 */
export async function configSchema(extra: Record<string, JsonSchema> = {}): Promise<JsonSchema> {
  const detectors = await listDetectors();
  const sections: Record<string, JsonSchema> = {
    cases: CASES_SCHEMA,
    nightly: NIGHTLY_SCHEMA,
    referrals: REFERRALS_SCHEMA,
    redis: REDIS_SCHEMA,
    ingest: INGEST_SCHEMA,
    early_warning: EARLY_WARNING_SCHEMA,
    holidays: HOLIDAYS_SCHEMA,
    detectors: { type: 'object', additionalProperties: false, properties: Object.fromEntries(detectors.map((d) => [d.id, detectorSchema(d)])) },
    ...extra,
  };
  for (const name of CONFIG_SECTIONS) if (!sections[name]) throw new Error(`config section ${name} has no schema`);
  return { type: 'object', additionalProperties: false, patternProperties: { '^[$_]': {} }, properties: sections };
}

/** Checks the whole config once, at start: every problem in one message naming each offending key. */
export async function validateConfig(config: FundwatchConfig, extra: Record<string, JsonSchema> = {}): Promise<void> {
  const validate = compileSchema(await configSchema(extra));
  if (!validate(structuredClone(config))) throw new Error(`配置文件无效 invalid config: ${schemaErrors('', validate.errors)}`);
}
