import type { Store } from '../store/store.ts';
import { familySeveritySql, DEFAULT_FAMILY_SEVERITY, RESULT_WEIGHT, scoreSql } from '../cases/score.ts';

/**
 * Provider / physician risk ranking over every open alert, all families (see README.md here):
 *
 *   evidence = Σ over the subject's families of max over its alerts of (family severity × result weight)
 *   money    = 0.5 × log10(1 + amount_at_risk / 1000)
 *   volume   = 0.25 × ln(alerts)
 *   risk_score = 100 × (1 − exp(−(evidence + money + volume) / 2)), 2 decimals
 *
 * the same formula and weights as the case score (pipeline/cases/score.ts), so a subject ranks where its case
 * would. A provider collects every open alert that names it (provider, physician and visit subjects); a
 * physician (fixmedins_code, bilg_dr_codg) every open alert that names both. Person alerts name no provider.
 */
export type RankSubject = 'provider' | 'physician';

export interface RankRow {
  subject_type: RankSubject;
  fixmedins_code: string;
  bilg_dr_codg: string | null;
  admdvs: string | null;
  risk_score: number;
  alerts: number;
  families: string[];
  amount_at_risk: number;
}

export interface RankOptions {
  region?: string;
  limit?: number;
}

export async function rankSubjects(store: Store, subject: RankSubject, opts: RankOptions = {}): Promise<RankRow[]> {
  const dr = subject === 'physician' ? 'a.bilg_dr_codg' : 'NULL::VARCHAR';
  const where = ["a.status = 'open'", 'a.fixmedins_code IS NOT NULL'];
  if (subject === 'physician') where.push('a.bilg_dr_codg IS NOT NULL');
  const params: Record<string, string | number> = {};
  if (opts.region) {
    where.push('coalesce(f.admdvs, a.admdvs) = $region');
    params.region = opts.region;
  }
  const rows = await store.all<RankRow & Record<string, unknown>>(
    `WITH sev(family, severity) AS (VALUES ${familySeveritySql()}),
     scored AS (
       SELECT a.fixmedins_code, ${dr} AS bilg_dr_codg, coalesce(f.admdvs, a.admdvs) AS admdvs, a.family,
              a.amount_at_risk::DOUBLE AS amount,
              coalesce(s.severity, ${DEFAULT_FAMILY_SEVERITY}) *
                CASE a.result_type WHEN 'violation' THEN ${RESULT_WEIGHT.violation} ELSE ${RESULT_WEIGHT.suspicious} END AS weight
       FROM alerts a
       LEFT JOIN fixmedins f ON f.fixmedins_code = a.fixmedins_code
       LEFT JOIN sev s ON s.family = a.family
       WHERE ${where.join(' AND ')}
     ),
     per_family AS (
       SELECT fixmedins_code, bilg_dr_codg, family, max(weight) AS w FROM scored GROUP BY ALL
     ),
     subj AS (
       SELECT fixmedins_code, bilg_dr_codg, any_value(admdvs) AS admdvs, count(*)::INTEGER AS alerts,
              round(sum(amount), 2) AS amount_at_risk
       FROM scored GROUP BY fixmedins_code, bilg_dr_codg
     ),
     evidence AS (
       SELECT fixmedins_code, bilg_dr_codg, sum(w) AS evidence, list(family ORDER BY family) AS families
       FROM per_family GROUP BY fixmedins_code, bilg_dr_codg
     )
     SELECT '${subject}' AS subject_type, s.fixmedins_code, s.bilg_dr_codg, s.admdvs,
            ${scoreSql('e.evidence', 's.amount_at_risk', 's.alerts')}::DOUBLE AS risk_score,
            s.alerts, e.families, s.amount_at_risk::DOUBLE AS amount_at_risk
     FROM subj s JOIN evidence e ON e.fixmedins_code = s.fixmedins_code AND e.bilg_dr_codg IS NOT DISTINCT FROM s.bilg_dr_codg
     ORDER BY risk_score DESC, amount_at_risk DESC, s.fixmedins_code, s.bilg_dr_codg
     ${opts.limit ? `LIMIT ${Math.floor(opts.limit)}` : ''}`,
    params,
  );
  return rows.map((r) => ({
    subject_type: subject,
    fixmedins_code: r.fixmedins_code,
    bilg_dr_codg: r.bilg_dr_codg ?? null,
    admdvs: r.admdvs ?? null,
    risk_score: Number(r.risk_score),
    alerts: Number(r.alerts),
    families: r.families,
    amount_at_risk: Number(r.amount_at_risk),
  }));
}
