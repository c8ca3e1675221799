import type { Detector } from '../types.ts';
import { days, yuan } from './text.ts';

/**
 * One person's refills of one drug (same med_list_codg, or same ingredient via med_catalog) running far ahead
 * of the days elapsed, often across providers: 超量开药 / 跨机构重复购药. Ordinary practice stays below the line:
 * a refill a few days early, a second box bought before a holiday or a trip (travel_tolerance_days), a new
 * prescription after a dose change (one more fill, not a run of them), long prescriptions of up to 12 weeks.
 */
export const detector: Detector = {
  id: 'overlapping_refills',
  version: 2,
  family: 'prescription',
  gz_code: 'GZ10000204003000',
  title_zh: '重复开药/购药：同一药品累计供药天数远超实际经过天数',
  title_en: 'Overlapping refills: cumulative days of supply of one drug far ahead of elapsed days',
  result_type: 'suspicious',
  legal_basis:
    '《医疗保障基金使用监督管理条例》第三十八条（超量开药、重复开药）；国家医保局《关于进一步加强超量开药智能监管工作的通知》（2025年11月，短期内跨机构重复购药）；两库规则 GZ10000204003000 频繁购药',
  subject_type: 'person',
  params: {
    window_days: { default: 90, unit: '天', min: 30, max: 120, description_zh: '回看窗口：只比较本次购药前该天数内的同药购药，取值 30–120 (fills compared within this window)' },
    ratio: { default: 1.5, unit: 'ratio', min: 1, max: 5, description_zh: '此前累计供药天数超过经过天数的倍数即触发，取值 1–5 (prior supply > elapsed days × ratio + tolerance)' },
    min_fills: { default: 3, unit: '次', min: 2, max: 20, description_zh: '窗口内最少购药次数（含本次），取值 2–20 (fills in the window, this one included)' },
    travel_tolerance_days: {
      default: 30,
      unit: '天',
      min: 0, max: 90,
      description_zh: '外出、节假日备药宽容天数，加在允许天数上，取值 0–90 (travel and holiday stock-up tolerance added to the allowance)',
    },
    min_providers: { default: 1, unit: '家', min: 1, max: 10, description_zh: '窗口内最少涉及机构数；设为 2 只看跨机构，取值 1–10 (distinct providers in the window)' },
  },
  // window_days is at most 90 by default; a larger configured window sees at most 120 days of history.
  lookbackDays: 120,
  sql: 'prescription/overlapping_refills.sql',
  explain: (hit) => {
    const m = hit.measured;
    const t = hit.threshold;
    return (
      `参保人 ${m.worst_fill_date} 再次购买"${m.hilist_name}"时，此前 ${days(m.worst_elapsed_days)} 天内已购 ${days(m.worst_prior_supply_days)} 天用量，` +
      `超过允许的 ${days(m.worst_allowed_days)} 天（经过天数 × ${t.ratio} + ${days(t.travel_tolerance_days)} 天）；` +
      `${t.window_days} 天内最多购药 ${days(m.max_fills_in_window)} 次、涉及 ${days(m.max_providers)} 家机构，` +
      `${m.first_trigger_date} 至 ${m.last_trigger_date} 触发购药 ${days(m.triggering_fills)} 次，金额 ${yuan(hit.amount_at_risk)} 元`
    );
  },
};
