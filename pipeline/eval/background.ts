import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TruthRow } from './truth.ts';

/**
 * The generator's ground truth of its legitimate background (`_truth/background.jsonl`, data/generator/legit/tags.ts)
 * and of the city (`_truth/city.json`), read beside the truth file, and the attribution of a false alert to the
 * legitimate patterns (or planted cases) whose keys it touches.
 */
export interface BackgroundTag {
  pattern: string;
  label_zh: string;
  instance: string;
  psn_no: string | null;
  fixmedins_code: string | null;
  bilg_dr_codg: string | null;
  mdtrt_id: string | null;
  setl_id: string | null;
}

export interface CityMeta {
  persons: number;
  days: number;
}

/** `background.jsonl` beside the truth file, or null when the city has none (a plain background, an older city). */
export function readBackground(truthFile: string): { file: string; tags: BackgroundTag[] } | null {
  const file = join(dirname(truthFile), 'background.jsonl');
  if (!existsSync(file)) return null;
  const tags: BackgroundTag[] = [];
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`${file} 第 ${i + 1} 行 (line ${i + 1}): JSON 格式错误 invalid JSON: ${(err as Error).message}`);
    }
    if (typeof v.pattern !== 'string' || !v.pattern) throw new Error(`${file} 第 ${i + 1} 行 (line ${i + 1}): 字段 pattern 缺失 (field "pattern" missing)`);
    const key = (k: string) => (typeof v[k] === 'string' && v[k] ? (v[k] as string) : null);
    tags.push({
      pattern: v.pattern, label_zh: String(v.label_zh ?? ''), instance: String(v.instance ?? ''),
      psn_no: key('psn_no'), fixmedins_code: key('fixmedins_code'), bilg_dr_codg: key('bilg_dr_codg'), mdtrt_id: key('mdtrt_id'), setl_id: key('setl_id'),
    });
  });
  return { file, tags };
}

/** `city.json` beside the truth file (persons and days of the generated window), or null. */
export function readCityMeta(truthFile: string): CityMeta | null {
  const file = join(dirname(truthFile), 'city.json');
  if (!existsSync(file)) return null;
  const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<CityMeta>;
  if (!Number.isInteger(v.persons) || !Number.isInteger(v.days)) throw new Error(`${file}: persons 与 days 应为整数 (persons and days must be integers)`);
  return { persons: v.persons!, days: v.days! };
}

/** The keys of an alert that attribution looks at. */
export interface AlertKeys {
  psn_no: string | null;
  fixmedins_code: string | null;
  bilg_dr_codg: string | null;
  mdtrt_id: string | null;
  setl_id: string | null;
}

export const CAUSE_LOOKALIKE = 'lookalike';
export const CAUSE_UNTAGGED = 'untagged';
export const CAUSE_LABELS: Record<string, string> = {
  [CAUSE_LOOKALIKE]: '植入的相似对照 planted look-alike',
  [CAUSE_UNTAGGED]: '未标注 untagged (ordinary background care)',
};

type Index = Map<string, string[]>;

function push(m: Index, k: string | null, v: string): void {
  if (!k) return;
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** The patterns that make up at least a quarter of the most frequent one's rows (a subject has many visits). */
function dominant(patterns: string[] | undefined): string[] {
  if (!patterns?.length) return [];
  const n = new Map<string, number>();
  for (const p of patterns) n.set(p, (n.get(p) ?? 0) + 1);
  const top = Math.max(...n.values());
  return [...n.entries()].filter(([, c]) => c * 4 >= top).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([p]) => p);
}

/**
 * Attributes false alerts to causes. By the alert's most specific key:
 * - a visit (mdtrt_id / setl_id): the patterns tagged on that visit; else a planted case of that visit or person;
 *   else the person's dominant patterns;
 * - a person: a planted case of that person; else the person's dominant patterns;
 * - a physician: a planted case of that physician; else the dominant patterns of their tagged visits; else the
 *   provider's own practices;
 * - a provider: the provider's own practices (provider-level rows); else a planted case naming it; else the dominant
 *   patterns of the visits tagged there.
 * Planted causes are `planted:<detector_id>`; nothing found is `untagged`.
 */
export class Attribution {
  private visit: Index = new Map();
  private setl: Index = new Map();
  private person: Index = new Map();
  private doctor: Index = new Map();
  private providerOwn: Index = new Map();
  private providerAll: Index = new Map();
  private planted = { visit: new Map<string, string>(), person: new Map<string, string>(), doctor: new Map<string, string>(), provider: new Map<string, string>() };
  readonly labels = new Map<string, string>(Object.entries(CAUSE_LABELS));

  constructor(tags: BackgroundTag[], truth: TruthRow[]) {
    for (const t of tags) {
      this.labels.set(t.pattern, t.label_zh);
      push(this.visit, t.mdtrt_id, t.pattern);
      push(this.setl, t.setl_id, t.pattern);
      push(this.person, t.psn_no, t.pattern);
      if (t.bilg_dr_codg && t.fixmedins_code) push(this.doctor, `${t.fixmedins_code}|${t.bilg_dr_codg}`, t.pattern);
      push(t.psn_no || t.mdtrt_id ? this.providerAll : this.providerOwn, t.fixmedins_code, t.pattern);
    }
    for (const r of truth) {
      const cause = `planted:${r.detector_id}`;
      this.labels.set(cause, `植入场景 planted ${r.detector_id}`);
      if (r.mdtrt_id) this.planted.visit.set(r.mdtrt_id, cause);
      if (r.setl_id) this.planted.visit.set(r.setl_id, cause);
      if (r.psn_no) this.planted.person.set(r.psn_no, cause);
      if (r.fixmedins_code && r.bilg_dr_codg) this.planted.doctor.set(`${r.fixmedins_code}|${r.bilg_dr_codg}`, cause);
      if (r.fixmedins_code) this.planted.provider.set(r.fixmedins_code, cause);
    }
  }

  causes(a: AlertKeys): string[] {
    const first = (...options: (string[] | string | undefined)[]) => {
      for (const o of options) {
        if (typeof o === 'string') return [o];
        if (o?.length) return [...new Set(o)];
      }
      return [CAUSE_UNTAGGED];
    };
    const p = this.planted;
    const doctorKey = a.fixmedins_code && a.bilg_dr_codg ? `${a.fixmedins_code}|${a.bilg_dr_codg}` : null;
    if (a.mdtrt_id || a.setl_id) {
      return first(
        a.mdtrt_id ? this.visit.get(a.mdtrt_id) : undefined, a.setl_id ? this.setl.get(a.setl_id) : undefined,
        (a.mdtrt_id && p.visit.get(a.mdtrt_id)) || (a.setl_id && p.visit.get(a.setl_id)) || (a.psn_no && p.person.get(a.psn_no)) || undefined,
        a.psn_no ? dominant(this.person.get(a.psn_no)) : undefined,
      );
    }
    if (a.psn_no) return first(p.person.get(a.psn_no), dominant(this.person.get(a.psn_no)));
    if (doctorKey) {
      return first(p.doctor.get(doctorKey), dominant(this.doctor.get(doctorKey)), a.fixmedins_code ? dominant(this.providerOwn.get(a.fixmedins_code)) : undefined);
    }
    if (a.fixmedins_code) {
      return first(dominant(this.providerOwn.get(a.fixmedins_code)), p.provider.get(a.fixmedins_code), dominant(this.providerAll.get(a.fixmedins_code)));
    }
    return [CAUSE_UNTAGGED];
  }
}
