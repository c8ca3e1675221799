import type { Detector } from '../types.ts';
import { num, yuan } from './text.ts';

/**
 * Care billed after the person's death (death_records matched by certno): 冒名就医 or 虚构服务. The family settling
 * a stay afterwards, and the body care and discharge of a person who died in hospital late in the day, are not.
 */
export const detector: Detector = {
  id: 'care_after_death',
  version: 2,
  family: 'impersonation',
  gz_code: null,
  title_zh: '死亡后发生医保结算或费用',
  title_en: 'Settlement or charges after the insured person died',
  result_type: 'violation',
  legal_basis: '《医疗保障基金使用监督管理条例》第四十条（冒名就医、虚构医药服务项目骗取医保基金）',
  subject_type: 'person',
  params: {
    grace_days: {
      default: 0,
      unit: '天',
      min: 0, max: 7,
      description_zh: '死亡日期之后的宽限天数，取值 0–7 (charges dated more than this many days after the death date fire)',
    },
    discharge_grace_days: {
      default: 1,
      unit: '天',
      min: 0, max: 3,
      description_zh:
        '院内死亡：住院在死亡后该天数内出院的，这几天的非药品收费（尸体料理、出院当日床位、结算）不计，药品仍计；取值 0–3 (in-hospital death: non-drug charges of a discharge within this many days)',
    },
  },
  lookbackDays: 0,
  sql: 'impersonation/care_after_death.sql',
  explain: (hit) => {
    const m = hit.measured;
    const where = m.fixmedins_name ?? hit.fixmedins_code;
    const when =
      m.first_charge_after_death === m.last_charge_after_death
        ? `${m.first_charge_after_death}（死亡后 ${num(m.days_after_death)} 天）`
        : `${m.first_charge_after_death} 至 ${m.last_charge_after_death}（死亡后第 ${num(m.days_after_death)} 天起）`;
    const died = m.in_hospital_death ? `于 ${m.die_date} 在住院期间死亡` : `已于 ${m.die_date} 死亡`;
    return `参保人${died}（${m.death_source}），${when}仍在 ${where} 发生收费 ${num(m.offending_lines)} 项，金额 ${yuan(hit.amount_at_risk)} 元`;
  },
};
