import { createHash } from 'node:crypto';
import { configSection, type FundwatchConfig } from '../config.ts';
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

const CONFIG_KEYS = ['params', 'regions', 'enabled', 'shadow', 'shadow_until'];

/** Reads and checks the config for one detector; unknown parameters and wrong types are errors naming the path. */
export function detectorConfig(config: FundwatchConfig | undefined, d: Detector): DetectorConfig {
  const section = configSection<Record<string, unknown>>(config ?? {}, 'detectors');
  const raw = section[d.id];
  const out: DetectorConfig = { params: {}, regions: {}, enabled: true, shadow: false, shadowUntil: null };
  if (raw === undefined) return out;
  const where = `detectors.${d.id}`;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`配置项 ${where} 必须是对象 (must be an object)`);
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!CONFIG_KEYS.includes(key)) throw new Error(`配置项 ${where}.${key} 无法识别 (unknown key; expected ${CONFIG_KEYS.join(', ')})`);
  }
  if (r.enabled !== undefined) {
    if (typeof r.enabled !== 'boolean') throw new Error(`配置项 ${where}.enabled 必须是 true/false`);
    out.enabled = r.enabled;
  }
  if (r.shadow !== undefined && r.shadow_until !== undefined) {
    throw new Error(`配置项 ${where}: shadow 与 shadow_until 只能用其一 (use either shadow or shadow_until)`);
  }
  if (r.shadow !== undefined) {
    if (typeof r.shadow !== 'boolean') throw new Error(`配置项 ${where}.shadow 必须是 true/false`);
    out.shadow = r.shadow;
  }
  if (r.shadow_until !== undefined) {
    if (typeof r.shadow_until !== 'string' || !isDay(r.shadow_until)) {
      throw new Error(`配置项 ${where}.shadow_until 必须是 YYYY-MM-DD 格式的日期 (got ${JSON.stringify(r.shadow_until)})`);
    }
    out.shadowUntil = r.shadow_until;
  }
  out.params = checkValues(d, r.params, `${where}.params`);
  if (r.regions !== undefined) {
    if (!r.regions || typeof r.regions !== 'object' || Array.isArray(r.regions)) throw new Error(`配置项 ${where}.regions 必须是对象 (must be an object)`);
    for (const [admdvs, values] of Object.entries(r.regions as Record<string, unknown>)) {
      if (!/^\d{6}$/.test(admdvs)) throw new Error(`配置项 ${where}.regions.${admdvs}: 区划代码应为 6 位数字 (region must be a 6-digit admdvs)`);
      out.regions[admdvs] = checkValues(d, values, `${where}.regions.${admdvs}`);
    }
  }
  return out;
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

/** Checks parameter values against the detector's specs (unknown name, wrong type → an error naming `where.name`). */
export function checkValues(d: Detector, raw: unknown, where: string): Record<string, Value> {
  if (raw === undefined) return {};
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`配置项 ${where} 必须是对象 (must be an object)`);
  const out: Record<string, Value> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const spec = d.params[name];
    if (!spec) throw new Error(`配置项 ${where}.${name}: 检测规则 ${d.id} 没有此参数 (unknown parameter; known: ${Object.keys(d.params).join(', ') || 'none'})`);
    if (typeof value !== typeof spec.default || (typeof value === 'number' && !Number.isFinite(value))) {
      throw new Error(`配置项 ${where}.${name}: 应为 ${typeof spec.default} (expected a ${typeof spec.default}, got ${JSON.stringify(value)})`);
    }
    out[name] = value as Value;
  }
  return out;
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
