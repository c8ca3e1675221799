import type { FastifyInstance } from 'fastify';
import { S, type AppDeps } from '../context.ts';
import { rankSubjects, type RankSubject } from '../../pipeline/rank/rank.ts';
import { placeholders } from '../../pipeline/store/store.ts';

interface RankingQuery {
  subject: RankSubject;
  region?: string;
  family?: string;
  limit: number;
  offset: number;
}

/**
 * `GET /api/v1/rankings`: providers or physicians by risk score over their open alerts (pipeline/rank, the
 * formula of `fundwatch rank`), with the provider's name. Region-bound users see their region only (prefix).
 */
export function registerRankingRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { reads } = deps;

  app.get<{ Querystring: RankingQuery }>('/api/v1/rankings', {
    config: { action: 'data.read' },
    schema: {
      tags: ['rankings'], summary: '机构/医师风险排名 provider or physician risk ranking (fundwatch rank)',
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          subject: { type: 'string', enum: ['provider', 'physician'], default: 'provider' },
          region: S.region,
          family: { type: 'string', pattern: '^[a-z_]{1,40}$' },
          limit: S.limit, offset: S.offset,
        },
      },
    },
  }, async (req) => {
    const q = req.query;
    const regions = [req.user!.region, q.region].filter((r): r is string => Boolean(r));
    const { total, items } = await reads.use(async (db) => {
      const all = (await rankSubjects(db, q.subject)).filter((r) =>
        regions.every((p) => (r.admdvs ?? '').startsWith(p)) && (!q.family || r.families.includes(q.family)));
      const page = all.slice(q.offset, q.offset + q.limit);
      const codes = [...new Set(page.map((r) => r.fixmedins_code))];
      const names = new Map((codes.length
        ? await db.all<{ fixmedins_code: string; fixmedins_name: string | null; hosp_lv: string | null }>(
          `SELECT fixmedins_code, any_value(fixmedins_name) AS fixmedins_name, any_value(hosp_lv) AS hosp_lv FROM fixmedins
           WHERE fixmedins_code IN (${placeholders(codes.length)}) GROUP BY 1`, codes)
        : []).map((n) => [n.fixmedins_code, n]));
      return {
        total: all.length,
        items: page.map((r, i) => ({
          rank: q.offset + i + 1, ...r,
          fixmedins_name: names.get(r.fixmedins_code)?.fixmedins_name ?? null,
          hosp_lv: names.get(r.fixmedins_code)?.hosp_lv ?? null,
        })),
      };
    });
    return { subject: q.subject, total, limit: q.limit, offset: q.offset, items };
  });
}
