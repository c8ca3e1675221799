import type { Detector } from '../types.ts';
import { minute, yuan } from './text.ts';

/**
 * Outpatient or pharmacy settlement while the person is an inpatient at another provider. The admission and
 * discharge days are left out (the emergency visit before an admission, a transfer), and so are dialysis sessions
 * kept at the patient's dialysis centre during a stay elsewhere.
 */
export const detector: Detector = {
  id: 'outpatient_during_inpatient',
  version: 2,
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
      description_zh: '不检查入院当天和出院当天的门诊（入院前急诊、转院、出院后购药属正常） (ignore visits on the admission and discharge days)',
    },
    exempt_dialysis: {
      default: true,
      unit: '是/否',
      description_zh: '不检查透析治疗（维持性透析患者住院期间回透析中心透析） (dialysis sessions during a stay elsewhere do not fire)',
    },
  },
  lookbackDays: 90,
  sql: 'impersonation/outpatient_during_inpatient.sql',
  explain: (hit) => {
    const m = hit.measured;
    const kind = m.med_type === '41' ? '药店购药' : '门诊就诊';
    return (
      `参保人 ${String(m.stay_begin).slice(0, 10)} 至 ${String(m.stay_end).slice(0, 10)} 在 ${m.stay_fixmedins_name ?? m.stay_fixmedins_code} 住院期间，` +
      `${minute(m.visit_time)} 又在 ${m.fixmedins_name ?? hit.fixmedins_code} ${kind}结算，收费 ${m.lines} 项，金额 ${yuan(hit.amount_at_risk)} 元`
    );
  },
};
