import { existsSync, readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * `fundwatch.config.json`. Each section has one JSON schema, kept beside the feature that reads it (`cases`,
 * `nightly`, `referrals`, …; `detectors` from each detector's parameters and bounds); `checkSection` validates a
 * section against it and fills in the defaults, and `validateConfig` (config-schema.ts) checks the whole file once
 * at start. This loader parses the file and says clearly when it cannot.
 */
export type FundwatchConfig = Record<string, unknown>;

/** Sections some feature reads; keys starting with `$` or `_` (e.g. `$schema`, `_comment`) are left alone. */
export const CONFIG_SECTIONS = ['detectors', 'holidays', 'ingest', 'cases', 'early_warning', 'referrals', 'redis', 'nightly', 'server'] as const;

export function loadConfig(path: string | undefined): FundwatchConfig {
  if (!path) return {};
  if (!existsSync(path)) throw new Error(`配置文件不存在 config file not found: ${path}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`无法读取配置文件 cannot read config ${path}: ${(err as Error).message}`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('top level must be an object');
    const unknown = Object.keys(value).filter((k) => !/^[$_]/.test(k) && !(CONFIG_SECTIONS as readonly string[]).includes(k));
    if (unknown.length > 0) {
      throw new Error(`无法识别的配置节 unknown section ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known: ${CONFIG_SECTIONS.join(', ')})`);
    }
    return value as FundwatchConfig;
  } catch (err) {
    throw new Error(`配置文件格式错误 invalid config ${path}: ${(err as Error).message}`);
  }
}

/** One section of the config as an object ({} when absent). */
export function configSection<T extends object = Record<string, unknown>>(config: FundwatchConfig, name: string): Partial<T> {
  const v = config[name];
  if (v === undefined) return {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`配置项 ${name} 必须是对象 (config section "${name}" must be an object)`);
  return v as Partial<T>;
}

export type JsonSchema = Record<string, unknown>;

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

export function compileSchema(schema: JsonSchema): ValidateFunction {
  const known = compiled.get(schema);
  if (known) return known;
  const v = ajv.compile(schema);
  compiled.set(schema, v);
  return v;
}

/**
 * ajv's findings as one line naming each offending key — `cases.appeal_days 无效 (must be <= 365)`; an unknown key
 * is named itself; a (sub)schema's `errorMessage` is its message where it has one.
 */
export function schemaErrors(prefix: string, errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const path = [prefix, ...e.instancePath.split('/').filter(Boolean)];
      if (e.keyword === 'additionalProperties') {
        return `${[...path, (e.params as { additionalProperty: string }).additionalProperty].filter(Boolean).join('.')} 无法识别 (unknown key)`;
      }
      const own = (s: unknown) => (s && typeof s === 'object' ? (s as { errorMessage?: string }).errorMessage : undefined);
      return `${path.filter(Boolean).join('.') || '(root)'} 无效 (${own(e.schema) ?? own(e.parentSchema) ?? e.message})`;
    })
    .join('; ');
}

/** One section, checked against its schema, with the schema's defaults filled in (on a copy). */
export function checkSection<T>(config: FundwatchConfig, name: string, schema: JsonSchema): T {
  const value = structuredClone(config[name] ?? {}) as unknown;
  const validate = compileSchema(schema);
  if (!validate(value)) throw new Error(`配置项 ${schemaErrors(name, validate.errors)}`);
  return value as T;
}
