import { readFileSync } from 'node:fs';
import type { ParamSpec } from '../types.ts';

/**
 * The long-prescription (长期处方) and treatment-course lists shared by oversized_days_supply and
 * physician_oversized_rate: defaults read from data/reference/clinical/ (sources in long-prescription.md there),
 * overridable per region as string parameters. Syntax: entries separated by ',', each a code prefix ('J44') or an
 * inclusive range of prefixes of one length ('I10-I15'); dots and case do not matter; a course entry adds its days
 * after a colon ('B98.0:14').
 */
function listFromCsv(file: string, withDays = false): string {
  const text = readFileSync(new URL(`../../data/reference/clinical/${file}`, import.meta.url), 'utf8');
  return text
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [from, to, days] = l.split(',');
      const codes = from === to ? from! : `${from}-${to}`;
      return withDays ? `${codes}:${days}` : codes;
    })
    .join(',');
}

export const LONG_RX_PARAMS: Record<string, ParamSpec> = {
  chronic_icd10: {
    default: listFromCsv('chronic-icd10.csv'),
    unit: 'ICD-10',
    description_zh:
      '慢性病诊断（ICD-10 前缀或区间，逗号分隔）：就诊主诊断或其他诊断属此清单时，该次处方按长期处方上限判断 (chronic diagnoses; default data/reference/clinical/chronic-icd10.csv)',
  },
  chronic_atc: {
    default: listFromCsv('chronic-drug-atc.csv'),
    unit: 'ATC',
    description_zh:
      '慢性病长期用药类别（ATC 前缀，取自西药医保编码 X 后 5 位）：此类药品按长期处方上限判断 (maintenance-drug classes; default data/reference/clinical/chronic-drug-atc.csv)',
  },
  no_long_rx_atc: {
    default: listFromCsv('no-long-prescription-atc.csv'),
    unit: 'ATC',
    description_zh:
      '不得开具长期处方的药品类别（抗菌药物、麻醉药品、精神药品等，《长期处方管理规范（试行）》）：不按长期处方判断，优先于以上两项 (never long; default data/reference/clinical/no-long-prescription-atc.csv)',
  },
  course_icd10: {
    default: listFromCsv('treatment-courses.csv', true),
    unit: 'ICD-10:天',
    description_zh:
      '标准疗程超过7天的诊断及疗程天数（如幽门螺杆菌根除 B98.0:14）：就诊含此诊断时，该次各药品（含疗程内抗菌药物）以疗程天数为上限，天数取值 8–84 (standard treatment courses; default data/reference/clinical/treatment-courses.csv)',
  },
};
