/**
 * Knowledge points (知识点) read from the NHSA rule-library spreadsheets as published
 * (../shared/reference/nhsa-knowledge-points). The reader (pipeline/kb/read.ts) returns these;
 * `fundwatch kb import` stores them as a version; the generator uses them to pick real codes.
 */

export type KpRuleClass =
  | 'sex_limit' // 限定性别 (drug or service)
  | 'child_limit' // 限儿童 / 限定年龄对象 (drug or service)
  | 'age_limit' // 项目限年龄 (batch 8-2)
  | 'insurance_type_limit' // 限工伤 / 限生育 (batch 3)
  | 'care_setting_limit' // 限就医方式, e.g. inpatient only (batch 4)
  | 'institution_level_limit' // 限医疗机构级别 (batch 5)
  | 'payment_course_limit' // 限支付疗程 (batch 6)
  | 'surgery_discount' // 限定主次操作: 2nd surgery through one incision (batch 2)
  | 'duplicate_charge' // 重复收费 pairs (batch 7)
  | 'daily_frequency' // 限定频次 (batch 8-1)
  | 'course_length' // 限定疗程 (batch 8-3)
  | 'period_frequency'; // 限定周期 (batch 8-4)

export interface KnowledgePoint {
  /** Stable id: rule class + source row, e.g. 'sex_limit:drug:12'. */
  kp_id: string;
  rule_class: KpRuleClass;
  item_kind: 'drug' | 'service';
  item_name: string;
  /** National codes: drug codes expanded from sheet 2, or the 15-digit service codes. */
  codes: string[];
  /** The limit as written in the spreadsheet (限定内容 / 限定值 / 说明). */
  constraint_text: string;
  // Parsed limits; only those that apply to the rule class are set.
  sex?: '1' | '2'; // the sex the item is limited TO (1 male, 2 female)
  /** child_limit / age_limit: the age group named in the sheet (detectors take its bounds from params). */
  age_group?: 'child' | 'infant' | 'newborn' | 'working_age';
  age_min?: number; // years (working age: 16)
  age_max?: number; // years, exclusive (children: 18, infants 婴幼儿: 3, working age: 60)
  age_max_days?: number; // newborns 新生儿: 28 days
  insurance?: 'work_injury' | 'maternity';
  /** Minimum hosp_lv tier required: 3 = 三级, 2 = 二级及以上, 1 = 一级及以上. */
  min_level_tier?: number;
  /** institution_level_limit: only the first prescription needs that level (首次处方时需由二级及以上…). */
  first_rx_only?: boolean;
  care_setting?: 'inpatient' | 'outpatient';
  /** care_setting_limit: emergency visits are allowed too (限急诊或住院患者). */
  emergency_allowed?: boolean;
  max_days?: number; // payment course / course length (days)
  /** How max_days is counted: distinct days of use ('billed_days') or first-to-last calendar span ('span', 总时间). */
  course_measure?: 'billed_days' | 'span';
  /** payment_course_limit: the limit applies per stay (单次住院最多支付N天). */
  per_stay?: boolean;
  per_day_max?: number; // daily frequency: allowed quantity per day (units of per_day_unit)
  per_day_unit?: 'day' | 'hour'; // 日/天: count per day; 小时: hours per day (24)
  period_days?: number; // period frequency: window
  period_max?: number; // period frequency: allowed count in the window
  min_interval_days?: number; // e.g. 评定间隔时间不短于14天
  /** duplicate_charge: the item that must not be billed with `codes` on the same day. */
  pair_codes?: string[];
  pair_name?: string;
  /** duplicate_charge: the window of the pair (频度): 单日 'day', 单次就诊 'visit', 同一小时 / 6小时 'hours'. */
  pair_window?: 'day' | 'visit' | 'hours';
  pair_window_hours?: number;
  /** surgery_discount: operation group label. */
  group?: string;
  source_file: string;
  sheet: string;
  row: number;
}

export interface KbReadProblem {
  file: string;
  sheet: string | null;
  row: number | null;
  message: string;
}

export interface KbReadResult {
  points: KnowledgePoint[];
  problems: KbReadProblem[];
  files: {
    file: string;
    sha256: string;
    rule_class: KpRuleClass | null;
    item_kind?: 'drug' | 'service' | null;
    points: number;
    codes?: number;
    /** Rows that are not knowledge points (合计 / 备注 footers), said rather than silently dropped. */
    skipped_rows?: { sheet: string; row: number; reason: string }[];
  }[];
}
