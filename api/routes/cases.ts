import type { FastifyInstance, FastifyRequest } from 'fastify';
import { listValue } from '@duckdb/node-api';
import { HttpError, S, actorOf, forbidden, idParams, notFound, type AppDeps, type ServerDeps } from '../context.ts';
import { mayUnmask, requireCaseWorker, scopeRegion } from '../../pipeline/access/policy.ts';
import { auditNow } from '../../pipeline/access/audit.ts';
import { idList, regionClause } from '../sql.ts';
import { caseDetail } from '../case-detail.ts';
import { CASE_SELECT } from '../../pipeline/cases/list.ts';
import { appendCaseEvent } from '../../pipeline/cases/events.ts';
import { CASE_STATUSES, DECISIONS } from '../../pipeline/cases/status.ts';
import type { Store } from '../../pipeline/store/store.ts';
import { assignCase, closeCase, commentCase, decideCase, requestExpertReview, startReview } from '../../pipeline/cases/lifecycle.ts';
import { casesConfig } from '../../pipeline/cases/config.ts';
import { completeCaseJob, releaseCase, renewCaseLock, takeNextCase } from '../../pipeline/queue/inspector.ts';
import { serverConfig } from '../server-config.ts';
import { slaClock } from '../sla.ts';

/** Allow-listed sort columns: the only identifiers that ever reach ORDER BY. */
const CASE_SORTS: Record<string, string> = {
  risk_score: 'risk_score',
  amount_at_risk: 'amount_at_risk',
  alert_count: 'alert_count',
  opened_at: 'opened_at',
  updated_at: 'updated_at',
  case_id: 'case_id',
};

interface CaseQuery {
  status?: string[];
  region?: string;
  subject_type?: string;
  family?: string;
  assignee?: string;
  fixmedins_code?: string;
  min_score?: number;
  sort: string;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

const TRANSITIONS = ['review', 'expert', 'decide', 'close', 'assign', 'release', 'renew'] as const;

export function slaDays(deps: ServerDeps): number {
  return serverConfig(deps.config).sla_days;
}

export function registerCaseRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { store, reads } = deps;
  const cfg = () => casesConfig(deps.config);

