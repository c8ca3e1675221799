import type { Store } from '../store/store.ts';
import { listDetectors } from '../detect/registry.ts';
import { Attribution, CAUSE_LOOKALIKE, readBackground, readCityMeta } from './background.ts';
import { matchTruth } from './detectors.ts';
import type { TruthRow } from './truth.ts';

/** Persons and days the false-alert rate is normalised to: `false × 10000 / persons × 120 / days`. */
export const PER_PERSONS = 10000;
export const PER_DAYS = 120;
/** The target rate of false alerts (issue 13). */
export const TARGET_PER_10K = 5;

export interface CauseCount {
  cause: string;
  label_zh: string;
  alerts: number;
}

export interface DetectorFalseAlerts {
  detector_id: string;
  family: string;
  alerts: number;
  /** Alerts matching no planted `alert` truth row of the detector. */
  false_alerts: number;
  false_per_10k: number | null;
  /** What the false alerts touch: legitimate patterns, planted cases of other detectors, look-alikes, `untagged`. An alert may have several. */
  causes: CauseCount[];
}

export interface FalseAlertsResult {
  persons: number;
  days: number;
  /** Where persons and days came from: the city's `_truth/city.json`, else the database (psn_info, span of mdtrt_d). */
  basis: 'city.json' | 'database';
  /** Rows of `_truth/background.jsonl` (null: the city has none, so every false alert is `untagged`). */
  background_tags: number | null;
  alerts: number;
  false_alerts: number;
  false_per_10k: number | null;
  target_per_10k: number;
  detectors: DetectorFalseAlerts[];
  causes: CauseCount[];
  recall_by_family: { family: string; planted: number; found: number; recall: number | null }[];
  /** Look-alikes (expect no_alert) that an alert matched, with the alerts matching them. */
  lookalikes_fired: { case_id: string; detector_id: string; scenario: string; note_zh: string; alerts: number }[];
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10000) / 10000);

/** Normalised false alerts: per 10,000 persons and 120 days, one decimal. */
export function per10k(falseAlerts: number, persons: number, days: number): number | null {
  if (persons <= 0 || days <= 0) return null;
  return Math.round(((falseAlerts * PER_PERSONS) / persons) * (PER_DAYS / days) * 10) / 10;
}

function countCauses(list: string[][], labels: Map<string, string>): CauseCount[] {
  const n = new Map<string, number>();
  for (const causes of list) for (const c of causes) n.set(c, (n.get(c) ?? 0) + 1);
  return [...n.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([cause, alerts]) => ({ cause, label_zh: labels.get(cause) ?? '', alerts }));
}

/**
 * False alerts on the city: every alert (not withdrawn) that matches no planted `alert` truth row of its detector
 * (the same matching as recall: pipeline/eval/detectors.ts), normalised to 10,000 persons and 120 days, per detector
 * with the causes its keys touch (pipeline/eval/background.ts); recall per detector family; the look-alikes that fired.
 */
