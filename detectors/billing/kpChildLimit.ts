import type { Detector } from '../types.ts';
import { byLimit, charged, items, num } from './explainText.ts';

/**
 * Drug or service limited to an age group billed outside it: 儿童/婴幼儿/新生儿 (知识库第一批 限定年龄对象) and
 * 法定就业年龄 (第八批-2, 职业功能训练). The age bounds are parameters, per pooling region. A newborn's care billed on
 * the mother's card after a delivery (新生儿随母结算) is not a violation.
 */
export const detector: Detector = {
  id: 'kp_child_limit',
  version: 2,
  family: 'billing',
  gz_code: 'GZ10000101007000',
  title_zh: '药品/医疗服务项目限定年龄（限儿童、限新生儿、限就业年龄）',
  title_en: 'Drug or service limited to children (or another age group) billed outside it',
  result_type: 'violation',
  legal_basis:
    '《医疗保障基金使用监督管理条例》第三十八条；国家医保智能监管规则库 药品限儿童使用 (GZ10000101007000) / 项目限儿童 (GZ10000102006000) / 项目限新生儿 (GZ10000102005000) / 项目限年龄，知识库第一批（限定年龄对象）、第八批-2（限定年龄）',
  subject_type: 'visit',
  params: {
    child_max_age: { default: 18, unit: '岁', min: 6, max: 20, description_zh: '“儿童”上限：结算日年龄（周岁）达到此值即违规，取值 6–20（法定 18，个别地方规则另有规定）(children: age at billing >= this is a violation)' },
    infant_max_age: { default: 3, unit: '岁', min: 1, max: 6, description_zh: '“婴幼儿”上限（周岁）(infants: age >= this is a violation)' },
    newborn_max_days: { default: 28, unit: '天', min: 7, max: 60, description_zh: '“新生儿”上限：出生天数超过此值即违规 (newborns: days since birth > this)' },
    working_age_min: { default: 16, unit: '岁', min: 14, max: 18, description_zh: '法定就业年龄下限 (legal working age, lower bound)' },
    working_age_max: { default: 60, unit: '岁', min: 50, max: 70, description_zh: '法定就业年龄上限：年龄达到此值即超出 (legal working age: age >= this is outside)' },
  },
  lookbackDays: 60, // a stay spanning run windows keeps its whole evidence (see the SQL)
  sql: 'billing/kp_child_limit.sql',
  usesKnowledgeBase: true,
  explain: (h) => {
    const m = h.measured;
    const t = h.threshold;
    const list = items(m);
    const group: Record<string, string> = {
      child: `限儿童（未满 ${num(t.child_max_age)} 周岁）使用`,
      infant: `限婴幼儿（未满 ${num(t.infant_max_age)} 周岁）使用`,
      newborn: `限新生儿（出生 ${num(t.newborn_max_days)} 天内）使用`,
      working_age: `限法定就业年龄（${num(t.working_age_min)} 至未满 ${num(t.working_age_max)} 周岁）使用`,
    };
    const age = list.some((i) => i.age_group === 'newborn') ? `出生 ${num(m.age_days)} 天` : `年龄 ${num(m.age_years)} 周岁`;
    const limits = byLimit(list, (i) => group[String(i.age_group)] ?? '限特定年龄使用');
    return `参保人收费时${age}，${limits}；${charged(m.dates, m.lines, h.amount_at_risk)}`;
  },
};
