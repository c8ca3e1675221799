import { randomBytes } from 'node:crypto';
import type { FundwatchConfig } from '../config.ts';
import { knowledgeBaseStatus } from '../kb/status.ts';
import type { Store } from '../store/store.ts';
import { createCleanViews, dataSpan } from './clean.ts';
import { acquireRunLock, releaseRunLock } from './lock.ts';
import { detectorConfig, inShadow, listRegions } from './params.ts';
import { getDetector, listDetectors, type RegisteredDetector } from './registry.ts';
import { runDetector } from './runDetector.ts';
import { withdrawReversedAlerts } from './withdraw.ts';

export interface RunOptions {
  /** Window start YYYY-MM-DD; default: the first day of the data. */
  from?: string;
  /** Window end YYYY-MM-DD; default: the last day of the data. */
  to?: string;
  /** Detector ids; default: every registered detector not disabled in the config. */
  detectors?: string[];
  config?: FundwatchConfig;
  /** runs.kind: detect (default) | nightly | demo. */
  kind?: string;
  /** The caller (e.g. the nightly run) already holds the run lock; do not take it again. */
  lockHeld?: boolean;
  /** Use these detectors instead of the registry (tests and tools). */
  detectorList?: RegisteredDetector[];
}

export interface DetectorCount {
  detector_id: string;
  family: string;
  status: 'succeeded' | 'failed' | 'skipped';
  hits: number;
  in_window: number;
  alerts: number;
  alerts_new: number;
  alerts_existing: number;
  /** Shadow alerts raised to open by this run (the detector's shadow period is over). */
  alerts_promoted: number;
  amount_at_risk: number;
  /** Ran in shadow (config detectors.<id>.shadow / shadow_until): its alerts have status `shadow`. */
  shadow: boolean;
  ms: number;
  error?: string;
}

export interface Stage {
  stage: string;
  status: 'succeeded' | 'failed' | 'skipped';
  started_at: string;
  finished_at: string;
  ms: number;
  error: string | null;
}

export interface RunSummary {
  run_id: string;
  kind: string;
  status: 'succeeded' | 'partial_failure' | 'failed';
  window_from: string;
  window_to: string;
  detectors: string[];
  started_at: string;
  finished_at: string;
  /** Totals and by_family leave detectors in shadow out (their alerts count under alerts_shadow only). */
  counts: {
    alerts: number;
    alerts_new: number;
    alerts_existing: number;
    alerts_withdrawn: number;
    alerts_promoted: number;
    alerts_shadow: number;
    amount_at_risk: number;
    per_detector: Record<string, DetectorCount>;
  };
  by_family: Record<string, { alerts: number; amount_at_risk: number }>;
  stages: Stage[];
  warnings: string[];
}

export const KB_EMPTY_WARNING =
  '知识库为空：知识点规则没有可检查的内容 (knowledge base is empty: the knowledge-point rules had nothing to check)';

/**
 * One detection run: takes the run lock, records a `runs` row, creates the clean views, runs each selected
 * detector (a failing detector is recorded and the others go on: status partial_failure), upserts alerts,
 * withdraws alerts whose evidence was reversed, and returns the summary. The default window is the span of
 * the data (first to last day over visits, settlements and fee lines). A detector in shadow on the run's day
 * (Asia/Shanghai) stores its alerts with status `shadow`.
 */