export async function evaluateFalseAlerts(store: Store, truth: TruthRow[], truthFile: string): Promise<FalseAlertsResult> {
  const registered = await listDetectors();
  const family = new Map(registered.map((d) => [d.id, d.family as string]));
  const order = new Map(registered.map((d, i) => [d.id, i]));
  const rows = truth.filter((r) => family.has(r.detector_id));
  const background = readBackground(truthFile);
  const meta = readCityMeta(truthFile);
  const attribution = new Attribution(background?.tags ?? [], truth);
  const byCase = new Map(truth.map((r) => [r.case_id, r]));

  const { alerts, lookalikeMatches, found } = await store.exclusive(async () => {
    await matchTruth(store, rows);
    const alerts = await store.all<{ alert_id: string; detector_id: string; psn_no: string | null; fixmedins_code: string | null; bilg_dr_codg: string | null; mdtrt_id: string | null; setl_id: string | null; planted: boolean; lookalike: boolean }>(
      `SELECT a.alert_id, a.detector_id, a.psn_no, a.fixmedins_code, a.bilg_dr_codg, a.mdtrt_id, a.setl_id,
              EXISTS (SELECT 1 FROM eval_match m WHERE m.alert_id = a.alert_id AND m.expect = 'alert') AS planted,
              EXISTS (SELECT 1 FROM eval_match m WHERE m.alert_id = a.alert_id AND m.expect = 'no_alert') AS lookalike
       FROM alerts a WHERE a.status <> 'withdrawn' ORDER BY a.detector_id, a.alert_id`,
    );
    const lookalikeMatches = await store.all<{ case_id: string; alerts: number }>(
      `SELECT case_id, count(DISTINCT alert_id)::INTEGER AS alerts FROM eval_match WHERE expect = 'no_alert' GROUP BY case_id ORDER BY case_id`,
    );
    const found = await store.all<{ case_id: string }>(`SELECT DISTINCT case_id FROM eval_match WHERE expect = 'alert'`);
    return { alerts, lookalikeMatches, found };
  });

  const persons = meta?.persons ?? Number(await store.scalar('SELECT count(*) FROM psn_info'));
  const days = meta?.days ?? Number(await store.scalar(`SELECT coalesce(date_diff('day', min(begntime)::DATE, max(begntime)::DATE) + 1, 0) FROM mdtrt_d`));
  const perDetector = new Map<string, { alerts: number; causes: string[][] }>(registered.map((d) => [d.id, { alerts: 0, causes: [] }]));
  for (const a of alerts) {
    const d = perDetector.get(a.detector_id);
    if (!d) continue;
    d.alerts++;
    if (!a.planted) d.causes.push(a.lookalike ? [CAUSE_LOOKALIKE] : attribution.causes(a));
  }
  const detectors = [...perDetector.entries()]
    .sort((a, b) => order.get(a[0])! - order.get(b[0])!)
    .map(([id, d]): DetectorFalseAlerts => ({
      detector_id: id, family: family.get(id)!, alerts: d.alerts, false_alerts: d.causes.length, false_per_10k: per10k(d.causes.length, persons, days),
      causes: countCauses(d.causes, attribution.labels),
    }));
  const falseAlerts = detectors.reduce((n, d) => n + d.false_alerts, 0);
  const foundIds = new Set(found.map((f) => f.case_id));
  const families = new Map<string, { planted: number; found: number }>();
  for (const r of rows) {
    if (r.expect !== 'alert') continue;
    const f = families.get(family.get(r.detector_id)!) ?? { planted: 0, found: 0 };
    families.set(family.get(r.detector_id)!, f);
    f.planted++;
    if (foundIds.has(r.case_id)) f.found++;
  }
  return {
    persons, days, basis: meta ? 'city.json' : 'database', background_tags: background?.tags.length ?? null,
    alerts: detectors.reduce((n, d) => n + d.alerts, 0), false_alerts: falseAlerts, false_per_10k: per10k(falseAlerts, persons, days), target_per_10k: TARGET_PER_10K,
    detectors, causes: countCauses([...perDetector.values()].flatMap((d) => d.causes), attribution.labels),
    recall_by_family: [...families.entries()].map(([f, c]) => ({ family: f, planted: c.planted, found: c.found, recall: ratio(c.found, c.planted) })),
    lookalikes_fired: lookalikeMatches.map((m) => {
      const r = byCase.get(m.case_id)!;
      return { case_id: m.case_id, detector_id: r.detector_id, scenario: r.scenario, note_zh: r.note_zh, alerts: m.alerts };
    }),
  };
}

const num = (x: number) => x.toLocaleString('en-US');
const rate = (x: number | null) => (x === null ? '-' : x.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 }));

export function falseAlertsTable(r: FalseAlertsResult): string[] {
  const lines = [
    `人数 persons ${num(r.persons)} · 天数 days ${r.days}（${r.basis}）· 合法背景标注 background tags ${r.background_tags === null ? '无 none' : `${num(r.background_tags)} 行 rows`}`,
    `误报 false alerts ${num(r.false_alerts)} / ${num(r.alerts)} 条预警 alerts → 每万人每120天 per 10,000 persons per 120 days ${rate(r.false_per_10k)}（目标 target ≤ ${r.target_per_10k}）`,
    '',
    `${'detector'.padEnd(30)} ${'alerts'.padStart(7)} ${'false'.padStart(7)} ${'per 10k'.padStart(9)}  主要原因 top causes`,
  ];
  for (const d of r.detectors) {
    if (!d.false_alerts) continue;
    const top = d.causes.slice(0, 4).map((c) => `${c.cause} ${c.alerts}`).join(', ') + (d.causes.length > 4 ? ', …' : '');
    lines.push(`${d.detector_id.padEnd(30)} ${String(d.alerts).padStart(7)} ${String(d.false_alerts).padStart(7)} ${rate(d.false_per_10k).padStart(9)}  ${top}`);
  }
  const clean = r.detectors.filter((d) => !d.false_alerts).map((d) => d.detector_id);
  if (clean.length) lines.push(`无误报 no false alerts: ${clean.join(', ')}`);
  lines.push('', '误报原因合计 causes of all false alerts (一条预警可有多个原因 an alert may have several):');
  for (const c of r.causes) lines.push(`  ${c.cause.padEnd(34)} ${String(c.alerts).padStart(7)}  ${c.label_zh}`);
  lines.push('', '按类别召回率 recall by family:');
  for (const f of r.recall_by_family) lines.push(`  ${f.family.padEnd(18)} ${`${f.found}/${f.planted}`.padStart(9)}  ${f.recall === null ? '-' : `${(f.recall * 100).toFixed(1)}%`}`);
  lines.push('', `触发的相似对照 look-alikes that fired: ${r.lookalikes_fired.length}`);
  for (const l of r.lookalikes_fired) lines.push(`  ${l.case_id} (${l.detector_id}, ${l.alerts} 条 alerts) ${l.scenario}：${l.note_zh}`);
  return lines;
}
