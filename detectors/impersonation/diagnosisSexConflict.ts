import type { Detector } from '../types.ts';
import { num, yuan } from './text.ts';

interface Conflict {
  code?: string;
  kind?: string;
  role?: string;
  requires?: string;
  group?: string;
}

/**
 * A sex-specific diagnosis (ICD-10) or procedure (ICD-9-CM-3) on a person of the other sex: someone else's
 * card was used (冒名就医), or the visit was coded wrongly. The code lists are the explicit table at the top
 * of the SQL. A newborn boy's care billed on his mother's card (新生儿随母结算) is not a conflict.
 */
export const detector: Detector = {
  id: 'diagnosis_sex_conflict',
  version: 2,
  family: 'impersonation',
  gz_code: 'GZ10000204006000',
  title_zh: '诊断或手术操作与患者性别不符',
  title_en: 'Sex-specific diagnosis or procedure on a person of the other sex',
  result_type: 'violation',
  legal_basis: '《医疗保障基金使用监督管理条例》第四十条（冒名就医）；属编码错误的按医保结算清单质量要求整改',
  subject_type: 'visit',
  params: {
    include_secondary_diagnoses: { default: true, unit: '是/否', description_zh: '同时检查其他诊断 diag_codes (also check secondary diagnoses)' },
    include_procedures: {
      default: true,
      unit: '是/否',
      description_zh: '同时检查手术操作编码 oprn_oprt_codes（GZ10000201005000 手术操作编码与性别不符）',
    },
    newborn_days: {
      default: 28,
      unit: '天',
      min: 0, max: 60,
      description_zh:
        '新生儿随母结算：母亲分娩后该天数内、或就诊含围产期/新生儿诊断（P00–P96、Z38）时，女性就诊中的男性限定编码属新生儿，不计；0 则不排除，取值 0–60 (newborn care on the mother’s card)',
    },
  },
  // A delivery up to newborn_days (at most 60) before the visit makes it the newborn's.
  lookbackDays: 60,
  sql: 'impersonation/diagnosis_sex_conflict.sql',
  explain: (hit) => {
    const m = hit.measured;
    const c = ((m.conflicts as Conflict[] | undefined) ?? [])[0] ?? {};
    const sex = m.gend === '1' ? '男性' : '女性';
    const limit = c.requires === 'female' ? '限女性' : '限男性';
    const group = String(c.group ?? '').split(' ')[0];
    const name = c.role === 'principal' && m.dscg_maindiag_name ? ` ${m.dscg_maindiag_name}` : '';
    const what = c.kind === 'procedure' ? '手术操作' : c.role === 'principal' ? '主诊断' : '其他诊断';
    const more = ((m.conflicts as Conflict[] | undefined) ?? []).length > 1 ? `等 ${((m.conflicts as Conflict[]).length)} 个编码` : '';
    return `参保人为${sex}，${what}"${c.code}${name}"（${group}）${limit}${more}；${hit.activity_date} 就诊收费 ${num(m.lines)} 项，金额 ${yuan(hit.amount_at_risk)} 元`;
  },
};
