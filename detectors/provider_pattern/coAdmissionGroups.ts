import type { Detector, ExplainInput } from '../types.ts';
import { listZh, yuan } from '../../pipeline/detect/explain.ts';

/** 结伙住院: groups of persons from several households repeatedly admitted together at the same provider. */
export const detector: Detector = {
  id: 'co_admission_groups',
  version: 2,
  family: 'provider_pattern',
  gz_code: null,
  title_zh: '同一机构多人反复同时入院（疑似结伙住院）',
  title_en: 'Groups of persons repeatedly admitted together at the same provider',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第四十条（诱导、协助他人冒名或者虚假就医）',
  subject_type: 'provider',
  params: {
    admit_window_days: { default: 0, unit: '天', min: 0, max: 3, description_zh: '入院日期相差不超过天数视为同时入院，0 = 同日 (admission dates this close count as together; 0 = same day)' },
    min_co_admissions: { default: 3, unit: '次', min: 2, max: 10, description_zh: '两人同时入院的最少次数 (minimum joint admissions of a pair)' },
    min_group_persons: { default: 3, unit: '人', min: 2, max: 20, description_zh: '机构涉及的最少人数 (minimum persons in repeated pairs at the provider)' },
    min_group_households: {
      default: 3,
      unit: '户',
      min: 1,
      max: 20,
      description_zh: '涉及人员至少来自的户数（同姓且身份证前 6 位相同视为一户） (minimum households among those persons; household ≈ surname + ID region)',
    },
    exclude_same_household: {
      default: true,
      unit: 'boolean',
      description_zh: '同一户（同姓且身份证前 6 位相同）的两人同时入院不计 (pairs of one household do not count: a family admitted together)',
    },
    exclude_shared_injury: {
      default: true,
      unit: 'boolean',
      description_zh: '两人主诊断均为损伤中毒（ICD-10 S/T）的同时入院不计 (both injured: one accident)',
    },
  },
  lookbackDays: 365,
  sql: 'provider_pattern/co_admission_groups.sql',
  explain,
};

function explain(h: ExplainInput): string {
  const m = h.measured;
  const persons = ((m.persons as string[] | undefined) ?? []).map(String);
  return (
    `${m.first_date} 至 ${m.last_date}，参保人 ${listZh(persons, 3, '人')}（来自 ${m.households} 户）在本院多次同日入院，两人同日入院最多 ${m.max_co_admissions} 次` +
    `（界限 ${h.threshold.min_co_admissions} 次、至少 ${h.threshold.min_group_persons} 人 ${h.threshold.min_group_households} 户），` +
    `疑似结伙住院；涉及住院 ${m.stays_count} 次，金额 ${yuan(h.amount_at_risk)}`
  );
}
