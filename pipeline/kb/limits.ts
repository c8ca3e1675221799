/**
 * Limits written as text in the NHSA knowledge-point sheets, parsed into numbers:
 * "支付不超过14天", "总时间不超过90天，评定间隔时间不短于14天", "支付不超过一年，每周最多支付一次",
 * "限二级及以上医疗机构", "14天", "365天", "男" / "女", "工伤" / "生育", "住院".
 * Each parser returns undefined when the text does not say it, so the caller can report the row.
 */

const CN_DIGITS: Record<string, number> = {
  零: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10,
};

/** "14", "十四", "二十", "一" → number; undefined when not a number. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  if (!/^[零一二两三四五六七八九十]+$/.test(t)) return undefined;
  if (t.includes('十')) {
    const [tens, ones] = t.split('十');
    return (tens ? (CN_DIGITS[tens] ?? NaN) : 1) * 10 + (ones ? (CN_DIGITS[ones] ?? NaN) : 0);
  }
  return t.length === 1 ? CN_DIGITS[t] : undefined;
}

const NUM = '(\\d+|[零一二两三四五六七八九十]+)';
const UNIT_DAYS: Record<string, number> = { 天: 1, 日: 1, 周: 7, 个月: 30, 月: 30, 年: 365 };
const UNIT = '(天|日|周|个月|月|年)';

/** A duration like "14天", "12个月", "一年" in days. */
export function parseDuration(text: string): number | undefined {
  const m = new RegExp(`^\\s*${NUM}\\s*${UNIT}\\s*$`).exec(text);
  if (!m) return undefined;
  const n = parseNumber(m[1]!);
  return n === undefined ? undefined : n * UNIT_DAYS[m[2]!]!;
}

/** "支付不超过14天" / "最多支付14天" / "总时间不超过90天" / "支付不超过12个月" / "支付不超过一年" → days. */
export function parseMaxDays(text: string): number | undefined {
  const m = new RegExp(`(?:不超过|最多支付|最长)\\s*${NUM}\\s*${UNIT}`).exec(text);
  if (!m) return undefined;
  const n = parseNumber(m[1]!);
  return n === undefined ? undefined : n * UNIT_DAYS[m[2]!]!;
}

/** "评定间隔时间不短于14天" / "间隔…不少于14天" → 14. */
export function parseMinIntervalDays(text: string): number | undefined {
  const m = new RegExp(`间隔[^，。；]*?不(?:短|少)于\\s*${NUM}\\s*${UNIT}`).exec(text);
  if (!m) return undefined;
  const n = parseNumber(m[1]!);
  return n === undefined ? undefined : n * UNIT_DAYS[m[2]!]!;
}

/** "每周最多支付一次" / "每日最多2次" → {period_days, period_max}. */
export function parsePeriodLimit(text: string): { period_days: number; period_max: number } | undefined {
  const m = new RegExp(`每\\s*${NUM}?\\s*(天|日|周|月|年)[^，。；]*?(?:最多|不超过)[^，。；\\d零一二两三四五六七八九十]*${NUM}\\s*次`).exec(text);
  if (!m) return undefined;
  const mult = m[1] ? parseNumber(m[1]) : 1;
  const max = parseNumber(m[3]!);
  if (mult === undefined || max === undefined) return undefined;
  return { period_days: mult * UNIT_DAYS[m[2]!]!, period_max: max };
}

/** 限定性别: "男" → '1', "女" → '2' (GB/T 2261.1). */
export function parseSex(text: string): '1' | '2' | undefined {
  const t = text.trim();
  if (t === '男' || t === '男性') return '1';
  if (t === '女' || t === '女性') return '2';
  return undefined;
}

/** 限定对象 of the age sheets: 儿童 / 婴幼儿 / 新生儿. */
export function parseAgeGroup(
  text: string,
): { age_group: 'child' | 'infant' | 'newborn'; age_max?: number; age_max_days?: number } | undefined {
  const t = text.trim();
  if (t === '新生儿') return { age_group: 'newborn', age_max_days: 28 };
  if (t === '婴幼儿' || t === '婴儿') return { age_group: 'infant', age_max: 3 };
  if (t === '儿童' || t === '小儿' || t === '未成年人') return { age_group: 'child', age_max: 18 };
  return undefined;
}

/** 限定保险类型: 工伤 / 生育. */
export function parseInsurance(text: string): 'work_injury' | 'maternity' | undefined {
  if (/工伤/.test(text)) return 'work_injury';
  if (/生育/.test(text)) return 'maternity';
  return undefined;
}

/** 限定机构等级 "二级" / "三级" or a text "限二级及以上医疗机构" → minimum hosp_lv tier. */
export function parseLevelTier(text: string): number | undefined {
  const m = /([一二三123])级/.exec(text);
  if (!m) return undefined;
  return { 一: 1, 二: 2, 三: 3, '1': 1, '2': 2, '3': 3 }[m[1]!];
}

/** 限定就医方式 "住院" / "门诊". */
export function parseCareSetting(text: string): 'inpatient' | 'outpatient' | undefined {
  const t = text.trim();
  if (/^住院/.test(t)) return 'inpatient';
  if (/^门诊/.test(t)) return 'outpatient';
  return undefined;
}

/** 重复收费 频度: 单日 / 单次就诊 / 同一小时 / 6小时. */
export function parsePairWindow(
  text: string,
): { pair_window: 'day' | 'visit' | 'hours'; pair_window_hours?: number } | undefined {
  const t = text.trim();
  if (t === '单日' || t === '同一日' || t === '当日') return { pair_window: 'day' };
  if (t === '单次就诊' || t === '当次' || t === '同一次就诊') return { pair_window: 'visit' };
  if (t === '同一小时') return { pair_window: 'hours', pair_window_hours: 1 };
  const m = new RegExp(`^${NUM}\\s*小时$`).exec(t);
  if (m) {
    const n = parseNumber(m[1]!);
    if (n !== undefined) return { pair_window: 'hours', pair_window_hours: n };
  }
  return undefined;
}

/** 限定频次 数量单位: 日/天 → per day; 小时 → hours per day. */
export function parseFrequencyUnit(text: string): 'day' | 'hour' | undefined {
  const t = text.trim();
  if (t === '日' || t === '天' || t === '次/日') return 'day';
  if (t === '小时') return 'hour';
  return undefined;
}
