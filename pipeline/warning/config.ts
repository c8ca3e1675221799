import { checkSection, type FundwatchConfig, type JsonSchema } from '../config.ts';

/** Aid categories of the data contract (psn_info.aid_category / aid_roster); `general` = none. */
export const AID_CATEGORIES = ['extreme_poverty', 'subsistence', 'near_subsistence', 'monitored', 'poverty_alleviated', 'catastrophic_illness', 'general'] as const;

export const AID_CATEGORY_ZH: Record<string, string> = {
  extreme_poverty: '特困人员',
  subsistence: '低保对象',
  near_subsistence: '低保边缘家庭成员',
  monitored: '防止返贫监测对象',
  poverty_alleviated: '脱贫人口',
  catastrophic_illness: '因病致贫重病患者',
  general: '一般群众',
};

/**
 * Config section `early_warning` (高额医疗费用支出预警). Thresholds are yuan of out-of-pocket after the three
 * schemes (medfee_sumamt − fund_pay_sumamt), year to date. Local practice differs (domain-notes §2: Xi'an
 * 10,000 for low-income people; 26,000 for the general population); the defaults follow the issue.
 */
export interface EarlyWarningConfig {
  /** Year-to-date threshold per aid category. */
  thresholds: Record<string, number>;
  /** A person appears again when the year-to-date amount crosses threshold + k × step. 0 = only once a year. */
  step: number;
  /**
   * Single inpatient stay (med_type 2x) out-of-pocket trigger per category; null = off. By default only for
   * 防止返贫监测对象 (`monitored`): the one local rule found (a county's civil-affairs MoU, domain-notes §2) sets
   * 6,000 yuan after the three schemes for monitored persons; no source gives a single-stay line for the other
   * categories, which are referred by their year-to-date threshold. A region that has such a rule sets it here.
   */
  single_stay: Record<string, number | null>;
}

const LOW_INCOME = ['extreme_poverty', 'subsistence', 'near_subsistence', 'monitored', 'poverty_alleviated', 'catastrophic_illness'];

export const EARLY_WARNING_DEFAULTS: EarlyWarningConfig = {
  thresholds: { ...Object.fromEntries(LOW_INCOME.map((c) => [c, 10_000])), general: 50_000 },
  step: 10_000,
  single_stay: { ...Object.fromEntries(LOW_INCOME.map((c) => [c, null])), monitored: 6_000, general: null },
};

const yuan = { type: 'number', minimum: 0, maximum: 1e8 };
const perCategory = (value: JsonSchema): JsonSchema => ({ type: 'object', additionalProperties: false, properties: Object.fromEntries(AID_CATEGORIES.map((c) => [c, value])) });

export const EARLY_WARNING_SCHEMA: JsonSchema = {
  type: 'object', additionalProperties: false,
  properties: {
    thresholds: perCategory(yuan),
    step: yuan,
    single_stay: perCategory({ oneOf: [yuan, { type: 'null' }] }),
  },
};

export function earlyWarningConfig(config: FundwatchConfig = {}): EarlyWarningConfig {
  const s = checkSection<Partial<EarlyWarningConfig>>(config, 'early_warning', EARLY_WARNING_SCHEMA);
  const out: EarlyWarningConfig = {
    thresholds: { ...EARLY_WARNING_DEFAULTS.thresholds, ...(s.thresholds ?? {}) },
    step: s.step ?? EARLY_WARNING_DEFAULTS.step,
    single_stay: { ...EARLY_WARNING_DEFAULTS.single_stay, ...(s.single_stay ?? {}) },
  };
  return out;
}
