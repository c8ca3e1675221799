import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../context.ts';
import { ts } from '../sql.ts';
import type { Store } from '../../pipeline/store/store.ts';
import { rulePrecision } from '../../pipeline/cases/list.ts';
import { knowledgeBaseStatus } from '../../pipeline/kb/status.ts';

export function registerDashboardRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { reads } = deps;

  app.get('/api/v1/dashboard', { config: { action: 'data.read' }, schema: { tags: ['dashboard'], summary: '统计看板 dashboard statistics' } }, async () => {
    const open = `status = 'open'`;
    return {
      totals: await reads.one(`SELECT count(*)::INTEGER AS open_alerts, coalesce(sum(amount_at_risk), 0)::DOUBLE AS amount_at_risk,
          count(DISTINCT detector_id)::INTEGER AS detectors_firing FROM alerts WHERE ${open}`),
      cases_by_status: await reads.all(`SELECT status, count(*)::INTEGER AS cases, coalesce(sum(amount_at_risk), 0)::DOUBLE AS amount_at_risk FROM cases GROUP BY status ORDER BY status`),
      by_family: await reads.all(`SELECT family, count(*)::INTEGER AS alerts, sum(amount_at_risk)::DOUBLE AS amount_at_risk FROM alerts WHERE ${open} GROUP BY family ORDER BY amount_at_risk DESC, family`),
      by_detector: await reads.all(`SELECT detector_id, family, any_value(title_zh) AS title_zh, count(*)::INTEGER AS alerts, sum(amount_at_risk)::DOUBLE AS amount_at_risk
          FROM alerts WHERE ${open} GROUP BY detector_id, family ORDER BY amount_at_risk DESC, detector_id`),
      trend: await reads.all(`SELECT strftime(date_trunc('month', coalesce(activity_date, created_at::DATE)), '%Y-%m') AS month, count(*)::INTEGER AS alerts,
          sum(amount_at_risk)::DOUBLE AS amount_at_risk FROM alerts WHERE ${open} GROUP BY 1 ORDER BY 1`),
      precision: await reads.use(rulePrecision),
      money: await reads.one(`SELECT coalesce(sum(confirmed_amount), 0)::DOUBLE AS confirmed, coalesce(sum(recovered_amount), 0)::DOUBLE AS recovered,
          coalesce(sum(deducted_amount), 0)::DOUBLE AS deducted, coalesce(sum(fined_amount), 0)::DOUBLE AS fined FROM cases WHERE decision = 'confirmed'`),
    };
  });

  app.get('/api/v1/status', { config: { action: 'status.read' }, schema: { tags: ['dashboard'], summary: '系统状态与横幅 system status and console banners' } }, async () => reads.use(systemStatus));
}

/** What the console banner shows: the last nightly run failed, or the knowledge base is empty or stale. */
export async function systemStatus(store: Store): Promise<{ banners: { level: string; code: string; message: string; run_id?: string }[]; last_nightly: Record<string, unknown> | null }> {
  const banners: { level: string; code: string; message: string; run_id?: string }[] = [];
  const last = await store.one<{ run_id: string; status: string; started_at: string; error: string | null }>(
    `SELECT run_id, status, ${ts('started_at')} AS started_at, error FROM runs WHERE kind = 'nightly' AND status NOT IN ('pending', 'running') ORDER BY started_at DESC LIMIT 1`);
  if (last && (last.status === 'failed' || last.status === 'partial_failure')) {
    banners.push({
      level: 'error', code: 'nightly_failed', run_id: last.run_id,
      message: `最近一次夜间运行${last.status === 'failed' ? '失败' : '部分失败'}（${last.started_at}）：${last.error ?? ''} (last nightly run ${last.status})`,
    });
  }
  const kb = await knowledgeBaseStatus(store);
  if (kb.points === 0) {
    banners.push({ level: 'warning', code: 'kb_empty', message: '知识库为空：知识点规则（billing 类）没有可检查的内容。请导入 NHSA 知识点表格 (knowledge base is empty)' });
  } else {
    const stale = await store.one<{ kb_at: string; batch_at: string }>(
      `SELECT ${ts('(SELECT max(imported_at) FROM kb_versions)')} AS kb_at, ${ts('max(finished_at)')} AS batch_at FROM batches
       WHERE status = 'loaded' HAVING max(finished_at) > (SELECT max(imported_at) FROM kb_versions)`);
    if (stale) banners.push({ level: 'warning', code: 'kb_stale', message: `知识库（${stale.kb_at} 导入）早于最新批次（${stale.batch_at}）：请确认知识点是否已更新 (knowledge base older than the newest batch)` });
  }
  return { banners, last_nightly: last ?? null };
}
