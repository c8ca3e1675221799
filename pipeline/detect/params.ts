import { createHash } from 'node:crypto';
import { checkSection, configSection, type FundwatchConfig, type JsonSchema } from '../config.ts';
import type { Detector } from '../../detectors/types.ts';
import type { Store } from '../store/store.ts';

type Value = number | string | boolean;

/**
 * The `detectors` section of fundwatch.config.json, per detector id:
 *   { "params": {name: value}, "regions": {"421000": {name: value}}, "enabled": true,
 *     "shadow": true | "shadow_until": "YYYY-MM-DD" }
 * Region overrides win over `params`, which win over the detector's defaults. A detector in shadow stores its
 * alerts with status `shadow` (out of cases, money totals, dashboard and rankings); `shadow_until` keeps it in
 * shadow up to and including that day (Asia/Shanghai), so the first run after it raises them as open alerts.
 */
export interface DetectorConfig {
  params: Record<string, Value>;
  regions: Record<string, Record<string, Value>>;
  enabled: boolean;
  shadow: boolean;
  shadowUntil: string | null;
}

/** One parameter's schema: its type and, for numbers, its bounds (ParamSpec min/max). */
function paramSchema(spec: Detector['params'][string]): JsonSchema {
  if (typeof spec.default !== 'number') return { type: typeof spec.default };
  return { type: 'number', ...(spec.min !== undefined ? { minimum: spec.min } : {}), ...(spec.max !== undefined ? { maximum: spec.max } : {}) };
}

const schemas = new WeakMap<Detector, JsonSchema>();

/** The schema of `detectors.<id>`: its parameters with types and bounds, per-region overrides, enabled, shadow. */
export function detectorSchema(d: Detector): JsonSchema {
  const known = schemas.get(d);
  if (known) return known;
  const values = { type: 'object', additionalProperties: false, properties: Object.fromEntries(Object.entries(d.params).map(([k, spec]) => [k, paramSchema(spec)])) };
  const schema: JsonSchema = {
    type: 'object', additionalProperties: false,
    properties: {
      params: values,
      regions: { type: 'object', propertyNames: { pattern: '^[0-9]{6}$' }, additionalProperties: values },
      enabled: { type: 'boolean' },
      shadow: { type: 'boolean' },
      shadow_until: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' },
    },
    not: { required: ['shadow', 'shadow_until'], errorMessage: 'shadow 与 shadow_until 只能用其一 (use either shadow or shadow_until)' },
  };
  schemas.set(d, schema);
  return schema;
}

/** Reads and checks the config for one detector against its schema; an error names the offending key. */
export function detectorConfig(config: FundwatchConfig | undefined, d: Detector): DetectorConfig {
  const section = configSection<Record<string, unknown>>(config ?? {}, 'detectors');
  const r = checkSection<{ params?: Record<string, Value>; regions?: Record<string, Record<string, Value>>; enabled?: boolean; shadow?: boolean; shadow_until?: string }>(
    { [`detectors.${d.id}`]: section[d.id] ?? {} }, `detectors.${d.id}`, detectorSchema(d));
  if (r.shadow_until !== undefined && !isDay(r.shadow_until)) {
    throw new Error(`配置项 detectors.${d.id}.shadow_until 必须是 YYYY-MM-DD 格式的日期 (got ${JSON.stringify(r.shadow_until)})`);
  }
  return { params: r.params ?? {}, regions: r.regions ?? {}, enabled: r.enabled ?? true, shadow: r.shadow ?? false, shadowUntil: r.shadow_until ?? null };
}

/** Is the detector in shadow on `day` (YYYY-MM-DD)? */
export function inShadow(cfg: DetectorConfig, day: string): boolean {
  return cfg.shadow || (cfg.shadowUntil !== null && day <= cfg.shadowUntil);
}

/** The config with trial values set everywhere: over `params` and over every region's overrides. */
export function withTrialParams(cfg: DetectorConfig, trial: Record<string, Value>): DetectorConfig {
  const regions = Object.fromEntries(Object.entries(cfg.regions).map(([admdvs, o]) => [admdvs, { ...o, ...trial }]));
  return { ...cfg, params: { ...cfg.params, ...trial }, regions };
}

function isDay(s: string): boolean {
  const t = new Date(`${s}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === s;
}

/** Trial parameter values (backtest) checked against the detector's schema; an error names `where.name`. */
export function checkValues(d: Detector, raw: unknown, where: string): Record<string, Value> {
  if (raw === undefined) return {};
  const params = (detectorSchema(d).properties as Record<string, JsonSchema>).params;
  return checkSection<Record<string, Value>>({ [where]: raw }, where, params);
}

export function defaultParams(d: Detector): Record<string, Value> {
  return Object.fromEntries(Object.entries(d.params).map(([k, s]) => [k, s.default]));
}

/** Effective values for one region: defaults < config params < region override. */
export function effectiveParams(d: Detector, cfg: DetectorConfig, admdvs: string | null): Record<string, Value> {
  return { ...defaultParams(d), ...cfg.params, ...(admdvs ? cfg.regions[admdvs] ?? {} : {}) };
}

/** Stable hash of a parameter set (sorted keys), 16 hex characters. */
export function paramsHash(values: Record<string, Value>): string {
  const canonical = JSON.stringify(Object.keys(values).sort().map((k) => [k, values[k]]));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Every region the data knows: provider admdvs ∪ persons' insu_admdvs, plus regions named in the config. */
export async function listRegions(store: Store, cfg?: DetectorConfig): Promise<string[]> {
  const rows = await store.all<{ admdvs: string }>(
    `SELECT admdvs FROM fixmedins WHERE admdvs IS NOT NULL
     UNION SELECT insu_admdvs FROM psn_info WHERE insu_admdvs IS NOT NULL`,
  );
  const set = new Set(rows.map((r) => r.admdvs));
  for (const k of Object.keys(cfg?.regions ?? {})) set.add(k);
  return [...set].sort();
}

const SQL_TYPE = { number: 'DOUBLE', string: 'VARCHAR', boolean: 'BOOLEAN' } as const;

/**
 * (Re)creates TEMP table `params` (admdvs + one typed column per parameter) and TEMP table
 * `params_effective` (admdvs, params JSON, params_hash) used to stamp alerts.
 */
export async function createParamsTables(store: Store, d: Detector, cfg: DetectorConfig, regions: string[]): Promise<void> {
  const names = Object.keys(d.params);
  const cols = names.map((n) => `"${n}" ${SQL_TYPE[typeof d.params[n].default as keyof typeof SQL_TYPE]}`);
  await store.run(`CREATE OR REPLACE TEMP TABLE params (admdvs VARCHAR${cols.map((c) => ', ' + c).join('')})`);
  await store.run('CREATE OR REPLACE TEMP TABLE params_effective (admdvs VARCHAR, params JSON, params_hash VARCHAR)');
  for (const admdvs of [...regions, null]) {
    const values = effectiveParams(d, cfg, admdvs);
    const placeholders = names.map((_, i) => `$${i + 2}`);
    if (admdvs !== null) {
      await store.run(
        `INSERT INTO params VALUES ($1${placeholders.map((p) => ', ' + p).join('')})`,
        [admdvs, ...names.map((n) => values[n])],
      );
    }
    // admdvs NULL: the defaults row, for hits whose region is unknown.
    await store.run('INSERT INTO params_effective VALUES ($1, $2, $3)', [admdvs, JSON.stringify(values), paramsHash(values)]);
  }
}
