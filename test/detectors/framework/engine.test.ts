import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, tempStore } from '../../helpers.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { detectOnce, lastSummary } from '../harness.ts';
import { KB_EMPTY_WARNING, RunLockedError, runDetection } from '../../../pipeline/detect/engine.ts';
import { getDetector, type RegisteredDetector } from '../../../pipeline/detect/registry.ts';
import type { Store } from '../../../pipeline/store/store.ts';

let t: { store: Store; dir: string; cleanup: () => void };
beforeEach(async () => {
  t = await tempStore();
});
afterEach(() => t.cleanup());

const WINDOW = { from: '2026-01-01', to: '2026-01-31' };

/** P1 (421000) seen at an outpatient visit 5 days after death; P2 (420100) billed 1 and 5 days after death. */
async function deaths(store: Store): Promise<void> {
  const c = new ClaimFixtures(store);
  c.provider({ fixmedins_code: 'H1' });
  c.person({ psn_no: 'P1', certno: '110101195001010011' });
  c.person({ psn_no: 'P2', certno: '110101195002020022', insu_admdvs: '420100' });
  c.row('death_records', { certno: '110101195001010011', die_date: '2026-01-10', source: '公安销户' });
  c.row('death_records', { certno: '110101195002020022', die_date: '2026-01-10', source: '民政火化' });
  c.visit({ mdtrt_id: 'V1', psn_no: 'P1', begntime: '2026-01-15 09:00:00' });
  c.settlement({ setl_id: 'S1', mdtrt_id: 'V1' });
  c.fee({ feedetl_sn: 'F1', mdtrt_id: 'V1', setl_id: 'S1', cnt: 1, pric: 50 });
  c.visit({ mdtrt_id: 'V2', psn_no: 'P2', med_type: '21', begntime: '2026-01-05 09:00:00', endtime: '2026-01-16 09:00:00' });
  c.settlement({ setl_id: 'S2', mdtrt_id: 'V2' });
  c.fee({ feedetl_sn: 'F2a', mdtrt_id: 'V2', setl_id: 'S2', fee_ocur_time: '2026-01-11 08:00:00', cnt: 1, pric: 100 });
  c.fee({ feedetl_sn: 'F2b', mdtrt_id: 'V2', setl_id: 'S2', fee_ocur_time: '2026-01-15 08:00:00', cnt: 1, pric: 200 });
  await c.flush();
}

