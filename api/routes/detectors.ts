import type { FastifyInstance } from 'fastify';
import { HttpError, S, idParams, notFound, type AppDeps } from '../context.ts';
import { effectiveParams, listDetectors } from '../detectors.ts';
import { regionClause } from '../sql.ts';
import { mayDo } from '../../pipeline/access/policy.ts';
import { rulePrecision } from '../../pipeline/cases/list.ts';
import { backtest, BacktestParamError } from '../../pipeline/detect/backtest.ts';
import { describeDetector } from '../../pipeline/detect/describe.ts';
import type { RegisteredDetector } from '../../pipeline/detect/registry.ts';
import { NO_SHADOW, shadowAlerts, shadowPrecision } from '../../pipeline/detect/shadow.ts';

/**
 * One detector's page: GET /api/v1/detectors/{id} (parameters, shadow mode and shadow precision, alerts by status,
 * precision from decisions) and POST /api/v1/detectors/{id}/backtest (supervisors and admins; writes no alerts).
 * A user bound to a region sees, and backtests, the alerts of that region only.
 */
export function registerDetectorRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { reads } = deps;
  const find = async (id: string): Promise<RegisteredDetector> => {
    const d = (await listDetectors()).find((x) => x.id === id);
    if (!d) throw notFound(`检测规则 detector ${id}`);
    return d;
  };

  app.get<{ Params: { id: string } }>('/api/v1/detectors/:id', {
    config: { action: 'data.read' },
    schema: { tags: ['detectors'], summary: '检测规则详情：参数、影子运行及其准确率、预警状态、依据决定的准确率 one detector: params, shadow mode and precision, alerts, precision from decisions', params: idParams() },
  }, async (req) => {
    const d = await find(req.params.id);
    const region = req.user!.region;
    return reads.use(async (db) => {
      const params: unknown[] = [d.id];
      const byStatus = await db.all<{ status: string; alerts: number; amount_at_risk: number }>(
        `SELECT status, count(*)::INTEGER AS alerts, coalesce(sum(amount_at_risk), 0)::DOUBLE AS amount_at_risk FROM alerts
         WHERE detector_id = $1 AND ${regionClause('admdvs', region, params)} GROUP BY status ORDER BY status`, params as never);
      const decided = (await rulePrecision(db)).find((p) => p.detector_id === d.id) ?? null;
      const shadow = (await shadowPrecision(db, { detectorId: d.id, region }))[d.id] ?? NO_SHADOW;
      return {
        detector: { ...describeDetector(d, deps.config, shadow), params: effectiveParams(d, deps.config, region ?? undefined) },
        alerts_by_status: Object.fromEntries(byStatus.map((s) => [s.status, { alerts: s.alerts, amount_at_risk: s.amount_at_risk }])),
        precision: decided,
        shadow_alerts: await shadowAlerts(db, d.id, { region, limit: 20 }),
        can_backtest: mayDo(req.user!, 'detectors.backtest'),
      };
    });
  });

  app.post<{ Params: { id: string }; Body: { params?: Record<string, unknown>; from?: string; to?: string } }>('/api/v1/detectors/:id/backtest', {
    config: { action: 'detectors.backtest' },
    schema: {
      tags: ['detectors'], summary: '回测：以试用参数重跑该检测规则并与当前参数比较（不写入预警） backtest with trial parameters (writes no alerts)',
      params: idParams(),
      body: {
        type: 'object', additionalProperties: false,
        properties: {
          params: { type: 'object', maxProperties: 50, additionalProperties: { type: ['number', 'string', 'boolean'] } },
          from: S.date, to: S.date,
        },
      },
    },
  }, async (req) => {
    const d = await find(req.params.id);
    try {
      return await backtest(deps.store, d, { params: req.body?.params ?? {}, from: req.body?.from, to: req.body?.to, config: deps.config, region: req.user!.region });
    } catch (err) {
      if (err instanceof BacktestParamError) throw new HttpError(400, err.message);
      throw err;
    }
  });
}
