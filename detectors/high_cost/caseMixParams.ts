import type { ParamSpec } from '../types.ts';
import { careCodes } from '../admission/careCodes.ts';

/**
 * The case-mix expectation both high-cost baselines share: each visit counts at its case-mix group's median cost
 * (门诊/住院 × principal-diagnosis category × principal operation), a high-intensity visit (ICU, ECMO, dialysis,
 * radiotherapy, antineoplastics …: data/reference/clinical/high-intensity-care-codes.csv) at its own cost.
 */
export const CASE_MIX_PARAMS: Record<string, ParamSpec> = {
  min_case_mix_visits: {
    default: 10,
    unit: '次',
    min: 5,
    max: 500,
    description_zh: '病组（门诊/住院×主诊断类目×主手术）至少有此就诊数才用其中位数，否则按实际费用计 (smaller groups count at the visit\'s own cost)',
  },
  intensive_item_prefixes: {
    default: careCodes('high-intensity-care-codes.csv', 'item'),
    unit: 'list',
    description_zh: '高强度治疗收费项目编码前缀，此类就诊按实际费用计 (data/reference/clinical/high-intensity-care-codes.csv)',
  },
  intensive_oprn_prefixes: { default: careCodes('high-intensity-care-codes.csv', 'oprn'), unit: 'list', description_zh: '高强度治疗手术操作前缀 (ICD-9-CM-3)' },
  intensive_diag_prefixes: { default: careCodes('high-intensity-care-codes.csv', 'diag'), unit: 'list', description_zh: '高强度治疗诊断前缀 (ICD-10)' },
};