describe('runDetection', () => {
  it('is deterministic: a rerun creates no duplicates, keeps run_id and created_at, updates last_run_id', async () => {
    await deaths(t.store);
    const first = await detectOnce(t.store, 'care_after_death', WINDOW);
    const run1 = lastSummary!.run_id;
    expect(lastSummary!.counts).toMatchObject({ alerts: 2, alerts_new: 2, alerts_existing: 0, amount_at_risk: 350 });
    const second = await detectOnce(t.store, 'care_after_death', WINDOW);
    const run2 = lastSummary!.run_id;
    expect(run2).not.toBe(run1);
    expect(lastSummary!.counts).toMatchObject({ alerts: 2, alerts_new: 0, alerts_existing: 2 });
    expect(second).toEqual(first);
    expect(first.every((a) => a.run_id === run1 && /^[0-9a-f]{32}$/.test(a.alert_id))).toBe(true);
    const rows = await t.store.all<{ n: number; last: string }>('SELECT count(*)::INTEGER AS n, min(last_run_id) AS last FROM alerts');
    expect(rows).toEqual([{ n: 2, last: run2 }]);

    // The same data in another database gives the same alert ids.
    const other = await tempStore();
    try {
      await deaths(other.store);
      const ids = (await detectOnce(other.store, 'care_after_death', WINDOW)).map((a) => a.alert_id);
      expect(ids).toEqual(first.map((a) => a.alert_id));
    } finally {
      other.cleanup();
    }
  });

  it('keeps only hits inside the window while reading the lookback history', async () => {
    const c = new ClaimFixtures(t.store);
    c.provider({ fixmedins_code: 'H1' });
    c.provider({ fixmedins_code: 'H2' });
    c.person({ psn_no: 'P1' });
    // Earlier stay began before the window (read through the 90-day lookback); the later stay begins inside it.
    c.visit({ mdtrt_id: 'A1', psn_no: 'P1', fixmedins_code: 'H1', med_type: '21', begntime: '2025-12-20 09:00:00', endtime: '2026-01-20 09:00:00' });
    c.visit({ mdtrt_id: 'B1', psn_no: 'P1', fixmedins_code: 'H2', med_type: '21', begntime: '2026-01-12 09:00:00', endtime: '2026-01-18 09:00:00' });
    c.settlement({ setl_id: 'SB1', mdtrt_id: 'B1' });
    c.fee({ feedetl_sn: 'FB1', mdtrt_id: 'B1', setl_id: 'SB1', cnt: 1, pric: 10 });
    // A second pair entirely before the window: a hit, but not kept.
    c.person({ psn_no: 'P2' });
    c.visit({ mdtrt_id: 'A2', psn_no: 'P2', fixmedins_code: 'H1', med_type: '21', begntime: '2025-12-01 09:00:00', endtime: '2025-12-20 09:00:00' });
    c.visit({ mdtrt_id: 'B2', psn_no: 'P2', fixmedins_code: 'H2', med_type: '21', begntime: '2025-12-05 09:00:00', endtime: '2025-12-15 09:00:00' });
    await c.flush();
    const alerts = await detectOnce(t.store, 'overlapping_inpatient_stays', { from: '2026-01-10', to: '2026-01-31' });
    expect(alerts.map((a) => [a.psn_no, a.mdtrt_id, a.feedetl_sn, a.amount_at_risk])).toEqual([['P1', 'B1', ['FB1'], 10]]);
    expect(lastSummary!.counts.per_detector.overlapping_inpatient_stays).toMatchObject({ hits: 2, in_window: 1, alerts: 1 });
    // A window that ends before B1 began keeps nothing.
    const none = await runDetection(t.store, { from: '2026-01-01', to: '2026-01-11', detectors: ['overlapping_inpatient_stays'] });
    expect(none.counts.per_detector.overlapping_inpatient_stays).toMatchObject({ in_window: 0, alerts: 0 });
  });

  it('defaults the window to the span of the data', async () => {
    await deaths(t.store);
    const s = await runDetection(t.store, { detectors: ['care_after_death'] });
    expect([s.window_from, s.window_to, s.counts.alerts]).toEqual(['2026-01-05', '2026-01-16', 2]);
  });

  it('applies region overrides: the hit and its params_hash change for that region only', async () => {
    await deaths(t.store);
    const base = await detectOnce(t.store, 'care_after_death', WINDOW);
    expect(base.map((a) => [a.psn_no, a.feedetl_sn, a.amount_at_risk])).toEqual([
      ['P1', ['F1'], 50],
      ['P2', ['F2a', 'F2b'], 300],
    ]);
    expect(base[0].params_hash).toBe(base[1].params_hash);
    const config = { detectors: { care_after_death: { regions: { '420100': { grace_days: 3 } } } } };
    const over = await detectOnce(t.store, 'care_after_death', { ...WINDOW, config });
    expect(over.map((a) => [a.psn_no, a.admdvs, a.feedetl_sn, a.amount_at_risk])).toEqual([
      ['P1', '421000', ['F1'], 50],
      ['P2', '420100', ['F2b'], 200],
    ]);
    expect(over[0].params_hash).toBe(base[0].params_hash);
    expect(over[1].params_hash).not.toBe(base[1].params_hash);
    expect(over[1].threshold).toMatchObject({ die_date: '2026-01-10', grace_days: 3 });
    const params = await t.store.all<{ psn_no: string; params: string }>('SELECT psn_no, params::VARCHAR AS params FROM alerts ORDER BY psn_no');
    expect(params.map((r) => [r.psn_no, JSON.parse(r.params)])).toMatchObject([
      ['P1', { grace_days: 0 }],
      ['P2', { grace_days: 3 }],
    ]);
  });

  it('rejects unknown parameters and wrong types in the config before the run, naming the path', async () => {
    await deaths(t.store);
    const bad = { detectors: { care_after_death: { params: { grace_dayz: 1 } } } };
    await expect(runDetection(t.store, { ...WINDOW, detectors: ['care_after_death'], config: bad })).rejects.toThrow(
      /detectors\.care_after_death\.params\.grace_dayz/,
    );
    await expect(
      runDetection(t.store, { ...WINDOW, config: { detectors: { care_after_death: { params: { grace_days: '1' } } } } }),
    ).rejects.toThrow(/detectors\.care_after_death\.params\.grace_days/);
    expect(await t.store.scalar<number>('SELECT count(*)::INTEGER FROM runs')).toBe(0);
  });

  it('withdraws an alert whose settlement is later reversed, and never raises one on reversed lines', async () => {
    await deaths(t.store);
    await detectOnce(t.store, 'care_after_death', WINDOW);
    // S1 is reversed by an offset settlement in a later batch.
    await t.store.run("UPDATE setl_d SET refd_setl_flag = 1 WHERE setl_id = 'S1'");
    const c = new ClaimFixtures(t.store);
    c.settlement({ setl_id: 'S1R', mdtrt_id: 'V1', psn_no: 'P1', fixmedins_code: 'H1', setl_time: '2026-01-16 09:00:00', refd_setl_flag: 1, init_setl_id: 'S1', medfee_sumamt: -50 });
    await c.flush();
    const after = await detectOnce(t.store, 'care_after_death', WINDOW);
    expect(lastSummary!.counts.alerts_withdrawn).toBe(1);
    expect(after.map((a) => [a.psn_no, a.status])).toEqual([
      ['P1', 'withdrawn'],
      ['P2', 'open'],
    ]);
    const reason = await t.store.scalar<string>("SELECT status_reason FROM alerts WHERE psn_no = 'P1'");
    expect(reason).toContain('S1');
    // A fresh database with the reversal already in place raises nothing for P1.
    const other = await tempStore();
    try {
      await deaths(other.store);
      await other.store.run("UPDATE setl_d SET refd_setl_flag = 1 WHERE setl_id = 'S1'");
      expect((await detectOnce(other.store, 'care_after_death', WINDOW)).map((a) => a.psn_no)).toEqual(['P2']);
    } finally {
      other.cleanup();
    }
  });

  it('records the run: a runs row with status, counts, stages; the lock is released', async () => {
    await deaths(t.store);
    const s = await runDetection(t.store, { ...WINDOW, detectors: ['care_after_death', 'diagnosis_sex_conflict'] });
    const row = await t.store.one<{ status: string; kind: string; counts: string; stages: string; detectors: string; wf: string }>(
      `SELECT status, kind, counts::VARCHAR AS counts, stages::VARCHAR AS stages, detectors::VARCHAR AS detectors, window_from::VARCHAR AS wf
       FROM runs WHERE run_id = $1`,
      [s.run_id],
    );
    expect(row!.status).toBe('succeeded');
    expect(row!.kind).toBe('detect');
    expect(row!.wf).toBe('2026-01-01');
    expect(JSON.parse(row!.detectors)).toEqual(['care_after_death', 'diagnosis_sex_conflict']);
    expect(JSON.parse(row!.counts).per_detector.care_after_death).toMatchObject({ status: 'succeeded', alerts: 2, amount_at_risk: 350 });
    expect(JSON.parse(row!.stages).map((x: { stage: string }) => x.stage)).toEqual([
      'prepare', 'detector:care_after_death', 'detector:diagnosis_sex_conflict', 'withdraw',
    ]);
    expect(s.by_family).toEqual({ impersonation: { alerts: 2, amount_at_risk: 350 } });
    expect(await t.store.scalar<number>('SELECT count(*)::INTEGER FROM run_lock')).toBe(0);
  });
});

