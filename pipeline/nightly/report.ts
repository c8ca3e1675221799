import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../store/store.ts';
import type { NightlyConfig } from './config.ts';

const STATUS_ZH: Record<string, string> = { pending: '等待', running: '运行中', succeeded: '成功', partial_failure: '部分失败', failed: '失败' };
const BATCH_ZH: Record<string, string> = { taken: '已收取', ingested: '已导入', failed: '导入失败（将重试）', quarantined: '已隔离' };

function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function money(v: unknown): string {
  return typeof v === 'number' ? v.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : '—';
}

/**
 * The detection runs of a nightly run: the `nightly_detect` runs started within its span. The run lock keeps
 * every other pipeline run out of that span, and a killed nightly run is resumed under the same id and start
 * time — so this is the interrupted detection run(s) and the one that finished.
 */
const DETECT_RUNS_SQL = `SELECT d.run_id FROM runs d JOIN runs n ON n.run_id = $1
  WHERE d.kind = 'nightly_detect' AND d.started_at >= n.started_at AND d.started_at <= coalesce(n.finished_at, now())`;

/**
 * The run report (HTML, Chinese): status, stages with timings, batches (quarantined ones said so), and the
 * alerts first raised by the run's detection runs. `final`: the status the run has ended with, when the report
 * is written before the runs row is updated. Null: no such run.
 */
