import { configSection, type FundwatchConfig } from '../config.ts';

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

export function earlyWarningConfig(config: FundwatchConfig = {}): EarlyWarningConfig {
  const s = configSection<EarlyWarningConfig>(config, 'early_warning');
  const out: EarlyWarningConfig = {
    thresholds: { ...EARLY_WARNING_DEFAULTS.thresholds, ...(s.thresholds ?? {}) },
    step: s.step ?? EARLY_WARNING_DEFAULTS.step,
    single_stay: { ...EARLY_WARNING_DEFAULTS.single_stay, ...(s.single_stay ?? {}) },
  };
  const bad = (k: string, v: unknown) => new Error(`配置项 early_warning.${k} 必须是非负金额 (must be a non-negative amount in yuan), got ${JSON.stringify(v)}`);
  for (const [k, v] of Object.entries(out.thresholds)) if (typeof v !== 'number' || !(v >= 0)) throw bad(`thresholds.${k}`, v);
  for (const [k, v] of Object.entries(out.single_stay)) if (v !== null && (typeof v !== 'number' || !(v >= 0))) throw bad(`single_stay.${k}`, v);
  if (typeof out.step !== 'number' || !(out.step >= 0)) throw bad('step', out.step);
  if (out.thresholds.general === undefined) throw bad('thresholds.general', undefined);
  return out;
}
