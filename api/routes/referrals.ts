import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError, S, actorOf, idParams, notFound, type AppDeps } from '../context.ts';
import { mayUnmask } from '../../pipeline/access/policy.ts';
import { auditNow, writeAudit } from '../../pipeline/access/audit.ts';
import { maskCertno, maskName } from '../../pipeline/access/mask.ts';
import { ts } from '../sql.ts';

const REFERRAL_COLUMNS = `r.referral_id, r.month, r.trigger, r.level, r.psn_no, r.psn_name, r.certno, r.insu_admdvs, r.aid_category,
  r.threshold::DOUBLE AS threshold, r.ytd_total_cost::DOUBLE AS ytd_total_cost, r.ytd_fund_paid::DOUBLE AS ytd_fund_paid,
  r.ytd_critical_illness_paid::DOUBLE AS ytd_critical_illness_paid, r.ytd_assistance_paid::DOUBLE AS ytd_assistance_paid,
  r.ytd_out_of_pocket::DOUBLE AS ytd_out_of_pocket, r.stays, r.main_diagnoses, ${ts('r.created_at')} AS created_at`;

const OUTCOMES = ['received', 'verified', 'assistance_granted', 'not_eligible'] as const;

export function registerReferralRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { store, reads } = deps;

  /** civil_affairs accounts see only referrals of their own region, and only those sent to civil affairs. */
  function scope(req: FastifyRequest, params: unknown[]): string {
    const u = req.user!;
    if (u.role !== 'civil_affairs' && !u.region) return 'true';
    params.push(u.region ?? '');
    const region = `starts_with(r.insu_admdvs, $${params.length})`;
    return u.role === 'civil_affairs'
      ? `${region} AND EXISTS (SELECT 1 FROM referral_deliveries d WHERE d.referral_id = r.referral_id AND d.department = 'civil_affairs')`
      : region;
  }

  function shape(r: Record<string, unknown>, unmasked: boolean): Record<string, unknown> {
    const { psn_name, certno, ...rest } = r;
    return unmasked
      ? { ...rest, psn_name_masked: maskName(psn_name), certno_masked: maskCertno(certno), psn_name, certno }
      : { ...rest, psn_name_masked: maskName(psn_name), certno_masked: maskCertno(certno) };
  }

  const deliveryCols = (dept: string) => `
    (SELECT d.department FROM referral_deliveries d WHERE d.referral_id = r.referral_id ${dept} ORDER BY d.department_id LIMIT 1) AS department,
    coalesce((SELECT d.status FROM referral_deliveries d WHERE d.referral_id = r.referral_id ${dept} ORDER BY d.department_id LIMIT 1), 'no_department') AS delivery_status,
    (SELECT o.outcome FROM referral_outcomes o WHERE o.referral_id = r.referral_id ORDER BY o.reported_at DESC LIMIT 1) AS outcome`;

  app.get<{ Querystring: { month?: string; region?: string; unmasked?: boolean; limit: number; offset: number } }>('/api/v1/referrals', {
    config: { action: 'referrals.read' },
    schema: {
      tags: ['referrals'], summary: '转介列表 referrals (civil_affairs: own region only)',
      querystring: { type: 'object', additionalProperties: false, properties: { month: S.month, region: S.region, unmasked: { type: 'boolean', default: false }, limit: S.limit, offset: S.offset } },
    },
  }, async (req) => {
    const params: unknown[] = [];
    const where = [scope(req, params)];
    if (req.query.month) where.push(`r.month = $${params.push(req.query.month)}`);
    if (req.query.region) where.push(`starts_with(r.insu_admdvs, $${params.push(req.query.region)})`);
    const unmasked = Boolean(req.query.unmasked);
    if (unmasked && !mayUnmask(req.user!, 'referrals')) throw new HttpError(403, '无权查看完整身份信息 (not allowed to see unmasked identities)');
    const deptFilter = req.user!.role === 'civil_affairs' ? `AND d.department = 'civil_affairs'` : '';
    const w = where.join(' AND ');
    const total = await reads.scalar<number>(`SELECT count(*)::INTEGER FROM referrals r WHERE ${w}`, params as never);
    const rows = await reads.all(
      `SELECT ${REFERRAL_COLUMNS}, ${deliveryCols(deptFilter)} FROM referrals r WHERE ${w}
       ORDER BY r.month DESC, r.ytd_out_of_pocket DESC, r.referral_id LIMIT ${req.query.limit} OFFSET ${req.query.offset}`, params as never);
    if (unmasked && rows.length) {
      await auditNow(store, { actor: actorOf(req), action: 'unmasked_read', object_type: 'referral', object_id: null, detail: { view: 'referrals', referral_ids: rows.map((r) => r.referral_id) } });
    }
    return { total, items: rows.map((r) => shape(r, unmasked)) };
  });

  // Pull feed for a department system: referrals sent to it (own region), with identities (audited).
  app.get<{ Querystring: { since?: string; limit: number } }>('/api/v1/referrals/feed', {
    config: { action: 'referrals.feed' },
    schema: {
      tags: ['referrals'], summary: '部门拉取接口 pull feed for a department (civil_affairs: own region)',
      querystring: { type: 'object', additionalProperties: false, properties: { since: S.date, limit: { ...S.limit, default: 500 } } },
    },
  }, async (req) => {
    const params: unknown[] = [];
    const where = [scope(req, params)];
    if (req.query.since) where.push(`r.created_at >= $${params.push(req.query.since)}::DATE`);
    const rows = await reads.all(
      `SELECT ${REFERRAL_COLUMNS}, ${deliveryCols(`AND d.department = 'civil_affairs'`)} FROM referrals r WHERE ${where.join(' AND ')}
       ORDER BY r.created_at, r.referral_id LIMIT ${req.query.limit}`, params as never);
    await auditNow(store, { actor: actorOf(req), action: 'referral_feed_pull', object_type: 'referral', object_id: null, detail: { rows: rows.length, since: req.query.since ?? null } });
    return { items: rows.map((r) => shape(r, true)) };
  });

  app.post<{ Params: { id: string }; Body: { outcome: (typeof OUTCOMES)[number]; note?: string } }>('/api/v1/referrals/:id/outcome', {
    config: { action: 'referrals.outcome' },
    schema: {
      tags: ['referrals'], summary: '回执/处理结果 acknowledge receipt or report the outcome', params: idParams(),
      body: { type: 'object', required: ['outcome'], additionalProperties: false, properties: { outcome: { type: 'string', enum: [...OUTCOMES] }, note: S.text } },
    },
  }, async (req, reply) => {
    const params: unknown[] = [req.params.id];
    const r = await store.one<{ referral_id: string; department_id: string | null }>(
      `SELECT r.referral_id, (SELECT d.department_id FROM referral_deliveries d WHERE d.referral_id = r.referral_id AND d.department = 'civil_affairs' ORDER BY 1 LIMIT 1) AS department_id
       FROM referrals r WHERE r.referral_id = $1 AND ${scope(req, params)}`, params as never);
    if (!r) throw notFound(`转介 referral ${req.params.id}`);
    await store.transaction(async () => {
      await store.run('INSERT INTO referral_outcomes VALUES ($1, $2, now(), $3, $4, $5)', [r.referral_id, r.department_id ?? 'civil_affairs', req.body.outcome, req.body.note ?? null, actorOf(req)]);
      await writeAudit(store, { actor: actorOf(req), action: 'referral_outcome', object_type: 'referral', object_id: r.referral_id, detail: { outcome: req.body.outcome } });
    });
    return reply.code(201).send({ ok: true, referral_id: r.referral_id, outcome: req.body.outcome });
  });
}
