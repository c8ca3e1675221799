import type { KbReadProblem, KnowledgePoint, KpRuleClass } from './types.ts';
import type { SheetRow } from './sheet.ts';
import {
  parseAgeGroup,
  parseCareSetting,
  parseDuration,
  parseFrequencyUnit,
  parseInsurance,
  parseLevelTier,
  parseMaxDays,
  parseMinIntervalDays,
  parseNumber,
  parsePairWindow,
  parsePeriodLimit,
  parseSex,
} from './limits.ts';

export type Layout = 'drug' | 'service_sex' | 'service_limit' | 'duplicate' | 'daily' | 'period' | 'service_note';

/** What a recognised file holds: its rule class, drugs or services, and which sheet layout it uses. */
export interface FileKind {
  rule_class: KpRuleClass;
  item_kind: 'drug' | 'service';
  layout: Layout;
}

export interface RowContext {
  file: string;
  sheet: string;
  kind: FileKind;
  drugCodes?: Map<string, string[]>;
  problems: KbReadProblem[];
  /** '' for the first file of a kind in one read; 'f2-', 'f3-' … for further files, to keep kp_ids unique. */
  fileTag?: string;
}

/** Turns one data row of a recognised sheet into a knowledge point, or reports why it cannot. */
export function parseRow(ctx: RowContext, row: SheetRow): KnowledgePoint | undefined {
  const { kind } = ctx;
  const c = row.cells;
  const fail = (message: string): undefined => {
    ctx.problems.push({ file: ctx.file, sheet: ctx.sheet, row: row.row, message });
    return undefined;
  };
  const base = (item_name: string, codes: string[], constraint_text: string): KnowledgePoint => ({
    kp_id: `${kind.rule_class}:${kind.item_kind}:${ctx.fileTag ?? ''}${row.row}`,
    rule_class: kind.rule_class,
    item_kind: kind.item_kind,
    item_name,
    codes,
    constraint_text,
    source_file: ctx.file,
    sheet: ctx.sheet,
    row: row.row,
  });

  if (kind.layout === 'drug') {
    const name = c['药品通用名'] ?? '';
    if (!name) return fail('缺少药品通用名 (missing drug name)');
    const value = c['限定对象'] ?? c['限定值域'] ?? '';
    const note = c['药品说明'] ?? '';
    const codes = ctx.drugCodes?.get(name);
    if (!codes || codes.length === 0) return fail(`药品 "${name}" 在药品代码表中没有代码 (no national codes in the code sheet)`);
    const kp = base(name, codes, [value, note].filter(Boolean).join('；'));
    return applyDrugLimit(kp, value, note, fail, (m) => ctx.problems.push({ file: ctx.file, sheet: ctx.sheet, row: row.row, message: m }));
  }

  if (kind.layout === 'duplicate') {
    const main = serviceCode(c['主项编码']);
    const incl = serviceCode(c['从项编码']);
    if (!main) return fail(`主项编码 "${c['主项编码'] ?? ''}" 不是15位项目代码 (main item code is not a 15-digit service code)`);
    if (!incl) return fail(`从项编码 "${c['从项编码'] ?? ''}" 不是15位项目代码 (included item code is not a 15-digit service code)`);
    const win = parsePairWindow(c['频度'] ?? '');
    if (!win) return fail(`频度 "${c['频度'] ?? ''}" 无法识别 (unknown pair window; expected 单日/单次就诊/同一小时/N小时)`);
    const kp = base(c['主项名称'] ?? '', [main], [c['频度'], c['备注']].filter(Boolean).join('；'));
    return { ...kp, pair_codes: [incl], pair_name: c['从项名称'] ?? '', ...win };
  }

  const name = c['项目名称'] ?? '';
  const rawCode = c['国标代码'] ?? c['项目编码'] ?? c['项目代码'] ?? '';
  const code = serviceCode(rawCode);
  if (!name) return fail('缺少项目名称 (missing service name)');
  if (!code) return fail(`项目代码 "${rawCode}" 不是15位国家医疗服务项目代码 (not a 15-digit national service code)`);

  switch (kind.layout) {
    case 'service_sex': {
      const sex = parseSex(c['限定性别'] ?? '');
      if (!sex) return fail(`限定性别 "${c['限定性别'] ?? ''}" 无法识别 (expected 男/女)`);
      return { ...base(name, [code], [c['限定性别'], c['项目说明']].filter(Boolean).join('；')), sex };
    }
    case 'service_limit': {
      const value = c['限定对象'] ?? c['限定值域'] ?? '';
      const kp = base(name, [code], [value, c['项目说明']].filter(Boolean).join('；'));
      if (c['限定类型'] && !sameClass(c['限定类型'], kind.rule_class)) return fail(`限定类型 "${c['限定类型']}" 与本文件其他行不一致 (limit type differs from the file's)`);
      if (kind.rule_class === 'child_limit') {
        const g = parseAgeGroup(value);
        return g ? { ...kp, ...g } : fail(`限定对象 "${value}" 无法识别 (expected 儿童/婴幼儿/新生儿)`);
      }
      if (kind.rule_class === 'surgery_discount') {
        return value ? { ...kp, group: value } : fail('缺少限定值域（手术组） (missing operation group)');
      }
      if (kind.rule_class === 'sex_limit') {
        const sex = parseSex(value);
        return sex ? { ...kp, sex } : fail(`限定对象 "${value}" 无法识别 (expected 男/女)`);
      }
      return fail(`该类型的项目表暂不支持 (service sheets of class ${kind.rule_class} are not supported)`);
    }
    case 'daily': {
      const n = parseNumber(c['限制数量'] ?? '');
      const unit = parseFrequencyUnit(c['数量单位'] ?? '');
      if (n === undefined || n <= 0) return fail(`限制数量 "${c['限制数量'] ?? ''}" 不是正数 (not a positive number)`);
      if (!unit) return fail(`数量单位 "${c['数量单位'] ?? ''}" 无法识别 (expected 日/天/小时)`);
      return { ...base(name, [code], `${c['限制数量']}${c['数量单位'] === '小时' ? '小时/日' : '次/' + c['数量单位']}`), per_day_max: n, per_day_unit: unit };
    }
    case 'period': {
      const max = parseNumber(c['频次上限'] ?? '');
      const days = parseNumber(c['疗程周期'] ?? '') ?? parseDuration(c['疗程周期'] ?? '');
      if (max === undefined || max <= 0) return fail(`频次上限 "${c['频次上限'] ?? ''}" 不是正数 (not a positive number)`);
      if (days === undefined || days <= 0) return fail(`疗程周期 "${c['疗程周期'] ?? ''}" 不是天数 (not a number of days)`);
      const note = c['备注'] ?? '';
      const kp = base(name, [code], [`${days}天内不超过${max}次`, note].filter(Boolean).join('；'));
      const interval = parseMinIntervalDays(note);
      return { ...kp, period_days: days, period_max: max, ...(interval !== undefined ? { min_interval_days: interval } : {}) };
    }
    case 'service_note': {
      const note = c['备注'] ?? '';
      const kp = base(name, [code], note);
      if (kind.rule_class === 'age_limit') {
        if (/就业年龄/.test(note)) return { ...kp, age_group: 'working_age', age_min: 16, age_max: 60 };
        return fail(`备注 "${note}" 中没有可识别的年龄限制 (no age limit found in the note)`);
      }
      const maxDays = parseMaxDays(note);
      if (maxDays === undefined) return fail(`备注 "${note}" 中没有可识别的疗程天数 (no course length found in the note)`);
      const interval = parseMinIntervalDays(note);
      const period = parsePeriodLimit(note);
      return {
        ...kp,
        max_days: maxDays,
        // 第八批-3 limits are calendar periods (一个疾病过程支付不超过90天, 支付不超过一年，每周最多支付一次): counted as the span.
        course_measure: 'span',
        ...(interval !== undefined ? { min_interval_days: interval } : {}),
        ...(period ?? {}),
      };
    }
    default:
      return fail(`未处理的表格布局 (unhandled layout ${kind.layout})`);
  }
}

