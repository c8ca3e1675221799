import type { Detector, ExplainInput, ParamSpec } from '../../detectors/types.ts';

/**
 * `explanation_zh` of an alert (docs/interfaces.md): the detector's own `explain`, or — for a detector without one,
 * or when it throws or returns nothing — a generic sentence from title_zh, measured, threshold and the amount.
 * Helpers here (`yuan`, `listZh`, `quoted`) are for the detectors' `explain` functions too.
 */

/** Money as every explanation writes it: `1234.50 元` (2 decimals, no thousands separator). */
export function yuan(amount: number): string {
  return `${(Math.round(amount * 100) / 100).toFixed(2)} 元`;
}

/** `"子宫造影"` — item names in the quotes of the interfaces.md example. */
export function quoted(name: unknown): string {
  return `"${String(name ?? '')}"`;
}

/** `a、b、c` — or `a、b、c 等 5 项` when there are more than `max`. */
export function listZh(items: readonly string[], max = 3, unit = '项'): string {
  const shown = items.slice(0, max).join('、');
  return items.length > max ? `${shown} 等 ${items.length} ${unit}` : shown;
}

/** A number as text: integers as is, others with at most 2 decimals. */
export function num(v: unknown): string {
  const x = Number(v);
  if (!Number.isFinite(x)) return String(v ?? '—');
  return Number.isInteger(x) ? String(x) : String(Math.round(x * 100) / 100);
}

export interface Explanation {
  text: string;
  /** The detector's `explain` threw or returned nothing: the generic sentence was used. */
  failed: boolean;
}

export function explainAlert(d: Detector, hit: ExplainInput): Explanation {
  if (d.explain) {
    try {
      const text = d.explain(hit);
      if (typeof text === 'string' && text.trim() !== '') return { text: text.trim(), failed: false };
    } catch {
      // fall through to the generic sentence; the engine warns once per detector
    }
    return { text: genericExplanation(d, hit), failed: true };
  }
  return { text: genericExplanation(d, hit), failed: false };
}

/**
 * `机构 H1 于 2026-01-05 触发"…"：测量值 a 3、b 2；阈值 …；涉及金额 120.00 元`. Threshold names that are parameters
 * are given by the start of their description_zh and their unit.
 */
export function genericExplanation(d: Detector, hit: ExplainInput): string {
  const head = `${subjectZh(d, hit)}${hit.activity_date ? ` 于 ${hit.activity_date} ` : ' '}触发${quoted(d.title_zh)}`;
  const measured = describeValues(hit.measured, {});
  const threshold = describeValues(hit.threshold, d.params);
  const details: string[] = [];
  if (measured) details.push(`测量值 ${measured}`);
  if (threshold) details.push(`阈值 ${threshold}`);
  if (hit.peer && hit.peer.median !== undefined) {
    details.push(`同类${hit.peer.group !== undefined ? `（${brief(hit.peer.group)}${hit.peer.size ? `，${hit.peer.size} 个` : ''}）` : ''}中位数 ${num(hit.peer.median)}${hit.peer.score !== undefined ? `，偏离分 ${num(hit.peer.score)}` : ''}`);
  }
  details.push(`涉及金额 ${yuan(hit.amount_at_risk)}`);
  return `${head}：${details.join('；')}`;
}

function subjectZh(d: Detector, h: ExplainInput): string {
  switch (d.subject_type) {
    case 'person':
      return `参保人 ${h.psn_no ?? '—'}`;
    case 'provider':
      return `机构 ${h.fixmedins_code ?? '—'}`;
    case 'physician':
      return `机构 ${h.fixmedins_code ?? '—'} 医师 ${h.bilg_dr_codg ?? '—'}`;
    case 'visit':
      return `就诊 ${h.mdtrt_id ?? '—'}${h.fixmedins_code ? `（机构 ${h.fixmedins_code}）` : ''}`;
  }
}

/** Up to four `name value` pairs; parameters by their Chinese label and unit. */
function describeValues(values: Record<string, unknown>, params: Record<string, ParamSpec>): string {
  return Object.entries(values ?? {})
    .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .slice(0, 4)
    .map(([k, v]) => {
      const spec = params[k];
      const unit = spec && /[\u4e00-\u9fff%]/.test(spec.unit) ? ` ${spec.unit}` : '';
      return `${spec ? label(spec) : k} ${brief(v)}${unit}`;
    })
    .join('、');
}

/** The start of a parameter's description_zh, before its first bracket, colon or comma. */
function label(spec: ParamSpec): string {
  return spec.description_zh.split(/[（(：:，,]/)[0]!.trim() || spec.description_zh;
}

const NAME_KEYS = ['item_name', 'hilist_name', 'main_name', 'included_name', 'name', 'title'];

function brief(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return num(v);
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (typeof v === 'string') return v.length > 40 ? `${v.slice(0, 40)}…` : v;
  if (Array.isArray(v)) return listZh(v.map(brief));
  const o = v as Record<string, unknown>;
  const name = NAME_KEYS.find((k) => typeof o[k] === 'string');
  if (name) return quoted(o[name]);
  return Object.entries(o)
    .filter(([, x]) => x === null || typeof x !== 'object')
    .slice(0, 2)
    .map(([k, x]) => `${k} ${brief(x)}`)
    .join(' ');
}