  app.get<{ Querystring: CaseQuery }>('/api/v1/cases', {
    config: { action: 'cases.read' },
    schema: {
      tags: ['cases'], summary: '案件列表 list cases (filter, sort, paginate)',
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          status: { type: 'array', maxItems: 7, items: { type: 'string', enum: [...CASE_STATUSES] } },
          region: S.region,
          subject_type: { type: 'string', enum: ['person', 'provider', 'physician'] },
          family: { type: 'string', pattern: '^[a-z_]{1,40}$' },
          assignee: { type: 'string', pattern: '^[A-Za-z0-9_.@-]{1,64}$' },
          fixmedins_code: S.id,
          min_score: { type: 'number', minimum: 0, maximum: 100 },
          sort: { type: 'string', enum: Object.keys(CASE_SORTS), default: 'risk_score' },
          order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
          limit: S.limit, offset: S.offset,
        },
      },
    },
  }, async (req) => {
    const q = req.query;
    const params: unknown[] = [];
    const where = [regionClause('admdvs', req.user!.region, params)];
    const add = (sql: (p: string) => string, v: unknown) => { params.push(v); where.push(sql(`$${params.length}`)); };
    if (q.status?.length) add((p) => `list_contains(${p}, status)`, listValue(q.status));
    if (q.region) add((p) => `starts_with(admdvs, ${p})`, q.region);
    if (q.subject_type) add((p) => `subject_type = ${p}`, q.subject_type);
    if (q.family) add((p) => `list_contains(families, ${p})`, q.family);
    if (q.assignee) add((p) => `assignee = ${p}`, q.assignee === 'me' ? req.user!.user_id : q.assignee);
    if (q.fixmedins_code) add((p) => `fixmedins_code = ${p}`, q.fixmedins_code);
    if (q.min_score !== undefined) add((p) => `risk_score >= ${p}`, q.min_score);
    const whereSql = where.join(' AND ');
    const order = `${CASE_SORTS[q.sort]} ${q.order === 'asc' ? 'ASC' : 'DESC'}, case_id`;
    const { total, items } = await reads.use(async (db) => {
      const total = await db.scalar<number>(`SELECT count(*)::INTEGER FROM cases WHERE ${whereSql}`, params as never);
      // Top-N on the bare columns first, then only the page's rows are read whole and formatted.
      const ids = await db.all<{ case_id: string }>(`SELECT case_id FROM cases WHERE ${whereSql} ORDER BY ${order} LIMIT ${q.limit} OFFSET ${q.offset}`, params as never);
      return { total, items: ids.length ? await db.all(`${CASE_SELECT} WHERE ${idList('case_id', ids.map((r) => r.case_id))} ORDER BY ${order}`) : [] };
    });
    const days = slaDays(deps);
    return { total, limit: q.limit, offset: q.offset, sla_days: days, items: items.map((c) => ({ ...c, ...slaClock(c.opened_at as string, days) })) };
  });

  app.get<{ Params: { id: string }; Querystring: { unmasked?: boolean } }>('/api/v1/cases/:id', {
    config: { action: 'cases.read' },
    schema: {
      tags: ['cases'], summary: '案件详情 case detail: alerts, evidence lines, person, visit timeline, peers, events',
      params: idParams(),
      querystring: { type: 'object', additionalProperties: false, properties: { unmasked: { type: 'boolean', default: false } } },
    },
  }, async (req) => {
    const unmasked = Boolean(req.query.unmasked);
    if (unmasked && !mayUnmask(req.user!, 'persons')) throw forbidden('只有稽核人员可查看完整身份信息 (only inspection staff may see unmasked identities)');
    const r = await reads.use(async (db) => caseDetail(db, await loadVisibleCase(req, req.params.id, db), { unmasked, slaDays: slaDays(deps) }));
    if (unmasked && r.psnNo) {
      await auditNow(store, { actor: actorOf(req), action: 'unmasked_read', object_type: 'person', object_id: r.psnNo, detail: { case_id: req.params.id, view: 'case_detail' } });
    }
    if (!r.evidenceCached) deps.evidenceStale?.();
    return r.detail;
  });

  app.post<{ Body: { region?: string } }>('/api/v1/cases/take-next', {
    config: { action: 'cases.take' },
    schema: {
      tags: ['cases'], summary: '领取下一个案件 take the next case from the queue (of your region; a region asked for must lie inside it)',
      body: { type: 'object', additionalProperties: false, properties: { region: S.region } },
    },
  }, async (req, reply) => {
    const region = scopeRegion(req.user!, req.body?.region);
    const r = await takeNextCase(store, deps.redis, { inspector: req.user!.user_id, region, config: cfg() });
    if (!r.redis_available) return reply.code(503).send({ error: 'unavailable', message: r.message });
    return r;
  });

  app.post<{ Params: { id: string }; Body: TransitionBody }>('/api/v1/cases/:id/transitions', {
    config: { action: 'cases.work' },
    schema: {
      tags: ['cases'], summary: '案件状态变更 case transition: review, expert, decide, close, assign, release, renew',
      params: idParams(),
      body: {
        type: 'object', required: ['action'], additionalProperties: false,
        properties: {
          action: { type: 'string', enum: [...TRANSITIONS] },
          reason: S.text,
          decision: { type: 'string', enum: [...DECISIONS] },
          confirmed_amount: S.money, recovered_amount: S.money, deducted_amount: S.money, fined_amount: S.money,
          assignee: { type: 'string', pattern: '^[A-Za-z0-9_.@-]{1,64}$' },
        },
      },
    },
  }, async (req) => {
    const c = await loadVisibleCase(req, req.params.id);
    const id = c.case_id as string;
    const by = { actor: req.user!.user_id, role: req.user!.role, region: req.user!.region };
    const b = req.body;
    const reason = b.reason ?? null;
    let queue: unknown = null;
    switch (b.action) {
      case 'review': await startReview(store, id, by, reason); break;
      case 'expert': await requestExpertReview(store, id, by, reason); break;
      case 'decide': {
        if (!b.decision) throw new HttpError(400, '须选择决定 decision is required');
        await decideCase(store, id, { decision: b.decision, confirmed_amount: b.confirmed_amount, recovered_amount: b.recovered_amount, deducted_amount: b.deducted_amount, fined_amount: b.fined_amount, reason }, by);
        queue = await completeCaseJob(store, deps.redis, id).catch((e: Error) => ({ done: false, message: e.message }));
        break;
      }
      case 'close': await closeCase(store, id, by, reason, cfg()); break;
      case 'assign':
        if (!b.assignee) throw new HttpError(400, '须指定 assignee');
        await assignCase(store, id, b.assignee, by, reason);
        break;
      case 'release':
        requireCaseWorker(req.user!, caseAccess(c), '放回队列');
        queue = { released: await releaseCase(store, deps.redis, id, by.actor, reason) };
        break;
      case 'renew':
        requireCaseWorker(req.user!, caseAccess(c), '续期');
        queue = { renewed: await renewCaseLock(store, deps.redis, id, by.actor, cfg()) };
        break;
    }
    await auditNow(store, { actor: by.actor, action: `case_${b.action}`, object_type: 'case', object_id: id, detail: { decision: b.decision ?? null, assignee: b.assignee ?? null, reason } });
    return { case: await store.one(`${CASE_SELECT} WHERE case_id = $1`, [id]), queue };
  });

  app.post<{ Params: { id: string }; Body: { text: string } }>('/api/v1/cases/:id/comments', {
    config: { action: 'cases.work' },
    schema: {
      tags: ['cases'], summary: '添加评论 comment on a case', params: idParams(),
      body: { type: 'object', required: ['text'], additionalProperties: false, properties: { text: { type: 'string', minLength: 1, maxLength: 2000 } } },
    },
  }, async (req, reply) => {
    const c = await loadVisibleCase(req, req.params.id);
    await commentCase(store, c.case_id as string, { actor: req.user!.user_id, role: req.user!.role, region: req.user!.region }, req.body.text);
    return reply.code(201).send({ ok: true });
  });

  app.post<{ Params: { id: string }; Body: { until: string; reason?: string } }>('/api/v1/cases/:id/snooze', {
    config: { action: 'cases.work' },
    schema: {
      tags: ['cases'], summary: '暂缓 snooze a case until a date', params: idParams(),
      body: { type: 'object', required: ['until'], additionalProperties: false, properties: { until: S.date, reason: S.text } },
    },
  }, async (req, reply) => {
    const c = await loadVisibleCase(req, req.params.id);
    requireCaseWorker(req.user!, caseAccess(c), '暂缓');
    const until = req.body.until;
    if (Number.isNaN(Date.parse(`${until}T00:00:00Z`)) || until <= new Date().toISOString().slice(0, 10)) {
      throw new HttpError(400, `暂缓日期须晚于今天 until must be a future date (got ${until})`);
    }
    await store.transaction(async () => {
      await store.run('INSERT INTO case_snoozes VALUES ($1, $2::DATE, $3, $4, now())', [c.case_id as string, until, req.body.reason ?? null, req.user!.user_id]);
      await appendCaseEvent(store, { case_id: c.case_id as string, actor: req.user!.user_id, action: 'snooze', from_status: c.status as string, to_status: c.status as string, reason: req.body.reason ?? null, detail: { until } });
    });
    return reply.code(201).send({ ok: true, until });
  });

  async function loadVisibleCase(req: FastifyRequest, id: string, db: Store = store): Promise<Record<string, unknown>> {
    const params: unknown[] = [id];
    const c = await db.one(`${CASE_SELECT} WHERE case_id = $1 AND ${regionClause('admdvs', req.user!.region, params)}`, params as never);
    if (!c) throw notFound(`案件 case ${id}`);
    return c;
  }
}

function caseAccess(c: Record<string, unknown>) {
  return { case_id: c.case_id as string, admdvs: c.admdvs as string, assignee: (c.assignee as string | null) ?? null };
}

interface TransitionBody {
  action: (typeof TRANSITIONS)[number];
  reason?: string;
  decision?: (typeof DECISIONS)[number];
  confirmed_amount?: number;
  recovered_amount?: number;
  deducted_amount?: number;
  fined_amount?: number;
  assignee?: string;
}
