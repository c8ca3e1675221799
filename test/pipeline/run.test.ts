import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import { Store } from '../../pipeline/store/store.ts';
import { certnoCheck, fee, person, provider, settlement, visit, writeCsvBatch, type Row } from '../fixtures/ingest/batch.ts';
import * as S from '../interfaces/shapes.ts';

/**
 * `fundwatch run` runs the one pipeline (docs/interfaces.md, "Every path runs the same stages"): detection →
 * cases → early warning → dispatch; `--stages` limits it. Through the CLI as a process.
 */
const CLI = resolve('app/cli/fundwatch.js');

interface Result { code: number; stdout: string; stderr: string }

const t = tempDir('fw-run-');
const redis = testRedis();
const config = join(t.dir, 'fundwatch.config.json');
const batch = join(t.dir, 'batch');

function fw(db: string, args: string[], env: Record<string, string> = {}): Promise<Result> {
  const base = { ...process.env };
  delete base.FUNDWATCH_DB;
  delete base.FUNDWATCH_REDIS_URL;
  return new Promise((done) => {
    execFile('node', [CLI, ...args, '--db', db, '--config', config], { cwd: t.dir, env: { ...base, ...env } }, (err, stdout, stderr) => {
      done({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0, stdout, stderr });
    });
  });
}

/**
 * P1 died on 2026-01-01 and is billed on the 15th (person alert); physician D9 bills five persons within a minute
 * (card stacking); P2 (低保) pays 15,000 yuan out of pocket for a February stay (over the 10,000 threshold, and a single stay over its limit: referrals).
 */
function writeBatch(): void {
  const certno = (i: number) => `42010219850101${String(i).padStart(3, '0')}`;
  const persons: Row[] = [];
  for (let i = 1; i <= 6; i++) persons.push(person({ psn_no: `P${i}`, certno: certno(i) + certnoCheck(certno(i)), psn_name: `病人${i}`, aid_category: i === 2 ? 'subsistence' : null }));
  const visits = [visit({ mdtrt_id: 'V1', psn_no: 'P1', med_type: '11', begntime: '2026-01-15 09:00:00', endtime: '2026-01-15 09:30:00' })];
  const setls = [settlement({ setl_id: 'S1', mdtrt_id: 'V1', psn_no: 'P1', med_type: '11', setl_time: '2026-01-15 09:30:00' })];
  const fees = [fee({ feedetl_sn: 'F1', mdtrt_id: 'V1', setl_id: 'S1', psn_no: 'P1', fee_ocur_time: '2026-01-15 09:10:00', det_item_fee_sumamt: '20.00' })];
  for (let i = 2; i <= 6; i++) {
    const at = `2026-01-20 10:00:${String(i * 5).padStart(2, '0')}`;
    visits.push(visit({ mdtrt_id: `V${i}`, psn_no: `P${i}`, med_type: '11', begntime: at, endtime: at }));
    setls.push(settlement({ setl_id: `S${i}`, mdtrt_id: `V${i}`, psn_no: `P${i}`, med_type: '11', setl_time: at }));
    fees.push(fee({ feedetl_sn: `F${i}`, mdtrt_id: `V${i}`, setl_id: `S${i}`, psn_no: `P${i}`, fee_ocur_time: at, bilg_dr_codg: 'D9' }));
  }
  visits.push(visit({ mdtrt_id: 'V7', psn_no: 'P2', med_type: '21', begntime: '2026-02-10 09:00:00', endtime: '2026-02-15 10:00:00', dscg_maindiag_code: 'C34.900', dscg_maindiag_name: '肺恶性肿瘤' }));
  setls.push(settlement({ setl_id: 'S7', mdtrt_id: 'V7', psn_no: 'P2', setl_time: '2026-02-15 10:00:00', medfee_sumamt: '20000.00', inscp_amt: '20000.00',
    hifp_pay: '5000.00', fund_pay_sumamt: '5000.00', cash_payamt: '15000.00' }));
  fees.push(fee({ feedetl_sn: 'F7', mdtrt_id: 'V7', setl_id: 'S7', psn_no: 'P2', fee_ocur_time: '2026-02-11 10:00:00', med_list_codg: '001102000050000',
    hilist_name: '床位费', list_type: '201', med_chrgitm_type: '01', cnt: '1', pric: '20000.00', det_item_fee_sumamt: '20000.00', prd_days: null }));
  writeCsvBatch(batch, {
    psn_info: persons,
    fixmedins: [provider({ fixmedins_code: 'H1', admdvs: '421000' })],
    death_records: [{ certno: persons[0]!.certno, die_date: '2026-01-01', source: '公安销户' }],
    mdtrt_d: visits, setl_d: setls, fee_list_d: fees,
  });
}

