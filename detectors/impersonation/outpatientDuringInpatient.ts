import type { Detector } from '../types.ts';

/** Outpatient or pharmacy settlement while the person is an inpatient at another provider. */
export const detector: Detector = {
  id: 'outpatient_during_inpatient',
  version: 1,
  family: 'impersonation',
  gz_code: null,
  title_zh: '住院期间在其他机构门诊或购药结算',
  title_en: 'Outpatient or pharmacy settlement while inpatient elsewhere',
  result_type: 'suspicious',
  legal_basis: '《医疗保障基金使用监督管理条例》第四十条（冒名就医、挂床住院骗取医保基金）',
  subject_type: 'person',
  params: {
    exclude_admission_discharge_days: {
      default: true,
      unit: '是/否',
      description_zh: '不检查入院当天和出院当天的门诊（入院前就诊、出院后购药属正常） (ignore visits on the admission and discharge days)',
    },
  },
  lookbackDays: 90,
  sql: 'impersonation/outpatient_during_inpatient.sql',
};
