import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CommanderError } from 'commander';
import { tempStore } from '../helpers.ts';
import { ClaimFixtures } from '../fixtures/claims.ts';
import { rankSubjects } from '../../pipeline/rank/rank.ts';
import { precisionAtK, rankingSection, type RankingTruthRow } from '../../pipeline/eval/ranking.ts';
import { buildProgram } from '../../app/cli/main.ts';
import { cliInvocation, UsageError } from '../../app/cli/context.ts';
import { Store } from '../../pipeline/store/store.ts';

let t: Awaited<ReturnType<typeof tempStore>>;
let store: Store;
beforeEach(async () => {
  t = await tempStore();
  store = t.store;
});
afterEach(() => t.cleanup());

interface A {
  id: string;
  detector: string;
  family: string;
  result: 'violation' | 'suspicious';
  subject: 'person' | 'provider' | 'physician' | 'visit';
  fix?: string | null;
  dr?: string | null;
  psn?: string | null;
  mdtrt?: string | null;
  amount: number;
  status?: string;
  admdvs?: string;
}

/** Alerts straight into `alerts` (002_detection.sql), as the engine stores them. */
async function alerts(rows: A[]): Promise<void> {
  for (const a of rows) {
    await store.run(
      `INSERT INTO alerts (alert_id, run_id, last_run_id, family, detector_id, detector_version, gz_code, result_type, title_zh,
         subject_type, psn_no, fixmedins_code, bilg_dr_codg, mdtrt_id, setl_id, feedetl_sn, admdvs, measured, threshold, peer,
         amount_at_risk, params, params_hash, legal_basis, activity_date, status, created_at, updated_at)
       VALUES ($1, 'R1', 'R1', $2, $3, 1, NULL, $4, '测试', $5, $6, $7, $8, $9, NULL, []::VARCHAR[], $10, '{}', '{}', NULL,
         $11, '{}', 'h', '条例', DATE '2026-03-01', $12, now(), now())`,
      [a.id, a.family, a.detector, a.result, a.subject, a.psn ?? null, a.fix ?? null, a.dr ?? null, a.mdtrt ?? null, a.admdvs ?? '421000', a.amount, a.status ?? 'open'],
    );
  }
}

async function seed(): Promise<void> {
  const c = new ClaimFixtures(store);
  for (const code of ['H1', 'H2', 'H3', 'H4']) c.provider({ fixmedins_code: code });
  c.provider({ fixmedins_code: 'H5', admdvs: '422000' });
  c.person({ psn_no: 'P1' });
  c.visit({ mdtrt_id: 'V9', psn_no: 'P1', fixmedins_code: 'H2' });
  await c.flush();
  await alerts([
    { id: 'a1', detector: 'mcc_cc_share', family: 'upcoding', result: 'suspicious', subject: 'provider', fix: 'H1', amount: 25000 },
    { id: 'a2', detector: 'price_over_ceiling', family: 'upcoding', result: 'violation', subject: 'visit', fix: 'H1', psn: 'P1', mdtrt: 'V1', amount: 35 },
    { id: 'a3', detector: 'weekend_holiday_activity', family: 'provider_pattern', result: 'suspicious', subject: 'provider', fix: 'H1', amount: 4350 },
    { id: 'a4', detector: 'physician_oversized_rate', family: 'prescription', result: 'suspicious', subject: 'physician', fix: 'H1', dr: 'D2', amount: 3220 },
    { id: 'a5', detector: 'kp_sex_limit', family: 'billing', result: 'violation', subject: 'visit', fix: 'H2', psn: 'P1', mdtrt: 'V9', amount: 500 },
    { id: 'a6', detector: 'mcc_cc_share', family: 'upcoding', result: 'suspicious', subject: 'provider', fix: 'H3', amount: 90000, status: 'withdrawn' },
    { id: 'a7', detector: 'physician_drug_volume', family: 'prescription', result: 'suspicious', subject: 'physician', fix: 'H4', dr: 'D7', amount: 9950 },
    { id: 'a8', detector: 'high_cost_peer_outlier', family: 'high_cost', result: 'suspicious', subject: 'person', psn: 'P1', amount: 196000 },
    { id: 'a9', detector: 'cost_per_stay_peer', family: 'upcoding', result: 'suspicious', subject: 'provider', fix: 'H5', amount: 100, admdvs: '422000' },
  ]);
}

/** The documented formula (pipeline/rank/README.md), computed independently. */
const score = (evidence: number, amount: number, n: number) =>
  Math.round(100 * (1 - Math.exp(-(evidence + 0.5 * Math.log10(1 + amount / 1000) + 0.25 * Math.log(n)) / 2)) * 100) / 100;

