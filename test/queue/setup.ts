import type { Store } from '../../pipeline/store/store.ts';
import { ClaimFixtures } from '../fixtures/claims.ts';
import { insertAlerts } from '../cases/alerts.ts';
import { updateCases } from '../../pipeline/cases/update.ts';

/** `n` provider cases in region 421000 with increasing amounts at risk: H01 lowest score … Hn highest. */
export async function seedProviderCases(store: Store, n: number, admdvs = '421000'): Promise<string[]> {
  const fx = new ClaimFixtures(store);
  for (let i = 1; i <= n; i++) fx.provider({ fixmedins_code: code(admdvs, i), admdvs });
  await fx.flush();
  await insertAlerts(store, Array.from({ length: n }, (_, k) => ({
    alert_id: `A${admdvs}-${k + 1}`, subject_type: 'provider' as const, fixmedins_code: code(admdvs, k + 1), admdvs, amount_at_risk: 1000 * (k + 1) ** 2,
  })));
  await updateCases(store, { runId: 'R1' });
  const rows = await store.all<{ case_id: string }>(`SELECT case_id FROM cases WHERE admdvs = $1 ORDER BY risk_score DESC`, [admdvs]);
  return rows.map((r) => r.case_id);
}

function code(admdvs: string, i: number): string {
  return `H${admdvs}-${String(i).padStart(2, "0")}`;
}
