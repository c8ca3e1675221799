import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { listDetectors } from '../../../pipeline/detect/registry.ts';
import { careCodes } from '../../../detectors/admission/careCodes.ts';

const FAMILIES = ['admission', 'provider_pattern', 'upcoding', 'high_cost'];

describe('admission, provider_pattern, upcoding and high_cost detectors', () => {
  it('each has an explain, and every number parameter a unit and bounds around its default', async () => {
    const mine = (await listDetectors()).filter((d) => FAMILIES.includes(d.family));
    expect(mine.map((d) => d.id).sort()).toEqual([
      'bed_holding', 'benford_amounts', 'co_admission_groups', 'cost_per_stay_peer', 'high_cost_own_baseline', 'high_cost_peer_outlier',
      'high_cost_single_stay', 'low_standard_admission', 'mcc_cc_share', 'price_over_ceiling', 'provider_volume_spike',
      'split_hospitalisation', 'top_tier_item_share', 'weekend_holiday_activity',
    ]);
    for (const d of mine) {
      expect(typeof d.explain, d.id).toBe('function');
      expect(d.version, d.id).toBeGreaterThanOrEqual(2);
      for (const [name, p] of Object.entries(d.params)) {
        expect(p.unit, `${d.id}.${name}`).not.toBe('');
        expect(p.description_zh, `${d.id}.${name}`).toMatch(/[\u4e00-\u9fff]/);
        if (typeof p.default !== 'number') continue;
        expect(p.min, `${d.id}.${name}.min`).toBeLessThanOrEqual(p.default);
        expect(p.max, `${d.id}.${name}.max`).toBeGreaterThanOrEqual(p.default);
      }
    }
  });

  it('official codes: split hospitalisation and low-standard admission are 两库 rules, price over ceiling rule 14', async () => {
    const codes = Object.fromEntries((await listDetectors()).filter((d) => FAMILIES.includes(d.family)).map((d) => [d.id, d.gz_code]));
    expect(codes).toMatchObject({
      split_hospitalisation: 'GZ10000204001000',
      low_standard_admission: 'GZ10000204005000',
      price_over_ceiling: 'GZ10000102001000',
      high_cost_single_stay: null,
      mcc_cc_share: null,
    });
  });

  it('the list parameters default to the reference lists of data/reference/clinical', () => {
    const csv = readFileSync(new URL('../../../data/reference/clinical/cycle-care-codes.csv', import.meta.url), 'utf8');
    expect(csv.split('\n')[0]).toBe('kind,prefix,name_zh,source');
    expect(careCodes('cycle-care-codes.csv', 'diag')).toBe('Z51.0,Z51.1,Z51.2,Z49,Z99.2,O80,O81,O82,O83,O84,Z37');
    expect(careCodes('cycle-care-codes.csv', 'oprn')).toBe('39.95,54.98,92.2,99.25,99.28');
    expect(careCodes('cycle-care-codes.csv', 'item')).toBe('XL01,0024,00311000002,00311000006');
    expect(careCodes('high-intensity-care-codes.csv', 'item').split(',')).toContain('00330803025'); // 体外人工膜肺 (ECMO)
    expect(careCodes('cycle-care-codes.csv', 'diag', { without: ['O80', 'O81', 'O82', 'O83', 'O84', 'Z37'] })).toBe('Z51.0,Z51.1,Z51.2,Z49,Z99.2');
  });
});