export async function runDetection(store: Store, opts: RunOptions = {}): Promise<RunSummary> {
  for (const [name, v] of [['from', opts.from], ['to', opts.to]] as const) {
    if (v !== undefined && !isDate(v)) throw new Error(`--${name} 必须是 YYYY-MM-DD 格式的日期 (got "${v}")`);
  }
  const selected = await selectDetectors(opts);
  const runId = newRunId();
  const lockNote = opts.lockHeld ? null : await acquireRunLock(store, runId);
  const warnings: string[] = lockNote ? [lockNote] : [];
  const stages: Stage[] = [];
  const perDetector: Record<string, DetectorCount> = {};
  const startedAt = nowIso();
  let window = { from: opts.from ?? '', to: opts.to ?? '' };
  try {
    const span = await dataSpan(store);
    window = { from: opts.from ?? span?.from ?? today(), to: opts.to ?? span?.to ?? today() };
    if (window.from > window.to) throw new Error(`运行窗口无效 window from ${window.from} is after to ${window.to}`);
    if (!span) warnings.push('没有理赔数据，检测规则无可检查的内容 (no claim data loaded: nothing to check)');
    await store.exclusive(() =>
      store.run(
        `INSERT INTO runs (run_id, kind, status, window_from, window_to, detectors, started_at)
         VALUES ($1, $2, 'running', $3::DATE, $4::DATE, $5::JSON, now())`,
        [runId, opts.kind ?? 'detect', window.from, window.to, JSON.stringify(selected.map((s) => s.d.id))],
      ),
    );
    await stage(stages, 'prepare', () => store.exclusive(() => createCleanViews(store)));
    if (selected.some((s) => s.d.usesKnowledgeBase && s.enabled)) {
      try {
        const kb = await knowledgeBaseStatus(store);
        if (kb.points === 0) warnings.push(KB_EMPTY_WARNING);
      } catch (err) {
        warnings.push(`${KB_EMPTY_WARNING}；无法读取知识库状态 (cannot read the knowledge-base status: ${(err as Error).message})`);
      }
    }
    for (const { d, enabled } of selected) {
      if (!enabled) {
        perDetector[d.id] = emptyCount(d, 'skipped');
        continue;
      }
      const cfg = detectorConfig(opts.config, d);
      const shadow = inShadow(cfg, today());
      const t0 = Date.now();
      try {
        const r = await stage(stages, `detector:${d.id}`, () =>
          store.exclusive(async () => {
            const regions = await listRegions(store, cfg);
            if (d.prepare) await d.prepare(store, opts.config ?? {}); // optional hook (detectors/types.ts)
            const w = { scan_from: addDays(window.from, -d.lookbackDays), window_from: window.from, window_to: window.to };
            return runDetector(store, d, cfg, regions, w, runId, { shadow });
          }),
        );
        warnings.push(...r.warnings);
        const { warnings: _w, ...counts } = r;
        perDetector[d.id] = { detector_id: d.id, family: d.family, status: 'succeeded', ...counts, ms: Date.now() - t0 };
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        perDetector[d.id] = { ...emptyCount(d, 'failed'), shadow, ms: Date.now() - t0, error: msg };
        warnings.push(`检测规则 ${d.id} 运行失败 (detector failed): ${msg}`);
      }
    }
    const withdrawn = await stage(stages, 'withdraw', () => store.exclusive(() => withdrawReversedAlerts(store, runId)));
    const all = Object.values(perDetector);
    const counts = all.filter((c) => !c.shadow);
    const ran = all.filter((c) => c.status !== 'skipped');
    const failed = ran.filter((c) => c.status === 'failed').length;
    const status = failed === 0 ? 'succeeded' : failed === ran.length ? 'failed' : 'partial_failure';
    const summary: RunSummary = {
      run_id: runId,
      kind: opts.kind ?? 'detect',
      status,
      window_from: window.from,
      window_to: window.to,
      detectors: selected.map((s) => s.d.id),
      started_at: startedAt,
      finished_at: nowIso(),
      counts: {
        alerts: sum(counts, 'alerts'),
        alerts_new: sum(counts, 'alerts_new'),
        alerts_existing: sum(counts, 'alerts_existing'),
        alerts_withdrawn: withdrawn,
        alerts_promoted: sum(all, 'alerts_promoted'),
        alerts_shadow: sum(all.filter((c) => c.shadow), 'alerts'),
        amount_at_risk: round2(sum(counts, 'amount_at_risk')),
        per_detector: perDetector,
      },
      by_family: byFamily(counts),
      stages,
      warnings,
    };
    await finishRun(store, summary, failed ? `${failed} 个检测规则失败 (detectors failed)` : null);
    return summary;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    await store
      .exclusive(() =>
        store.run(
          `UPDATE runs SET status = 'failed', finished_at = now(), stages = $2::JSON, warnings = $3::JSON, error = $4 WHERE run_id = $1`,
          [runId, JSON.stringify(stages), JSON.stringify(warnings), msg],
        ),
      )
      .catch(() => undefined);
    throw err;
  } finally {
    if (!opts.lockHeld) await releaseRunLock(store, runId);
  }
}

