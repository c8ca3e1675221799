import type { FastifyInstance } from 'fastify';
import { HttpError, S, actorOf, idParams, notFound, sendHtml, type AppDeps } from '../context.ts';
import { ALERT_SELECT, alertRow, regionClause, ts } from '../sql.ts';
import { effectiveParams, listDetectors } from '../detectors.ts';
import { listKbVersions, knowledgeBaseStatus } from '../../pipeline/kb/status.ts';
import { runReportHtml } from '../../pipeline/nightly/report.ts';

const ALERT_SORTS: Record<string, string> = { created_at: 'created_at', amount_at_risk: 'amount_at_risk', detector_id: 'detector_id', alert_id: 'alert_id' };

export function registerDataRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { reads } = deps;

  app.get<{ Querystring: { family?: string; detector?: string; since?: string; status?: string; region?: string; sort: string; order: string; limit: number; offset: number } }>('/api/v1/alerts', {
    config: { action: 'data.read' },
    schema: {
      tags: ['alerts'], summary: '预警列表 list alerts',
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          family: { type: 'string', pattern: '^[a-z_]{1,40}$' }, detector: { type: 'string', pattern: '^[a-z0-9_]{1,60}$' },
          since: S.date, status: { type: 'string', enum: ['open', 'withdrawn', 'suppressed', 'shadow'] }, region: S.region,
          sort: { type: 'string', enum: Object.keys(ALERT_SORTS), default: 'created_at' }, order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
          limit: S.limit, offset: S.offset,
        },
      },
    },
  }, async (req) => {
    const q = req.query;
    const params: unknown[] = [];
    const where = [regionClause('admdvs', req.user!.region, params)];
    const add = (sql: (p: string) => string, v: unknown) => { params.push(v); where.push(sql(`$${params.length}`)); };
    if (q.family) add((p) => `family = ${p}`, q.family);
    if (q.detector) add((p) => `detector_id = ${p}`, q.detector);
    if (q.since) add((p) => `created_at >= ${p}::DATE`, q.since);
    // Shadow alerts (a detector version on trial) only when asked for, as `fundwatch alerts` does.
    if (q.status) add((p) => `status = ${p}`, q.status);
    else where.push(`status <> 'shadow'`);
    if (q.region) add((p) => `starts_with(admdvs, ${p})`, q.region);
    const w = where.join(' AND ');
    const total = await reads.scalar<number>(`SELECT count(*)::INTEGER FROM alerts WHERE ${w}`, params as never);
    const rows = await reads.all(`${ALERT_SELECT} WHERE ${w} ORDER BY ${ALERT_SORTS[q.sort]} ${q.order === 'asc' ? 'ASC' : 'DESC'}, alert_id LIMIT ${q.limit} OFFSET ${q.offset}`, params as never);
    return { total, limit: q.limit, offset: q.offset, items: rows.map(alertRow) };
  });

  app.get<{ Params: { id: string } }>('/api/v1/alerts/:id', { config: { action: 'data.read' }, schema: { tags: ['alerts'], summary: '预警详情 one alert', params: idParams() } }, async (req) => {
    const params: unknown[] = [req.params.id];
    const row = await reads.one(`${ALERT_SELECT} WHERE alert_id = $1 AND ${regionClause('admdvs', req.user!.region, params)}`, params as never);
    if (!row) throw notFound(`预警 alert ${req.params.id}`);
    return alertRow(row);
  });

  app.get<{ Querystring: { region?: string } }>('/api/v1/detectors', {
    config: { action: 'data.read' },
    schema: { tags: ['detectors'], summary: '检测规则及其生效参数 detectors with effective parameters (per region)', querystring: { type: 'object', additionalProperties: false, properties: { region: S.region } } },
  }, async (req) => {
    const region = req.query.region ?? req.user!.region ?? undefined;
    const ds = await listDetectors();
    return {
      region: region ?? null,
      items: ds.map((d) => ({
        detector_id: d.id, family: d.family, version: d.version, gz_code: d.gz_code, title_zh: d.title_zh, title_en: d.title_en,
        result_type: d.result_type, subject_type: d.subject_type, legal_basis: d.legal_basis, params: effectiveParams(d, deps.config, region),
      })),
    };
  });

  app.get('/api/v1/kb/versions', { config: { action: 'data.read' }, schema: { tags: ['knowledge base'], summary: '知识库版本 knowledge-base versions' } }, async () => ({
    status: await reads.use(knowledgeBaseStatus),
    items: await reads.use(listKbVersions),
  }));

  app.get<{ Querystring: { kind?: string; status?: string; limit: number; offset: number } }>('/api/v1/runs', {
    config: { action: 'data.read' },
    schema: {
      tags: ['runs'], summary: '运行记录 pipeline runs',
      querystring: { type: 'object', additionalProperties: false, properties: { kind: { type: 'string', pattern: '^[a-z_]{1,20}$' }, status: { type: 'string', enum: ['pending', 'running', 'succeeded', 'partial_failure', 'failed'] }, limit: S.limit, offset: S.offset } },
    },
  }, async (req) => {
    const params: unknown[] = [];
    const where: string[] = ['true'];
    if (req.query.kind) where.push(`kind = $${params.push(req.query.kind)}`);
    if (req.query.status) where.push(`status = $${params.push(req.query.status)}`);
    const rows = await reads.all(
      `SELECT run_id, kind, status, window_from::VARCHAR AS window_from, window_to::VARCHAR AS window_to, ${ts('started_at')} AS started_at,
         ${ts('finished_at')} AS finished_at, counts::VARCHAR AS counts, stages::VARCHAR AS stages, error
       FROM runs WHERE ${where.join(' AND ')} ORDER BY started_at DESC, run_id LIMIT ${req.query.limit} OFFSET ${req.query.offset}`,
      params as never,
    );
    return { items: rows.map(parseRun) };
  });

  app.get<{ Params: { id: string } }>('/api/v1/runs/:id', { config: { action: 'data.read' }, schema: { tags: ['runs'], summary: '运行详情 run detail: progress, stage timings, batches, rejects', params: idParams() } }, async (req) => {
    const run = await reads.one(
      `SELECT run_id, kind, status, window_from::VARCHAR AS window_from, window_to::VARCHAR AS window_to, ${ts('started_at')} AS started_at,
         ${ts('finished_at')} AS finished_at, counts::VARCHAR AS counts, stages::VARCHAR AS stages, warnings::VARCHAR AS warnings, error
       FROM runs WHERE run_id = $1`, [req.params.id]);
    if (!run) throw notFound(`运行 run ${req.params.id}`);
    const checkpoints = await reads.all(
      `SELECT stage, status, ${ts('started_at')} AS started_at, ${ts('finished_at')} AS finished_at, ms, result::VARCHAR AS result, error
       FROM nightly_checkpoints WHERE run_id = $1 ORDER BY started_at`, [req.params.id]);
    const batches = await reads.all(
      `SELECT dir, status, batch_id, ingest_status, error, ${ts('taken_at')} AS taken_at, ${ts('finished_at')} AS finished_at
       FROM nightly_inbox WHERE run_id = $1 ORDER BY dir`, [req.params.id]);
    const rejects = await reads.all(
      `SELECT r.batch_id, r.table_name, r.reason_code, r.severity, count(*)::INTEGER AS n FROM rejects r
       WHERE r.batch_id IN (SELECT batch_id FROM nightly_inbox WHERE run_id = $1) GROUP BY ALL ORDER BY n DESC LIMIT 50`, [req.params.id]);
    return {
      ...parseRun(run),
      checkpoints: checkpoints.map((c) => ({ ...c, result: c.result ? JSON.parse(c.result as string) : null })),
      batches,
      rejects,
    };
  });

  app.get<{ Params: { id: string } }>('/api/v1/runs/:id/report', { config: { action: 'data.read' }, schema: { tags: ['runs'], summary: '夜间运行报告 (HTML) run report', params: idParams() } }, async (req, reply) => {
    const html = await reads.use((db) => runReportHtml(db, req.params.id));
    if (!html) throw notFound(`运行 run ${req.params.id}`);
    return sendHtml(reply, html);
  });

  app.post('/api/v1/runs', {
    config: { action: 'runs.start' },
    schema: { tags: ['runs'], summary: '启动夜间流程 start a nightly run now: inbox → ingest → the pipeline (detect → cases → early warning → dispatch) → report', body: { type: 'object', additionalProperties: false, properties: {} } },
  }, async (req, reply) => {
    if (!deps.startRun) throw new HttpError(503, '本服务未启用运行 runs are not enabled in this server');
    const r = await deps.startRun(actorOf(req));
    return reply.code(r.started ? 202 : 409).send(r);
  });
}

function parseRun(r: Record<string, unknown>): Record<string, unknown> {
  const p = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : v ?? null);
  return { ...r, counts: p(r.counts), stages: p(r.stages), ...(r.warnings !== undefined ? { warnings: p(r.warnings) } : {}) };
}
