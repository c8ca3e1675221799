import type { Detector } from '../types.ts';

/** Days of supply on one prescription above 7 (outpatient) / 3 (emergency) / 84 (chronic long prescription). */
export const detector: Detector = {
  id: 'oversized_days_supply',
  version: 1,
  family: 'prescription',
  gz_code: null,
  title_zh: '超量开药：处方用药天数超过规定',
  title_en: 'Oversized prescription: days of supply above the statutory limit',
  result_type: 'suspicious',
  legal_basis:
    '《处方管理办法》第十九条（处方一般不得超过7日用量，急诊处方一般不得超过3日用量；慢性病、老年病或特殊情况可适当延长，医师应注明理由）；《长期处方管理规范（试行）》（最长不超过12周）；《医疗保障基金使用监督管理条例》第三十八条（超量开药）',
  subject_type: 'visit',
  params: {
    outpatient_max_days: { default: 7, unit: '天', description_zh: '门诊处方用药天数上限 (outpatient, med_type 11 and other 1x)' },
    emergency_max_days: { default: 3, unit: '天', description_zh: '急诊处方用药天数上限 (emergency, med_type 13)' },
    chronic_max_days: { default: 84, unit: '天', description_zh: '门诊慢特病长期处方上限 12 周 (chronic/special, med_type 14xxxx)' },
    pharmacy_as_outpatient: {
      default: true,
      unit: 'boolean',
      description_zh: '药店购药 (med_type 41) 按门诊上限检查；false 则不检查药店购药',
    },
  },
  lookbackDays: 0,
  sql: 'prescription/oversized_days_supply.sql',
};
