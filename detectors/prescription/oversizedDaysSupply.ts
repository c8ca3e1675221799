import type { Detector } from '../types.ts';
import { LONG_RX_PARAMS } from './longPrescription.ts';
import { days, yuan } from './text.ts';

const CONTEXT_ZH: Record<string, string> = {
  emergency: '急诊处方',
  no_long_rx: '门诊处方（该类药品不得开具长期处方）',
  chronic_visit: '门诊慢特病长期处方',
  chronic_drug: '慢性病用药长期处方',
  chronic_diagnosis: '慢性病诊断长期处方',
  chronic_person: '慢性病患者药店购药长期处方',
  course: '该诊断标准疗程',
  outpatient: '门诊处方（非慢性病用药）',
};

interface Line {
  hilist_name?: string;
  prd_days?: number;
  max_days?: number;
  context?: string;
}

/**
 * Days of supply on one prescription above the limit of its context: 7 days outpatient, 3 emergency, 12 weeks for
 * a long prescription of a chronic condition (门慢门特 visit, chronic drug class, chronic diagnosis, or a pharmacy
 * purchase of a chronic patient) — never long for antimicrobials, narcotics and psychotropics — and the standard
 * course of a diagnosis that needs more than a week (H. pylori eradication 14 days …).
 */
export const detector: Detector = {
  id: 'oversized_days_supply',
  version: 2,
  family: 'prescription',
  gz_code: null,
  title_zh: '超量开药：处方用药天数超过规定',
  title_en: 'Oversized prescription: days of supply above the statutory limit',
  result_type: 'suspicious',
  legal_basis:
    '《处方管理办法》第十九条（处方一般不得超过7日用量，急诊处方一般不得超过3日用量；慢性病、老年病或特殊情况可适当延长，医师应注明理由）；《长期处方管理规范（试行）》（最长不超过12周）；《医疗保障基金使用监督管理条例》第三十八条（超量开药）',
  subject_type: 'visit',
  params: {
    outpatient_max_days: { default: 7, unit: '天', min: 1, max: 30, description_zh: '门诊处方用药天数上限，取值 1–30 (outpatient, med_type 1x, and pharmacy purchases without chronic context)' },
    emergency_max_days: { default: 3, unit: '天', min: 1, max: 7, description_zh: '急诊处方用药天数上限，取值 1–7 (emergency, med_type 13)' },
    chronic_max_days: { default: 84, unit: '天', min: 28, max: 90, description_zh: '长期处方上限 12 周，取值 28–90 (long prescription of a chronic condition)' },
    pharmacy_as_outpatient: {
      default: true,
      unit: 'boolean',
      description_zh: '检查药店购药 (med_type 41)：按其处方背景（慢性病患者、慢性病用药）判断；false 则不检查药店购药',
    },
    ...LONG_RX_PARAMS,
  },
  // A pharmacy purchase is judged by the person's chronic status: diagnoses and 门慢门特 visits of the year before.
  lookbackDays: 365,
  sql: 'prescription/oversized_days_supply.sql',
  explain: (hit) => {
    const lines = (hit.measured.lines as Line[] | undefined) ?? [];
    const worst = lines[0] ?? {};
    const more = lines.length > 1 ? `等 ${lines.length} 种药品` : '';
    return (
      `"${worst.hilist_name ?? '药品'}"${more}处方用药 ${days(worst.prd_days)} 天，超过${CONTEXT_ZH[worst.context ?? ''] ?? '处方'}` +
      `上限 ${days(worst.max_days)} 天；${hit.activity_date} 收费 ${lines.length} 项，金额 ${yuan(hit.amount_at_risk)} 元`
    );
  },
};