/** A fresh database holding the batch. */
async function ingested(name: string): Promise<string> {
  const db = join(t.dir, `${name}.duckdb`);
  const r = await fw(db, ['ingest', batch, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return db;
}

async function counts(db: string): Promise<{ alerts: number; cases: number; outbox: number; referrals: number }> {
  const store = await Store.open(db);
  try {
    return (await store.one<{ alerts: number; cases: number; outbox: number; referrals: number }>(
      `SELECT (SELECT count(*) FROM alerts)::INTEGER AS alerts, (SELECT count(*) FROM cases)::INTEGER AS cases,
         (SELECT count(*) FROM cases WHERE dispatched_priority IS NULL)::INTEGER AS outbox, (SELECT count(*) FROM referrals)::INTEGER AS referrals`))!;
  } finally {
    store.close();
  }
}

/** The detection run summary `fundwatch run --json` always printed, and what the pipeline adds. */
const stageRecord = S.shape({ stage: S.str, status: S.oneOf('succeeded', 'partial_failure', 'failed', 'skipped'), ms: S.int, error: S.nullable(S.str) });
const runOutput = S.shape({
  run_id: S.str, kind: S.oneOf('detect'), status: S.oneOf('succeeded', 'partial_failure', 'failed'), window_from: S.date, window_to: S.date,
  detectors: S.arrayOf(S.str), started_at: S.time, finished_at: S.time,
  counts: S.shape({ alerts: S.int, alerts_new: S.int, alerts_existing: S.int, alerts_withdrawn: S.int, amount_at_risk: S.money, per_detector: S.obj }),
  by_family: S.recordOf(S.shape({ alerts: S.int, amount_at_risk: S.money })), stages: S.arrayOf(S.obj), warnings: S.arrayOf(S.str),
  pipeline_status: S.oneOf('succeeded', 'partial_failure', 'failed'), pipeline_stages: S.arrayOf(stageRecord),
  cases: S.nullable(S.obj), early_warning: S.nullable(S.obj), dispatch: S.nullable(S.obj),
});

beforeAll(() => {
  writeFileSync(config, JSON.stringify({ redis: { prefix: redis.settings.prefix } }));
  writeBatch();
});
afterAll(async () => {
  t.cleanup();
  await redis.cleanup();
});

describe('fundwatch run: one pipeline', () => {
  it('runs detection → cases → early warning → dispatch; --stages detect only detects', async () => {
    const db = await ingested('full');
    const only = await fw(db, ['run', '--stages', 'detect', '--json']);
    expect(only.code, only.stderr).toBe(0);
    const o = S.oneObject(only.stdout);
    expect(S.check(runOutput, o)).toEqual([]);
    expect(o).toMatchObject({ status: 'succeeded', pipeline_status: 'succeeded', cases: null, early_warning: null, dispatch: null });
    expect((o.pipeline_stages as { stage: string }[]).map((s) => s.stage)).toEqual(['detect']);
    const detected = await counts(db);
    expect(detected).toMatchObject({ cases: 0, referrals: 0 });
    expect(detected.alerts).toBeGreaterThanOrEqual(2);

    const all = await fw(db, ['run', '--json']);
    expect(all.code, all.stderr).toBe(0);
    const r = S.oneObject(all.stdout);
    expect(S.check(runOutput, r)).toEqual([]);
    expect((r.pipeline_stages as { stage: string; status: string }[]).map((s) => `${s.stage}:${s.status}`)).toEqual(
      ['detect:succeeded', 'cases:succeeded', 'early_warning:succeeded', 'dispatch:succeeded']);
    const after = await counts(db);
    expect(after.cases).toBeGreaterThanOrEqual(2);
    expect(after).toMatchObject({ alerts: detected.alerts, outbox: 0 });
    expect(after.referrals).toBeGreaterThan(0);
    expect(r).toMatchObject({
      kind: 'detect',
      cases: { cases_new: after.cases, run_id: r.run_id }, early_warning: { referrals_new: after.referrals, run_id: r.run_id },
      dispatch: { redis_available: true, dispatched: after.cases },
    });
    expect(all.stderr).toContain('阶段 stage dispatch');
  }, 120_000);

  it('Redis unreachable: the run still succeeds, the cases wait in the outbox, `--stages dispatch` sends them later', async () => {
    const db = await ingested('down');
    const down = await fw(db, ['run', '--json'], { FUNDWATCH_REDIS_URL: 'redis://127.0.0.1:1' });
    expect(down.code, down.stderr).toBe(0);
    const r = S.oneObject(down.stdout);
    expect(r).toMatchObject({ status: 'succeeded', pipeline_status: 'partial_failure', dispatch: { redis_available: false, dispatched: 0 } });
    expect(down.stderr).toContain('Redis 不可用');
    const waiting = await counts(db);
    expect(waiting.cases).toBeGreaterThan(0);
    expect(waiting.outbox).toBe(waiting.cases);

    const later = await fw(db, ['run', '--stages', 'dispatch', '--json']);
    expect(later.code, later.stderr).toBe(0);
    expect(S.oneObject(later.stdout)).toMatchObject({ run_id: null, status: 'succeeded', dispatch: { redis_available: true, dispatched: waiting.cases } });
    expect((await counts(db)).outbox).toBe(0);
  }, 120_000);

  it('--stages is checked: an unknown stage, an empty list, or detection options without detection are bad usage (exit 2)', async () => {
    const db = join(t.dir, 'usage.duckdb');
    for (const args of [['--stages', 'detect,bogus'], ['--stages', ','], ['--stages', 'cases', '--from', '2026-01-01']]) {
      const r = await fw(db, ['run', ...args, '--json']);
      expect([args, r.code, r.stdout]).toEqual([args, 2, '']);
    }
    expect((await fw(db, ['run', '--stages', 'bogus'])).stderr).toContain('bogus');
  }, 60_000);
});
