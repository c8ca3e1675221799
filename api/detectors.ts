import type { Detector } from '../detectors/types.ts';
import type { FundwatchConfig } from '../pipeline/config.ts';
import { detectorConfig, effectiveParams as engineParams } from '../pipeline/detect/params.ts';
export { listDetectors } from '../pipeline/detect/registry.ts';

/** Effective parameters of a detector for a region (defaults < config params < region override), as the engine uses them. */
export function effectiveParams(d: Detector, config: FundwatchConfig, region?: string): Record<string, { value: unknown; unit: string; default: unknown; description_zh: string }> {
  const values = engineParams(d, detectorConfig(config, d), region ?? null);
  return Object.fromEntries(Object.entries(d.params).map(([name, spec]) => [name, { value: values[name], unit: spec.unit, default: spec.default, description_zh: spec.description_zh }]));
}
