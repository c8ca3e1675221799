import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempStore } from '../../helpers.ts';
import { BillingClaims } from '../billing/fixtures.ts';
import { storeWithRealKb } from '../billing/kbStore.ts';
import { runDetection } from '../../../pipeline/detect/engine.ts';
import { listAlerts } from '../../../pipeline/detect/alerts.ts';
import { genericExplanation, listZh, yuan } from '../../../pipeline/detect/explain.ts';
import { getDetector, type RegisteredDetector } from '../../../pipeline/detect/registry.ts';
import { migrate, SCHEMA_DIR } from '../../../pipeline/store/migrate.ts';
import { Store } from '../../../pipeline/store/store.ts';

let t: { store: Store; dir: string; cleanup: () => void };
let kb: { store: Store; cleanup: () => void };
beforeEach(async () => {
  t = await tempStore();
  kb = await storeWithRealKb();
});
afterEach(() => {
  t.cleanup();
  kb.cleanup();
});

const JAN = { from: '2026-01-01', to: '2026-01-31' };
const CHILD_CROWN = '003105120040000'; // 儿童前牙树脂冠修复, 儿童

/** C18 (18 years old on 2026-01-05) billed a children's crown on VC: 300.00. */
async function crown(store: Store): Promise<BillingClaims> {
  const b = new BillingClaims(store).provider('H1').person('C18', { brdy: '2008-01-05' });
  b.visit('VC', 'C18', 'H1', '11', '2026-01-05 09:00:00', [{ med_list_codg: CHILD_CROWN, pric: 300 }]);
  await b.flush();
  return b;
}

/** kp_child_limit as registered, with its `explain` replaced. */
async function variant(explain: RegisteredDetector['explain']): Promise<RegisteredDetector> {
  return { ...(await getDetector('kp_child_limit')), explain };
}

async function run(store: Store, d: RegisteredDetector, config = {}) {
  return runDetection(store, { ...JAN, detectors: [d.id], detectorList: [d], config });
}

const stored = (store: Store) => store.all<{ mdtrt_id: string; explanation_zh: string }>('SELECT mdtrt_id, explanation_zh FROM alerts ORDER BY mdtrt_id');

