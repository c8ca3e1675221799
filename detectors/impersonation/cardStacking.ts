import type { Detector } from '../types.ts';
import { num, yuan } from './text.ts';

/**
 * One physician settles the same drug for many different persons within minutes: the NHSA 2025-09 case of a
 * medical representative who collected dozens of 社保卡 and had 司美格鲁肽 (semaglutide) prescribed on them.
 * Timed by each visit's begin (a centre posting a shift's charges at once is not a stack), counting only persons
 * new to the provider (a shift of regular dialysis patients is not either), with a higher count at pharmacies.
 */
export const detector: Detector = {
  id: 'card_stacking',
  version: 2,
  family: 'impersonation',
  gz_code: null,
  title_zh: '同一医师短时间内为多名参保人开具同一药品（疑似集中刷卡、冒名开药）',
  title_en: 'One physician bills the same drug for many persons within minutes (card stacking)',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第四十条（诱导、协助他人冒名就医、购药）',
  subject_type: 'physician',
  params: {
    min_persons: { default: 5, unit: '人', min: 3, max: 50, description_zh: '时间窗内新患者人数达到此值，取值 3–50 (distinct new persons within the window)' },
    pharmacy_min_persons: {
      default: 10,
      unit: '人',
      min: 3, max: 100,
      description_zh: '药店（多个收银台共用一个工号排队结算）时间窗内新顾客人数达到此值，取值 3–100 (pharmacies: distinct new persons within the window)',
    },
    window_minutes: { default: 2, unit: '分钟', min: 1, max: 30, description_zh: '滑动时间窗长度，按就诊开始（挂号、购药）时间计，取值 1–30 (sliding window on visit begin times)' },
    known_patient_days: {
      default: 90,
      unit: '天',
      min: 0, max: 365,
      description_zh: '此前该天数内在本机构就诊过的参保人视为老患者，不计入人数；0 则都计入，取值 0–365 (regular patients of the provider are not counted)',
    },
  },
  // Regular patients are recognised by their visits to the provider in the 90 days before.
  lookbackDays: 90,
  sql: 'impersonation/card_stacking.sql',
  explain: (hit) => {
    const m = hit.measured;
    const t = hit.threshold;
    return (
      `医师 ${hit.bilg_dr_codg}（${hit.fixmedins_code}）${m.first_time} 至 ${String(m.last_time).slice(11)} 为 ${num(m.persons)} 名此前未在该机构就诊的参保人` +
      `开具"${m.drug_name}"，${num(t.window_minutes)} 分钟内最多 ${num(m.max_persons_in_window)} 人，达到 ${num(t.min_persons)} 人的阈值；` +
      `共 ${num(m.lines)} 项，金额 ${yuan(hit.amount_at_risk)} 元`
    );
  },
};