describe('run lock', () => {
  it('refuses a second concurrent run, and takes over a lock left by a dead process', async () => {
    await deaths(t.store);
    const results = await Promise.allSettled([
      runDetection(t.store, { ...WINDOW, detectors: ['care_after_death'] }),
      runDetection(t.store, { ...WINDOW, detectors: ['care_after_death'] }),
    ]);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(RunLockedError);
    expect(String((rejected[0] as PromiseRejectedResult).reason.message)).toContain('另一个运行正在进行');

    await t.store.run("INSERT INTO run_lock VALUES ('pipeline', 'R-live', $1, now())", [process.pid]);
    await expect(runDetection(t.store, { ...WINDOW, detectors: ['care_after_death'] })).rejects.toThrow(/R-live/);
    await t.store.run("UPDATE run_lock SET pid = 2147483000, run_id = 'R-dead'");
    const s = await runDetection(t.store, { ...WINDOW, detectors: ['care_after_death'] });
    expect(s.status).toBe('succeeded');
    expect(s.warnings.join('\n')).toContain('R-dead');
  });
});

describe('partial failure and warnings', () => {
  let sqlDir: { dir: string; cleanup: () => void };
  beforeEach(() => {
    sqlDir = tempDir('fw-sql-');
  });
  afterEach(() => sqlDir.cleanup());

  function fake(id: string, sql: string, extra: Partial<RegisteredDetector> = {}): RegisteredDetector {
    const sqlPath = join(sqlDir.dir, `${id}.sql`);
    writeFileSync(sqlPath, sql);
    return {
      id, version: 1, family: 'billing', gz_code: null, title_zh: '测试', title_en: 'test', result_type: 'violation',
      legal_basis: '测试', subject_type: 'visit', params: {}, lookbackDays: 0, sql: `${id}.sql`, file: 'test', sqlPath, ...extra,
    };
  }

  it('records a failing detector, runs the others, and ends partial_failure', async () => {
    await deaths(t.store);
    const broken = fake('broken_rule', 'SELECT * FROM no_such_table');
    const missingCols = fake('missing_columns', 'SELECT mdtrt_id FROM clean_mdtrt');
    const detectorList = [await getDetector('care_after_death'), broken, missingCols];
    const s = await runDetection(t.store, { ...WINDOW, detectorList });
    expect(s.status).toBe('partial_failure');
    expect(s.counts.per_detector.care_after_death).toMatchObject({ status: 'succeeded', alerts: 2 });
    expect(s.counts.per_detector.broken_rule.status).toBe('failed');
    expect(s.counts.per_detector.broken_rule.error).toContain('no_such_table');
    expect(s.counts.per_detector.missing_columns.error).toContain('evidence_key');
    const row = await t.store.one<{ status: string; error: string; warnings: string }>(
      'SELECT status, error, warnings::VARCHAR AS warnings FROM runs WHERE run_id = $1', [s.run_id]);
    expect(row!.status).toBe('partial_failure');
    expect(row!.error).toContain('2');
    expect(JSON.parse(row!.warnings).some((w: string) => w.includes('broken_rule'))).toBe(true);
  });

  it('warns loudly when a knowledge-point detector runs on an empty knowledge base', async () => {
    await deaths(t.store);
    const kp = fake(
      'kp_fake',
      `SELECT NULL::VARCHAR AS psn_no, NULL::VARCHAR AS fixmedins_code, NULL::VARCHAR AS bilg_dr_codg, mdtrt_id,
              NULL::VARCHAR AS setl_id, []::VARCHAR[] AS feedetl_sn, '421000' AS admdvs, '{}'::JSON AS measured,
              '{}'::JSON AS threshold, NULL::JSON AS peer, 0 AS amount_at_risk, begntime::DATE AS activity_date,
              mdtrt_id AS evidence_key
       FROM clean_mdtrt WHERE false`,
      { usesKnowledgeBase: true },
    );
    const s = await runDetection(t.store, { ...WINDOW, detectorList: [kp] });
    expect(s.status).toBe('succeeded');
    expect(s.warnings).toContain(KB_EMPTY_WARNING);
    const w = await t.store.scalar<string>('SELECT warnings::VARCHAR FROM runs WHERE run_id = $1', [s.run_id]);
    expect(JSON.parse(w)).toContain(KB_EMPTY_WARNING);
  });
});
