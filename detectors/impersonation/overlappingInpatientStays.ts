import type { Detector } from '../types.ts';
import { num, yuan } from './text.ts';

/**
 * Two inpatient stays of one person overlapping at different providers: one of them is a 冒名 or 虚假住院. A
 * same-day transfer overlaps 0 days; a stay not yet discharged runs to its last charge; a dialysis session at the
 * patient's dialysis centre during a stay elsewhere is left out.
 */
export const detector: Detector = {
  id: 'overlapping_inpatient_stays',
  version: 2,
  family: 'impersonation',
  gz_code: null,
  title_zh: '同一参保人在不同医疗机构住院时间重叠',
  title_en: 'Overlapping inpatient stays at different providers',
  result_type: 'violation',
  legal_basis: '《医疗保障基金使用监督管理条例》第四十条（冒名就医、虚假住院骗取医保基金）',
  subject_type: 'person',
  params: {
    min_overlap_days: {
      default: 1,
      unit: '天',
      min: 1, max: 30,
      description_zh: '重叠天数不少于此值才触发，取值 1–30；当天出院当天转入他院（转院）重叠 0 天 (a same-day transfer overlaps 0 days)',
    },
    exempt_dialysis: {
      default: true,
      unit: '是/否',
      description_zh: '其中一次为透析治疗的不检查（住院期间回透析中心透析） (a dialysis session during a stay elsewhere does not fire)',
    },
  },
  lookbackDays: 90,
  sql: 'impersonation/overlapping_inpatient_stays.sql',
  explain: (hit) => {
    const m = hit.measured;
    const day = (x: unknown) => String(x).slice(0, 10);
    const span = m.earlier_end_recorded
      ? `${day(m.earlier_begin)} 至 ${day(m.earlier_end)}`
      : `${day(m.earlier_begin)} 入院，至 ${day(m.earlier_end)} 仍有收费、尚无出院记录`;
    return (
      `参保人在 ${m.earlier_fixmedins_name ?? m.earlier_fixmedins_code} 住院（${span}）期间，${day(m.stay_begin)} 又在 ${m.fixmedins_name ?? hit.fixmedins_code} 入院，` +
      `两次住院重叠 ${num(m.overlap_days)} 天（重叠 ${num(hit.threshold.min_overlap_days)} 天及以上即违规）；重叠期间收费 ${num(m.lines)} 项，金额 ${yuan(hit.amount_at_risk)} 元`
    );
  },
};
