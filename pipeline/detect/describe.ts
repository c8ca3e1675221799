import type { FundwatchConfig } from '../config.ts';
import { detectorConfig, effectiveParams, inShadow } from './params.ts';
import type { RegisteredDetector } from './registry.ts';
import type { ShadowPrecision } from './shadow.ts';
import { today } from './engine.ts';

type Value = number | string | boolean;

/**
 * `fundwatch detectors --json` shape (interfaces.md), extended with subject, lookback, enabled, region overrides
 * and shadow mode: `shadow` (in shadow today), `shadow_until`, `shadow_precision` (null when the store was not read).
 */
export interface DetectorJson {
  detector_id: string;
  family: string;
  version: number;
  gz_code: string | null;
  title_zh: string;
  title_en: string;
  result_type: string;
  legal_basis: string;
  params: Record<string, { value: Value; unit: string; default: Value; description_zh: string; regions?: Record<string, Value> }>;
  subject_type: string;
  lookback_days: number;
  enabled: boolean;
  uses_knowledge_base: boolean;
  shadow: boolean;
  shadow_until: string | null;
  shadow_precision: ShadowPrecision | null;
}

export function describeDetector(d: RegisteredDetector, config: FundwatchConfig, shadowStats: ShadowPrecision | null = null): DetectorJson {
  const cfg = detectorConfig(config, d);
  const values = effectiveParams(d, cfg, null);
  const params: DetectorJson['params'] = {};
  for (const [name, spec] of Object.entries(d.params)) {
    const regions = Object.fromEntries(
      Object.entries(cfg.regions).filter(([, o]) => name in o).map(([admdvs, o]) => [admdvs, o[name]]),
    );
    params[name] = { value: values[name], unit: spec.unit, default: spec.default, description_zh: spec.description_zh };
    if (Object.keys(regions).length) params[name].regions = regions;
  }
  return {
    detector_id: d.id,
    family: d.family,
    version: d.version,
    gz_code: d.gz_code,
    title_zh: d.title_zh,
    title_en: d.title_en,
    result_type: d.result_type,
    legal_basis: d.legal_basis,
    params,
    subject_type: d.subject_type,
    lookback_days: d.lookbackDays,
    enabled: cfg.enabled,
    uses_knowledge_base: Boolean(d.usesKnowledgeBase),
    shadow: inShadow(cfg, today()),
    shadow_until: cfg.shadowUntil,
    shadow_precision: shadowStats,
  };
}

export const FAMILY_ZH: Record<string, string> = {
  impersonation: '冒名就医',
  upcoding: '高套/串换',
  prescription: '超量/重复开药',
  high_cost: '异常高额费用',
  billing: '知识点规则',
  admission: '分解住院/挂床/低标入院',
  provider_pattern: '机构异常模式',
  data_quality: '数据质量',
};
