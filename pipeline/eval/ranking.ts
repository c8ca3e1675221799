import type { Store } from '../store/store.ts';
import { rankSubjects } from '../rank/rank.ts';

/** The keys of a ground-truth row (pipeline/eval/truth.ts TruthRow) that name a provider. */
export interface RankingTruthRow {
  expect: string;
  fixmedins_code?: string | null;
  mdtrt_id?: string | null;
  setl_id?: string | null;
}

export interface PrecisionAtK {
  k: number;
  /** hits / k (a ranking shorter than k counts the missing places as misses). */
  precision: number;
  hits: number;
  /** Providers with a positive truth row. */
  truth_providers: number;
  /** Providers in the ranking. */
  ranked: number;
  top: { fixmedins_code: string; risk_score: number; truth: boolean }[];
}

/**
 * Precision at k of the provider ranking: the share of the top k providers that have at least one planted
 * positive truth row — its own `fixmedins_code`, or the provider of its `mdtrt_id` / `setl_id` (visit and
 * settlement rows). Person-only rows name no provider and are not counted.
 */
export async function precisionAtK(store: Store, truthRows: RankingTruthRow[], k: number): Promise<PrecisionAtK> {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k 必须是正整数 (k must be a positive integer, got ${k})`);
  const truth = await truthProviders(store, truthRows);
  const ranking = await rankSubjects(store, 'provider');
  const top = ranking.slice(0, k).map((r) => ({ fixmedins_code: r.fixmedins_code, risk_score: r.risk_score, truth: truth.has(r.fixmedins_code) }));
  const hits = top.filter((t) => t.truth).length;
  return { k, precision: Math.round((hits / k) * 10000) / 10000, hits, truth_providers: truth.size, ranked: ranking.length, top };
}

/** Providers named by positive truth rows, directly or through their visit / settlement. */
export async function truthProviders(store: Store, truthRows: RankingTruthRow[]): Promise<Set<string>> {
  const out = new Set<string>();
  const visits: string[] = [];
  const settlements: string[] = [];
  for (const r of truthRows) {
    if (r.expect !== 'alert') continue;
    if (r.fixmedins_code) out.add(r.fixmedins_code);
    else if (r.mdtrt_id) visits.push(r.mdtrt_id);
    else if (r.setl_id) settlements.push(r.setl_id);
  }
  if (visits.length) {
    const rows = await store.all<{ c: string }>(
      `SELECT DISTINCT fixmedins_code AS c FROM mdtrt_d
       WHERE mdtrt_id IN (SELECT unnest(from_json($1::JSON, '["VARCHAR"]'))) AND fixmedins_code IS NOT NULL`,
      [JSON.stringify(visits)],
    );
    for (const r of rows) out.add(r.c);
  }
  if (settlements.length) {
    const rows = await store.all<{ c: string }>(
      `SELECT DISTINCT fixmedins_code AS c FROM setl_d
       WHERE setl_id IN (SELECT unnest(from_json($1::JSON, '["VARCHAR"]'))) AND fixmedins_code IS NOT NULL`,
      [JSON.stringify(settlements)],
    );
    for (const r of rows) out.add(r.c);
  }
  return out;
}

export interface RankingEvalResult {
  at_10: PrecisionAtK;
  at_20: PrecisionAtK;
}

/** The `fundwatch eval` section (pipeline/eval/sections.ts) printing precision@10 and @20 of the provider ranking. */
export const rankingSection = {
  name: 'ranking',
  title_zh: '机构风险排名精确率 (precision@k of the provider ranking, pipeline/rank/README.md)',
  run: async (store: Store, truth: RankingTruthRow[]): Promise<RankingEvalResult> => ({
    at_10: await precisionAtK(store, truth, 10),
    at_20: await precisionAtK(store, truth, 20),
  }),
  table: (r: RankingEvalResult): string[] => [
    `排名机构 ranked providers ${r.at_10.ranked}, 有植入真值的机构 providers with planted cases ${r.at_10.truth_providers}`,
    ...[r.at_10, r.at_20].map((p) => `precision@${p.k}`.padEnd(14) + `${(p.precision * 100).toFixed(1)}% (${p.hits}/${p.k})`),
    `前10 top 10: ${r.at_10.top.map((t) => `${t.fixmedins_code}${t.truth ? '✓' : '✗'}`).join(' ')}`,
  ],
};