async function selectDetectors(opts: RunOptions): Promise<{ d: RegisteredDetector; enabled: boolean }[]> {
  const find = async (id: string) => {
    if (!opts.detectorList) return getDetector(id);
    const d = opts.detectorList.find((x) => x.id === id);
    if (!d) throw new Error(`未知的检测规则 unknown detector "${id}"`);
    return d;
  };
  if (opts.detectors && opts.detectors.length) {
    // Named explicitly: run even when disabled in the config.
    const ids = [...new Set(opts.detectors)];
    const chosen = await Promise.all(ids.map(async (id) => ({ d: await find(id), enabled: true })));
    for (const { d } of chosen) detectorConfig(opts.config, d); // a bad config fails the run before it starts
    return chosen;
  }
  const all = opts.detectorList ?? (await listDetectors());
  return all.map((d) => ({ d, enabled: detectorConfig(opts.config, d).enabled }));
}

async function finishRun(store: Store, s: RunSummary, error: string | null): Promise<void> {
  await store.exclusive(() =>
    store.run(
      `UPDATE runs SET status = $2, finished_at = now(), counts = $3::JSON, stages = $4::JSON, warnings = $5::JSON, error = $6
       WHERE run_id = $1`,
      [s.run_id, s.status, JSON.stringify(s.counts), JSON.stringify(s.stages), JSON.stringify(s.warnings), error],
    ),
  );
}

async function stage<T>(stages: Stage[], name: string, fn: () => Promise<T>): Promise<T> {
  const started = nowIso();
  const t0 = Date.now();
  try {
    const r = await fn();
    stages.push({ stage: name, status: 'succeeded', started_at: started, finished_at: nowIso(), ms: Date.now() - t0, error: null });
    return r;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    stages.push({ stage: name, status: 'failed', started_at: started, finished_at: nowIso(), ms: Date.now() - t0, error: msg });
    throw err;
  }
}

function emptyCount(d: RegisteredDetector, status: DetectorCount['status']): DetectorCount {
  return { detector_id: d.id, family: d.family, status, hits: 0, in_window: 0, alerts: 0, alerts_new: 0, alerts_existing: 0, alerts_promoted: 0, amount_at_risk: 0, shadow: false, ms: 0 };
}

function byFamily(counts: DetectorCount[]): RunSummary['by_family'] {
  const out: RunSummary['by_family'] = {};
  for (const c of counts) {
    if (c.status !== 'succeeded') continue;
    const f = (out[c.family] ??= { alerts: 0, amount_at_risk: 0 });
    f.alerts += c.alerts;
    f.amount_at_risk = round2(f.amount_at_risk + c.amount_at_risk);
  }
  return out;
}

function sum(rows: DetectorCount[], key: 'alerts' | 'alerts_new' | 'alerts_existing' | 'alerts_promoted' | 'amount_at_risk'): number {
  return rows.reduce((n, r) => n + r[key], 0);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Run ids carry no ':' (they appear in file names and URLs): R20260105T093000-1a2b3c. */
function newRunId(): string {
  const t = shanghaiIso(new Date()).slice(0, 19).replace(/[-:]/g, '');
  return `R${t}-${randomBytes(3).toString('hex')}`;
}

export function isDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** ISO time in Asia/Shanghai: YYYY-MM-DDTHH:MM:SS+08:00. */
export function shanghaiIso(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19) + '+08:00';
}

function nowIso(): string {
  return shanghaiIso(new Date());
}

export function today(): string {
  return nowIso().slice(0, 10);
}
export { RunLockedError } from './lock.ts';