describe('rankSubjects', () => {
  it('ranks providers over all families of their open alerts (provider, physician and visit subjects)', async () => {
    await seed();
    const rows = await rankSubjects(store, 'provider');
    expect(rows).toEqual([
      // upcoding max(0.9·0.6, 0.9·1.0) + provider_pattern 0.5·0.6 + prescription 0.8·0.6
      { subject_type: 'provider', fixmedins_code: 'H1', bilg_dr_codg: null, admdvs: '421000', risk_score: 75.21, alerts: 4, families: ['prescription', 'provider_pattern', 'upcoding'], amount_at_risk: 32605 },
      { subject_type: 'provider', fixmedins_code: 'H4', bilg_dr_codg: null, admdvs: '421000', risk_score: 39.34, alerts: 1, families: ['prescription'], amount_at_risk: 9950 },
      { subject_type: 'provider', fixmedins_code: 'H2', bilg_dr_codg: null, admdvs: '421000', risk_score: 32.57, alerts: 1, families: ['billing'], amount_at_risk: 500 },
      { subject_type: 'provider', fixmedins_code: 'H5', bilg_dr_codg: null, admdvs: '422000', risk_score: 24.45, alerts: 1, families: ['upcoding'], amount_at_risk: 100 },
    ]);
    expect(rows[0]!.risk_score).toBe(score(0.9 + 0.3 + 0.48, 32605, 4));
    expect(rows[2]!.risk_score).toBe(score(0.7, 500, 1));
    expect((await rankSubjects(store, 'provider', { region: '422000' })).map((r) => r.fixmedins_code)).toEqual(['H5']);
    expect((await rankSubjects(store, 'provider', { limit: 2 })).map((r) => r.fixmedins_code)).toEqual(['H1', 'H4']);
  });

  it('ranks physicians by the alerts that name both provider and physician', async () => {
    await seed();
    expect(await rankSubjects(store, 'physician')).toEqual([
      { subject_type: 'physician', fixmedins_code: 'H4', bilg_dr_codg: 'D7', admdvs: '421000', risk_score: 39.34, alerts: 1, families: ['prescription'], amount_at_risk: 9950 },
      { subject_type: 'physician', fixmedins_code: 'H1', bilg_dr_codg: 'D2', admdvs: '421000', risk_score: score(0.48, 3220, 1), alerts: 1, families: ['prescription'], amount_at_risk: 3220 },
    ]);
  });
});

describe('precisionAtK', () => {
  it('counts providers with positive truth rows, including the provider of a visit row', async () => {
    await seed();
    const truth: (RankingTruthRow & Record<string, unknown>)[] = [
      { detector_id: 'mcc_cc_share', expect: 'alert', fixmedins_code: 'H1' },
      { detector_id: 'kp_sex_limit', expect: 'alert', mdtrt_id: 'V9' }, // visit at H2
      { detector_id: 'physician_drug_volume', expect: 'no_alert', fixmedins_code: 'H4', bilg_dr_codg: 'D7' }, // near miss
      { detector_id: 'high_cost_peer_outlier', expect: 'alert', psn_no: 'P1' }, // names no provider
    ];
    // ranking: H1 (truth), H4 (no), H2 (truth), H5 (no)
    expect(await precisionAtK(store, truth, 1)).toMatchObject({ k: 1, precision: 1, hits: 1, truth_providers: 2, ranked: 4 });
    expect(await precisionAtK(store, truth, 2)).toMatchObject({ precision: 0.5, hits: 1 });
    const p3 = await precisionAtK(store, truth, 3);
    expect(p3).toMatchObject({ precision: 0.6667, hits: 2 });
    expect(p3.top.map((x) => [x.fixmedins_code, x.truth])).toEqual([
      ['H1', true],
      ['H4', false],
      ['H2', true],
    ]);
    expect(await precisionAtK(store, truth, 10)).toMatchObject({ k: 10, precision: 0.2, hits: 2 });
    await expect(precisionAtK(store, truth, 0)).rejects.toThrow(/positive integer/);

    // the `fundwatch eval` section: precision@10 and @20
    const r = await rankingSection.run(store, truth);
    expect([r.at_10.precision, r.at_20.precision, r.at_20.hits]).toEqual([0.2, 0.1, 2]);
    expect(rankingSection.table(r)).toEqual([
      '排名机构 ranked providers 4, 有植入真值的机构 providers with planted cases 2',
      'precision@10  20.0% (2/10)',
      'precision@20  10.0% (2/20)',
      '前10 top 10: H1✓ H4✗ H2✓ H5✗',
    ]);
  });
});

describe('fundwatch rank', () => {
  async function cli(args: string[]): Promise<string> {
    let out = '';
    let err = '';
    const stdout = new Writable({ write: (c, _e, cb) => ((out += c), cb()) });
    const stderr = new Writable({ write: (c, _e, cb) => ((err += c), cb()) });
    const program = await buildProgram();
    program.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
    try {
      await cliInvocation.run({ stdout, stderr }, () => program.parseAsync(['node', 'fundwatch', ...args]));
    } catch (e) {
      const code = e instanceof CommanderError || e instanceof UsageError ? 2 : 1;
      throw Object.assign(new Error(`exit ${code}: ${(e as Error).message} ${err}`), { code });
    }
    return out;
  }

  it('prints JSON Lines sorted by risk_score, a Chinese table without --json, and exits 2 on a bad subject', async () => {
    await seed();
    store.close();
    const db = join(t.dir, 'test.duckdb');
    const lines = (await cli(['rank', '--subject', 'provider', '--json', '--db', db])).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.fixmedins_code, l.risk_score])).toEqual([
      ['H1', 75.21],
      ['H4', 39.34],
      ['H2', 32.57],
      ['H5', 24.45],
    ]);
    expect(Object.keys(lines[0])).toEqual(['subject_type', 'fixmedins_code', 'bilg_dr_codg', 'admdvs', 'risk_score', 'alerts', 'families', 'amount_at_risk']);
    const phys = (await cli(['rank', '--subject', 'physician', '--json', '--db', db])).trim().split('\n').map((l) => JSON.parse(l));
    expect(phys.map((l) => `${l.fixmedins_code}/${l.bilg_dr_codg}`)).toEqual(['H4/D7', 'H1/D2']);
    const text = await cli(['rank', '--subject', 'provider', '--limit', '1', '--db', db]);
    expect(text).toContain('风险分 score');
    expect(text).toContain('H1');
    expect(text).toContain('高套/串换(upcoding)');
    expect(text).not.toContain('H4');
    await expect(cli(['rank', '--subject', 'person', '--db', db])).rejects.toMatchObject({ code: 2 });
    store = await Store.open(db); // for afterEach cleanup
  });
});