function applyDrugLimit(
  kp: KnowledgePoint,
  value: string,
  note: string,
  fail: (m: string) => undefined,
  warn: (m: string) => void,
): KnowledgePoint | undefined {
  switch (kp.rule_class) {
    case 'sex_limit': {
      const sex = parseSex(value);
      return sex ? { ...kp, sex } : fail(`限定对象 "${value}" 无法识别 (expected 男/女)`);
    }
    case 'child_limit': {
      const g = parseAgeGroup(value);
      return g ? { ...kp, ...g } : fail(`限定对象 "${value}" 无法识别 (expected 儿童/婴幼儿/新生儿)`);
    }
    case 'insurance_type_limit': {
      const insurance = parseInsurance(value) ?? parseInsurance(note);
      return insurance ? { ...kp, insurance } : fail(`限定对象 "${value}" 无法识别 (expected 工伤/生育)`);
    }
    case 'care_setting_limit': {
      const care = parseCareSetting(value);
      if (!care) return fail(`限定值域 "${value}" 无法识别 (expected 住院/门诊)`);
      return { ...kp, care_setting: care, ...(/急诊/.test(note) ? { emergency_allowed: true } : {}) };
    }
    case 'institution_level_limit': {
      const tier = parseLevelTier(value) ?? parseLevelTier(note);
      if (!tier) return fail(`限定值域 "${value}" 无法识别 (expected 一级/二级/三级)`);
      return { ...kp, min_level_tier: tier, ...(/首次处方/.test(note) ? { first_rx_only: true } : {}) };
    }
    case 'payment_course_limit': {
      const fromValue = parseDuration(value);
      const fromNote = parseMaxDays(note);
      const maxDays = fromValue ?? fromNote;
      if (maxDays === undefined) return fail(`限定值域 "${value}" 与药品说明中都没有支付天数 (no payment course in 限定值域 or note)`);
      if (fromValue !== undefined && fromNote !== undefined && fromValue !== fromNote && !/个月|年/.test(note)) {
        warn(`提示 note: 限定值域 ${fromValue}天 与药品说明 ${fromNote}天 不一致，采用限定值域 (limit value and note differ; the limit value is used)`);
      }
      return { ...kp, max_days: maxDays, course_measure: 'billed_days', ...(/单次住院/.test(note) ? { per_stay: true } : {}) };
    }
    default:
      return fail(`药品表不支持该限定类型 (drug sheets of class ${kp.rule_class} are not supported)`);
  }
}

function sameClass(limitType: string, rc: string): boolean {
  const map: Record<string, string> = { 限定年龄对象: 'child_limit', 限定主次操作: 'surgery_discount', 限定性别对象: 'sex_limit' };
  return !map[limitType] || map[limitType] === rc;
}

/** A 15-digit national service code; numbers that lost their leading zeros in Excel are padded back. */
export function serviceCode(raw: string | undefined): string | undefined {
  const t = (raw ?? '').replace(/\s+/g, '');
  if (/^\d{15}$/.test(t)) return t;
  if (/^\d{10,14}$/.test(t)) return t.padStart(15, '0');
  return undefined;
}
