/**
 * The detector contract. One detector = one small `.ts` file exporting a `Detector` plus one SQL file
 * under `sql/detectors/<family>/<id>.sql`. The engine (pipeline/detect) runs the SQL, turns each row
 * into an alert in the one evidence shape of ../shared/docs/interfaces.md and stores it.
 *
 * ## What the SQL sees
 * The engine creates these TEMP views/tables before running a detector:
 * - `clean_setl`, `clean_mdtrt`, `clean_fee`: setl_d / mdtrt_d / fee_list_d with reversed settlements
 *   (refd_setl_flag = 1, their offset rows with init_setl_id, and the fee lines of both) left out.
 *   Visits whose every settlement is reversed are left out too.
 * - `clean_fee_timed`: clean_fee plus `t` TIMESTAMP, the fee time, or the visit's begin for a line without one.
 * - `params`: one row per pooling region (`admdvs` VARCHAR) with one typed column per parameter of the
 *   detector, holding the effective value for that region (defaults overridden by fundwatch.config.json).
 *   Join it on the hit's region: `JOIN params p ON p.admdvs = f.admdvs`.
 * - Named SQL parameters `$scan_from`, `$window_from`, `$window_to` (DATE): the run window and the start of
 *   the history the detector may read (`window_from - lookbackDays`). Use `$scan_from` to bound scans.
 *   The engine keeps only rows whose `activity_date` falls inside [window_from, window_to].
 *
 * ## What the SQL returns (one row per hit; column names exactly these)
 * psn_no, fixmedins_code, bilg_dr_codg, mdtrt_id, setl_id  VARCHAR or NULL (keys that do not apply are NULL)
 * feedetl_sn      VARCHAR[]  the offending fee lines ([] when none apply)
 * admdvs          VARCHAR    region of the hit (provider admdvs for provider/physician/visit, insu_admdvs for person)
 * measured        JSON       measured value(s), e.g. {"days_supply": 30}
 * threshold       JSON       the threshold(s) they broke, e.g. {"max_days": 7}
 * peer            JSON|NULL  statistical detectors: {group, size, median, spread, score}
 * amount_at_risk  DECIMAL    sum of det_item_fee_sumamt of the offending lines (or an estimate, said in measured)
 * activity_date   DATE       the date of the offending activity
 * evidence_key    VARCHAR    what makes this hit distinct for its subject (e.g. the setl_id or a date);
 *                            the alert id is a hash of (detector id, subject keys, evidence_key)
 */

import type { Store } from '../pipeline/store/store.ts';
import type { FundwatchConfig } from '../pipeline/config.ts';

export type Family =
  | 'impersonation'
  | 'upcoding'
  | 'prescription'
  | 'high_cost'
  | 'billing'
  | 'admission'
  | 'provider_pattern'
  | 'data_quality';

export const FAMILIES: readonly Family[] = [
  'impersonation',
  'upcoding',
  'prescription',
  'high_cost',
  'billing',
  'admission',
  'provider_pattern',
  'data_quality',
];

export type SubjectType = 'person' | 'provider' | 'physician' | 'visit';
export type ResultType = 'violation' | 'suspicious';

export interface ParamSpec {
  /** The default value. Numbers are DOUBLE in the `params` table, strings VARCHAR, booleans BOOLEAN. */
  default: number | string | boolean;
  /** Unit, e.g. '天', '元', '公里', '次', '%', 'ratio'. */
  unit: string;
  /** Bounds of a number parameter, inclusive: the config schema refuses values outside them. */
  min?: number;
  max?: number;
  description_zh: string;
}

/** One hit as the engine stores it, for `explain`: the SQL's JSON columns parsed, money as a number. */
export interface ExplainInput {
  measured: Record<string, unknown>;
  threshold: Record<string, unknown>;
  peer: { group?: unknown; size?: number; median?: number; spread?: number; score?: number } | null;
  amount_at_risk: number;
  activity_date: string;
  psn_no: string | null;
  fixmedins_code: string | null;
  bilg_dr_codg: string | null;
  mdtrt_id: string | null;
  setl_id: string | null;
  feedetl_sn: string[];
}

export interface Detector {
  /** snake_case, stable, e.g. 'overlapping_inpatient_stays'. */
  id: string;
  /** Bump when the logic changes; recorded with every alert. */
  version: number;
  family: Family;
  /** Official NHSA framework rule code (GZ…/ZB…) where one exists. */
  gz_code: string | null;
  title_zh: string;
  title_en: string;
  result_type: ResultType;
  /** e.g. '《医疗保障基金使用监督管理条例》第三十八条'. */
  legal_basis: string;
  subject_type: SubjectType;
  params: Record<string, ParamSpec>;
  /** Days of history before the window start that the detector must see (e.g. 90 for refills). */
  lookbackDays: number;
  /** Path of its SQL relative to sql/detectors/, e.g. 'impersonation/care_after_death.sql'. */
  sql: string;
  /** True for knowledge-point rules: a run with an empty knowledge base warns loudly. */
  usesKnowledgeBase?: boolean;
  /**
   * Optional: called by the engine with the run's config before the SQL runs (e.g. to write config-driven
   * reference rows such as the holiday overrides of `weekend_holiday_activity`). Must be idempotent and
   * must not open its own transaction (the engine may already be inside one).
   */
  prepare?: (store: Store, config: FundwatchConfig) => Promise<void>;
  /**
   * `explanation_zh` of each alert (docs/interfaces.md): one plain Chinese sentence an inspector can read to a
   * hospital, with the measured value, the limit and the item — e.g. `参保人为男性，"子宫造影"限女性使用；2026-03-04
   * 收费 1 次，金额 260.00 元`. Put what it needs (item names, dates, counts) into the SQL's `measured`. State the amount
   * as `yuan(hit.amount_at_risk)` (pipeline/detect/explain.ts: `260.00 元`, no thousands separator; a test checks every
   * alert for it). Without `explain`, or when it throws or returns '', the engine writes a generic sentence from
   * title_zh, measured, threshold and the amount.
   */
  explain?: (hit: ExplainInput) => string;
}