describe('explanation_zh', () => {
  it('a detector without explain gets the generic sentence: subject, date, title, measured, threshold (parameters by label and unit), amount', async () => {
    await crown(kb.store);
    const d = await variant(undefined);
    await run(kb.store, d);
    const label = (name: string) => d.params[name]!.description_zh.split(/[（(：:，,]/)[0]!.trim();
    expect(await stored(kb.store)).toEqual([{
      mdtrt_id: 'VC',
      explanation_zh: `就诊 VC（机构 H1） 于 2026-01-05 触发"${d.title_zh}"：测量值 age_years 18、age_days 6575、lines 1、dates 2026-01-05；` +
        `阈值 age_groups child、${label('child_max_age')} 18 岁、${label('infant_max_age')} 3 岁、${label('newborn_max_days')} 28 天；涉及金额 300.00 元`,
    }]);
  });

  it("uses the detector's explain, stores it on new alerts and rewrites it when a run refreshes them", async () => {
    const b = await crown(kb.store);
    const d = await variant((h) => `${String(h.measured.age_years)} 周岁，${String(h.measured.lines)} 条，金额 ${yuan(h.amount_at_risk)}`);
    await run(kb.store, d);
    expect(await stored(kb.store)).toEqual([{ mdtrt_id: 'VC', explanation_zh: '18 周岁，1 条，金额 300.00 元' }]);
    // A second crown on the same visit: the same alert, refreshed with its new sentence.
    b.c.fee({ feedetl_sn: 'VC-2', mdtrt_id: 'VC', setl_id: 'S-VC', psn_no: 'C18', fixmedins_code: 'H1', med_list_codg: CHILD_CROWN, pric: 300,
      fee_ocur_time: '2026-01-06 09:00:00' });
    await b.flush();
    expect((await run(kb.store, d)).counts).toMatchObject({ alerts: 1, alerts_new: 0, alerts_existing: 1 });
    expect(await stored(kb.store)).toEqual([{ mdtrt_id: 'VC', explanation_zh: '18 周岁，2 条，金额 600.00 元' }]);
  });

  it('an explain that throws or returns nothing falls back to the generic sentence, with one warning', async () => {
    await crown(kb.store);
    const b = new BillingClaims(kb.store).person('C17', { brdy: '2007-06-01' });
    b.visit('VD', 'C17', 'H1', '11', '2026-01-07 09:00:00', [{ med_list_codg: CHILD_CROWN, pric: 100 }]);
    await b.flush();
    const s = await run(kb.store, await variant((h) => (h.mdtrt_id === 'VC' ? '' : (h.measured.nope as { x: string }).x)));
    expect(s.status).toBe('succeeded');
    expect(s.warnings.filter((w) => w.includes('explain'))).toEqual([
      'kp_child_limit: 2 条预警的 explain 出错或为空，已使用通用说明 (explain failed; the generic sentence was used)',
    ]);
    const alerts = await listAlerts(kb.store, { detector: 'kp_child_limit' });
    expect(alerts.map((a) => a.mdtrt_id)).toEqual(['VD', 'VC']); // by person: C17, C18
    expect(alerts.every((a) => a.explanation_zh.startsWith(`就诊 ${a.mdtrt_id}`) && a.explanation_zh.endsWith(`涉及金额 ${yuan(a.amount_at_risk)}`))).toBe(true);
  });

  it('names a statistical peer group, formats money with 2 decimals, shortens long lists', () => {
    const d = { id: 'x', title_zh: '机构费用异常', subject_type: 'provider', params: {} } as unknown as RegisteredDetector;
    const text = genericExplanation(d, {
      measured: { avg_cost: 1234.567, items: [{ item_name: '甲' }, { item_name: '乙' }, { item_name: '丙' }, { item_name: '丁' }] },
      threshold: {}, peer: { group: '二级医院', size: 12, median: 800, score: 3.21 }, amount_at_risk: 5000, activity_date: '2026-01-31',
      psn_no: null, fixmedins_code: 'H9', bilg_dr_codg: null, mdtrt_id: null, setl_id: null, feedetl_sn: [],
    });
    expect(text).toBe('机构 H9 于 2026-01-31 触发"机构费用异常"：测量值 avg_cost 1234.57、items "甲"、"乙"、"丙" 等 4 项；同类（二级医院，12 个）中位数 800，偏离分 3.21；涉及金额 5000.00 元');
    expect([yuan(0), yuan(12.5), yuan(1e6 + 0.005)]).toEqual(['0.00 元', '12.50 元', '1000000.01 元']);
    expect(listZh(['a', 'b'])).toBe('a、b');
  });

  it('migration 011 gives alerts stored before it a short sentence with the amount', async () => {
    // The schema as it was before 011: every migration numbered below it.
    const before = join(t.dir, 'schema-before');
    mkdirSync(before);
    for (const f of readdirSync(SCHEMA_DIR).filter((f) => f < '011')) copyFileSync(join(SCHEMA_DIR, f), join(before, f));
    const db = await Store.open(join(t.dir, 'old.duckdb'), { skipMigrations: true });
    try {
      await migrate(db, before);
      await db.run(`INSERT INTO alerts (alert_id, run_id, last_run_id, family, detector_id, detector_version, result_type, title_zh, subject_type,
          feedetl_sn, measured, threshold, amount_at_risk, params, params_hash, legal_basis, activity_date, status, created_at, updated_at)
        VALUES ('A1', 'R1', 'R1', 'billing', 'kp_sex_limit', 1, 'violation', '药品限定性别', 'visit', [], '{}', '{}', 260, '{}', 'h', '条例',
          DATE '2026-03-04', 'open', now(), now())`);
      await migrate(db);
      expect(await db.scalar('SELECT explanation_zh FROM alerts')).toBe('触发"药品限定性别"，2026-03-04，涉及金额 260.00 元');
    } finally {
      db.close();
    }
  });
});
