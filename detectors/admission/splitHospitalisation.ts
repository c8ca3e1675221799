import type { Detector, ExplainInput } from '../types.ts';
import { yuan } from '../../pipeline/detect/explain.ts';
import { careCodes } from './careCodes.ts';
import { applyHolidayConfig } from '../provider_pattern/weekendHolidayActivity.ts';

/** Re-admission to the same provider for the same diagnosis category soon after discharge: 分解住院. */
export const detector: Detector = {
  id: 'split_hospitalisation',
  version: 2,
  family: 'admission',
  gz_code: 'GZ10000204001000',
  title_zh: '分解住院：同院同类诊断出院后短期内再次入院',
  title_en: 'Split hospitalisation: re-admission to the same provider for the same diagnosis soon after discharge',
  result_type: 'suspicious',
  legal_basis: '两库规则 GZ10000204001000 分解住院；《医疗保障基金使用监督管理条例》第三十八条（分解住院）',
  subject_type: 'visit',
  params: {
    readmit_days: {
      default: 15,
      unit: '天',
      min: 7,
      max: 31,
      description_zh: '出院后再入院间隔不超过该天数即触发，各地 7–31 天 (days from discharge date to re-admission date)',
    },
    diag_prefix_len: {
      default: 3,
      unit: '字符',
      min: 1,
      max: 7,
      description_zh: '主诊断比较的 ICD-10 前缀长度，3 = 类目如 J18；不同类目视为另一疾病再入院 (prefix compared; 3 = category; range 1–7)',
    },
    exclude_diag_prefixes: {
      default: careCodes('cycle-care-codes.csv', 'diag'),
      unit: 'list',
      description_zh: '任一次住院的主/次诊断以此开头则排除：放化疗、透析、分娩 (data/reference/clinical/cycle-care-codes.csv; 逗号分隔)',
    },
    exclude_oprn_prefixes: {
      default: careCodes('cycle-care-codes.csv', 'oprn'),
      unit: 'list',
      description_zh: '任一次住院的手术操作以此开头则排除：血液/腹膜透析、放疗、化疗 (ICD-9-CM-3; 逗号分隔)',
    },
    exclude_item_prefixes: {
      default: careCodes('cycle-care-codes.csv', 'item'),
      unit: 'list',
      description_zh: '任一次住院的收费项目编码以此开头则排除：抗肿瘤药、放疗、透析项目 (med_list_codg; 逗号分隔)',
    },
    exclude_same_day_transfer: {
      default: true,
      unit: 'boolean',
      description_zh: '出院当日在同院另一科室入院视为转科，不计 (same-day re-admission to another department = transfer)',
    },
    exclude_staged_operations: {
      default: true,
      unit: 'boolean',
      description_zh: '两次住院都有手术（ICD-9-CM-3 00–86 章）视为分期手术（如第二只眼、另一侧膝关节），不计 (both stays carry an operation: staged surgery)',
    },
    emergency_hours: {
      default: 24,
      unit: '小时',
      min: 0,
      max: 72,
      description_zh: '再入院前该小时数内在同院有急诊就诊（医疗类别 13）视为急诊入院，不计；0 = 不排除 (an emergency visit at the provider this many hours before re-admission: emergency admission; 0 turns it off)',
    },
    holiday_break_days: {
      default: 5,
      unit: '天',
      min: 0,
      max: 9,
      description_zh:
        '出院与再入院之间含一整段不少于该天数的法定假期（春节、国庆、劳动节长假）视为节前出院、节后回院继续治疗，不计；假期未结束即再入院仍计；0 = 不排除 (a whole official holiday period of at least these days between discharge and re-admission: home for the holiday; 0 turns it off)',
    },
  },
  // Covers the longest local interval (31 days) before the window.
  lookbackDays: 31,
  sql: 'admission/split_hospitalisation.sql',
  // holiday_break_days reads the holiday calendar, with the config's overrides (section `holidays`)
  prepare: applyHolidayConfig,
  explain,
};

function explain(h: ExplainInput): string {
  const m = h.measured;
  const day = (x: unknown) => String(x ?? '').slice(0, 10);
  const dept = (x: unknown) => (x ? String(x) : '');
  return (
    `${day(m.previous_discharge)} 从本院${dept(m.previous_dept)}出院（主诊断 ${m.previous_principal_diagnosis}）后 ${m.gap_days} 天，` +
    `${day(m.readmission)} 再次入住${dept(m.dept)}（主诊断 ${m.principal_diagnosis}，同属 ${m.diagnosis_group} 类），` +
    `间隔未超过 ${h.threshold.readmit_days} 天，且非放化疗、透析、分期手术、转科、急诊入院或节假日回家；再入院费用 ${yuan(h.amount_at_risk)}`
  );
}