export async function runReportHtml(store: Store, runId: string, top = 20, final?: { status: string; error: string | null }): Promise<string | null> {
  const run = await store.one<Record<string, unknown>>(
    `SELECT run_id, kind, status, window_from::VARCHAR AS window_from, window_to::VARCHAR AS window_to,
       strftime(started_at, '%Y-%m-%dT%H:%M:%S+08:00') AS started_at, strftime(coalesce(finished_at, CASE WHEN $2 THEN now() END), '%Y-%m-%dT%H:%M:%S+08:00') AS finished_at, error
     FROM runs WHERE run_id = $1`, [runId, Boolean(final)]);
  if (!run) return null;
  const st = final?.status ?? String(run.status);
  const runError = final ? final.error : run.error;
  // The report stage is this report: it is not listed while it writes it.
  const stages = await store.all<Record<string, unknown>>(
    `SELECT stage, status, ms, error FROM nightly_checkpoints WHERE run_id = $1 AND NOT ($2 AND stage = 'report') ORDER BY started_at`, [runId, Boolean(final)]);
  const batches = await store.all<Record<string, unknown>>(
    `SELECT dir, status, attempts, batch_id, ingest_status, error, quarantine_dir FROM nightly_inbox WHERE run_id = $1 ORDER BY dir`, [runId]);
  const quarantined = batches.filter((b) => b.status === 'quarantined');
  const detectRuns = await store.all<Record<string, unknown>>(
    `SELECT run_id, status, error FROM runs WHERE run_id IN (${DETECT_RUNS_SQL}) ORDER BY started_at`, [runId]);
  const findings = await store.all<Record<string, unknown>>(
    `SELECT a.alert_id, a.detector_id, a.gz_code, a.title_zh, a.family, a.fixmedins_code, a.psn_no, a.amount_at_risk::DOUBLE AS amount_at_risk,
       (SELECT ca.case_id FROM case_alerts ca WHERE ca.alert_id = a.alert_id) AS case_id
     FROM alerts a WHERE a.run_id IN (${DETECT_RUNS_SQL}) AND a.status = 'open' ORDER BY a.amount_at_risk DESC, a.alert_id LIMIT ${Math.max(1, Math.floor(top))}`, [runId]);
  const byFamily = await store.all<{ family: string; n: number; amount: number }>(
    `SELECT family, count(*)::INTEGER AS n, sum(amount_at_risk)::DOUBLE AS amount FROM alerts
     WHERE run_id IN (${DETECT_RUNS_SQL}) AND status = 'open' GROUP BY family ORDER BY amount DESC, family`, [runId]);
  const total = byFamily.reduce((n, f) => n + f.n, 0);
  const amount = byFamily.reduce((n, f) => n + f.amount, 0);
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>夜间运行报告 ${esc(runId)}</title>
<style>body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#1f2933}table{border-collapse:collapse;margin:8px 0 20px}
td,th{border:1px solid #cbd2d9;padding:4px 8px;font-size:13px}th{background:#f0f4f8}.failed{color:#b91c1c}.partial_failure{color:#b45309}.succeeded{color:#15803d}.num{text-align:right}</style></head><body>
<h1>夜间运行报告 Nightly run report</h1>
<p>运行 <b>${esc(runId)}</b> · 状态 <b class="${esc(st)}" data-status="${esc(st)}">${esc(STATUS_ZH[st] ?? st)} (${esc(st)})</b> · 开始 ${esc(run.started_at)} · 结束 ${esc(run.finished_at ?? '—')}
 · 检测窗口 ${esc(run.window_from ?? '—')} ~ ${esc(run.window_to ?? '—')}</p>
${runError ? `<p class="failed">错误 error: ${esc(runError)}</p>` : ''}
<h2>阶段 Stages</h2><table><tr><th>阶段</th><th>状态</th><th>耗时 ms</th><th>说明</th></tr>
${stages.map((s) => `<tr><td>${esc(s.stage)}</td><td>${esc(s.status)}</td><td class="num">${esc(s.ms ?? '')}</td><td>${esc(s.error ?? '')}</td></tr>`).join('')}</table>
<h2>批次 Batches (${batches.length})</h2>
${quarantined.length ? `<p class="failed" data-quarantined="${quarantined.length}">已隔离 ${quarantined.length} 个批次：多次导入失败，已移出收件箱，不再自动重试；修正后放回收件箱即重新导入 (quarantined ${quarantined.length} batches after repeated ingest failures: moved out of the inbox, no longer retried; put a fixed copy back into the inbox to ingest it)</p>` : ''}
<table><tr><th>目录</th><th>状态</th><th>尝试次数</th><th>batch_id</th><th>导入结果</th><th>错误</th><th>隔离位置</th></tr>
${batches.map((b) => `<tr><td>${esc(b.dir)}</td><td>${esc(BATCH_ZH[String(b.status)] ?? '')} (${esc(b.status)})</td><td class="num">${esc(b.attempts)}</td><td>${esc(b.batch_id)}</td><td>${esc(b.ingest_status)}</td><td>${esc(b.error)}</td><td>${esc(b.quarantine_dir)}</td></tr>`).join('')}</table>
<h2>本次运行的预警 Alerts of this run</h2>
<p>新预警 new alerts: <b data-alerts="${total}">${total}</b> 条，涉及金额 ¥${money(amount)}（检测运行 detection runs: ${detectRuns.length ? detectRuns.map((d) => `${esc(d.run_id)} ${esc(STATUS_ZH[String(d.status)] ?? d.status)}${d.error ? `（${esc(d.error)}）` : ''}`).join('；') : '无 none'}）</p>
<h2>按类别 By family</h2><table><tr><th>类别</th><th>预警数</th><th>涉及金额（元）</th></tr>
${byFamily.map((f) => `<tr><td>${esc(f.family)}</td><td class="num">${esc(f.n)}</td><td class="num">${money(f.amount)}</td></tr>`).join('')}</table>
<h2>当晚重点发现 Top findings</h2>
${findings.length === 0 ? '<p>本次运行没有新的预警。</p>' : `<table><tr><th>#</th><th>规则</th><th>GZ</th><th>标题</th><th>机构</th><th>涉及金额（元）</th><th>案件</th></tr>
${findings.map((f, i) => `<tr><td>${i + 1}</td><td>${esc(f.detector_id)}</td><td>${esc(f.gz_code ?? '')}</td><td>${esc(f.title_zh)}</td><td>${esc(f.fixmedins_code ?? '')}</td><td class="num">${money(f.amount_at_risk)}</td><td>${f.case_id ? `<a href="/#/cases/${esc(f.case_id)}">${esc(f.case_id)}</a>` : ''}</td></tr>`).join('')}</table>`}
</body></html>`;
}

/** Writes the report to `<report_dir>/nightly-<run_id>.html`; returns the path. */
export async function writeRunReport(store: Store, runId: string, nightly: NightlyConfig, final?: { status: string; error: string | null }): Promise<string> {
  const html = await runReportHtml(store, runId, nightly.report_top, final);
  if (!html) throw new Error(`运行不存在 run not found: ${runId}`);
  mkdirSync(nightly.report_dir, { recursive: true });
  const file = join(nightly.report_dir, `nightly-${runId}.html`);
  writeFileSync(file, html);
  return file;
}
