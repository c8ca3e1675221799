import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { validateConfig } from '../../pipeline/config-schema.ts';
import { SERVER_SCHEMA } from '../../api/server-config.ts';
import { casesConfig } from '../../pipeline/cases/config.ts';
import { nightlyConfig } from '../../pipeline/nightly/config.ts';

const extra = { server: SERVER_SCHEMA };

describe('one schema for the whole config file', () => {
  it('accepts the shipped example (every default written out)', async () => {
    const example = JSON.parse(readFileSync('fundwatch.config.example.json', 'utf8'));
    await expect(validateConfig(example, extra)).resolves.toBeUndefined();
    await expect(validateConfig({}, extra)).resolves.toBeUndefined();
  });

  it('names every offending key at once: unknown keys, wrong types, values out of bounds', async () => {
    const bad = {
      cases: { appeal_days: 0, four_eye_amount: 1 },
      nightly: { max_attempts: 'three' },
      server: { cookie_secure: 'sometimes' },
      redis: { port: 70000 },
      detectors: { care_after_death: { params: { grace_days: '1' } }, no_such_detector: {} },
      _comment: 'keys starting with _ or $ are comments',
    };
    const err = await validateConfig(bad, extra).then(() => null, (e: Error) => e.message);
    for (const key of ['cases.appeal_days 无效', 'cases.four_eye_amount 无法识别', 'nightly.max_attempts 无效', 'server.cookie_secure 无效',
      'redis.port 无效', 'detectors.care_after_death.params.grace_days 无效', 'detectors.no_such_detector 无法识别']) {
      expect(err).toContain(key);
    }
    await expect(validateConfig({ unknown_section: {} }, extra)).rejects.toThrow(/unknown_section 无法识别/);
  });

  it('a feature reads its section through the same schema, defaults filled in', () => {
    expect(casesConfig({})).toEqual({ four_eyes_amount: 50000, appeal_days: 15, review_lock_minutes: 240, stalled_check_seconds: 60 });
    expect(() => casesConfig({ cases: { appeal_days: 400 } })).toThrow(/cases.appeal_days 无效 \(must be <= 365\)/);
    expect(nightlyConfig({ nightly: { report_top: 5 } }).report_top).toBe(5);
  });
});

describe('every detector parameter is bounded', () => {
  it('each number parameter has min <= default <= max, and the schema refuses values outside', async () => {
    const { listDetectors } = await import('../../pipeline/detect/registry.ts');
    const unbounded: string[] = [];
    for (const d of await listDetectors()) {
      for (const [name, spec] of Object.entries(d.params)) {
        if (typeof spec.default !== 'number') continue;
        if (spec.min === undefined || spec.max === undefined || !(spec.min <= spec.default && spec.default <= spec.max)) unbounded.push(`${d.id}.${name}`);
      }
    }
    expect(unbounded).toEqual([]);
    await expect(validateConfig({ detectors: { card_stacking: { params: { min_persons: 1 } } } }, extra)).rejects.toThrow(/detectors.card_stacking.params.min_persons 无效 \(must be >= 3\)/);
    await expect(validateConfig({ detectors: { card_stacking: { regions: { '421000': { window_minutes: 99 } } } } }, extra)).rejects.toThrow(/regions.421000.window_minutes 无效/);
  });
});
