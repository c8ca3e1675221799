import { listZh, num, quoted, yuan } from '../../pipeline/detect/explain.ts';

/** Sentence pieces shared by the knowledge-point rules' `explain` (a helper: no `detector` export). */
export { listZh, num, quoted, yuan };

export interface KpItem {
  med_list_codg?: string;
  item_name?: string;
  [k: string]: unknown;
}

/** `measured.items` of the visit-level rules, by code (the SQL lists them in no particular order). */
export function items(measured: Record<string, unknown>): KpItem[] {
  const list = Array.isArray(measured.items) ? (measured.items as KpItem[]) : [];
  return [...list].sort((a, b) => String(a.med_list_codg ?? '').localeCompare(String(b.med_list_codg ?? '')));
}

/** Clauses joined by `；`, at most `max` (then `等 N 处`). */
export function clauses(list: readonly string[], max = 3): string {
  const shown = list.slice(0, max).join('；');
  return list.length > max ? `${shown} 等 ${list.length} 处` : shown;
}

/** `"子宫造影"、"宫腔镜检查"` (the code when a point has no name). */
export function names(list: KpItem[]): string {
  return listZh(list.map((i) => quoted(i.item_name ?? i.med_list_codg ?? '')));
}

/** Items grouped by a text derived from each: `"A"、"B"限女性使用，"C"限男性使用`. */
export function byLimit(list: KpItem[], limit: (i: KpItem) => string): string {
  const groups = new Map<string, KpItem[]>();
  for (const i of list) groups.set(limit(i), [...(groups.get(limit(i)) ?? []), i]);
  return [...groups].map(([text, its]) => `${names(its)}${text}`).join('，');
}

/** `2026-03-04 收费 1 次，金额 260.00 元` (dates of the offending lines, their count, the amount at risk). */
export function charged(dates: unknown, lines: unknown, amount: number): string {
  const days = Array.isArray(dates) ? dates.map(String) : [];
  const when = days.length ? `${listZh(days, 3, '天')} ` : '';
  return `${when}收费 ${num(lines ?? 0)} 次，金额 ${yuan(amount)}`;
}

const MED_TYPE_ZH: Record<string, string> = {
  '11': '普通门诊', '12': '门诊挂号', '13': '急诊', '14': '门诊慢特病', '21': '普通住院', '22': '外伤住院', '23': '转外诊治住院',
  '24': '急诊转住院', '28': '日间手术', '41': '定点药店购药', '51': '生育门诊', '52': '生育住院',
};

/** `普通门诊（医疗类别 11）`. */
export function medTypeZh(code: unknown): string {
  const c = String(code ?? '');
  if (!c) return '医疗类别未填';
  const name = MED_TYPE_ZH[c] ?? MED_TYPE_ZH[c.slice(0, 2)];
  return name ? `${name}（医疗类别 ${c}）` : `医疗类别 ${c}`;
}
