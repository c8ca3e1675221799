import type { Detector } from '../types.ts';

/** Care billed after the person's death (death_records matched by certno): 冒名就医 or 虚构服务. */
export const detector: Detector = {
  id: 'care_after_death',
  version: 1,
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
      description_zh: '死亡日期之后的宽限天数 (charges dated more than this many days after the death date fire)',
    },
  },
  lookbackDays: 0,
  sql: 'impersonation/care_after_death.sql',
};
