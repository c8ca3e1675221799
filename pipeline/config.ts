import { existsSync, readFileSync } from 'node:fs';

/**
 * `fundwatch.config.json`. Each feature reads and validates its own section
 * (`detectors`, `cases`, `early_warning`, `referrals`, `nightly`, `server`, `holidays`, ...);
 * this loader only parses the file and says clearly when it cannot.
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
