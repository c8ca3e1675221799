import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { CommanderError } from 'commander';
import { buildProgram } from '../../app/cli/main.ts';
import { cliInvocation, UsageError } from '../../app/cli/context.ts';
import { tempDir } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import { certnoCheck, fee, person, provider, settlement, visit, writeCsvBatch, type Row } from '../fixtures/ingest/batch.ts';
import * as S from './shapes.ts';

/**
 * The JSON shapes of ../shared/docs/interfaces.md, checked field by field. The writes, the exit-code paths and
 * one list go through the real CLI as a process (`node app/cli/fundwatch.js`: stdout holds only JSON, exit
 * codes 0/1/2, global options after the command, FUNDWATCH_DB); the other reads run the same commander program
 * in-process (each process start costs 2–3 s of CPU loading every command module).
 */
const CLI = resolve('app/cli/fundwatch.js');

interface Result { code: number; stdout: string; stderr: string }

function fw(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const base = { ...process.env };
  delete base.FUNDWATCH_DB;
  return new Promise((done) => {
    execFile('node', [CLI, ...args], { cwd: t.dir, env: { ...base, ...env }, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** The CLI program in-process (stdout/stderr captured), with the exit code the process would have. */
async function fwIn(args: string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const out = new Writable({ write: (c, _e, cb) => ((stdout += c), cb()) });
  const err = new Writable({ write: (c, _e, cb) => ((stderr += c), cb()) });
  const program = await buildProgram();
  program.configureOutput({ writeOut: (x) => (stdout += x), writeErr: (x) => (stderr += x) });
  try {
    await cliInvocation.run({ stdout: out, stderr: err }, () => program.parseAsync(['node', 'fundwatch', ...args]));
    return { code: 0, stdout, stderr };
  } catch (e) {
    return { code: e instanceof CommanderError || e instanceof UsageError ? 2 : 1, stdout, stderr: stderr + String(e) };
  }
}

/** Every stdout line one JSON object (JSON Lines), each valid against `shape`. */
function expectLines(r: Result, shape: Parameters<typeof S.check>[0], label: string): Record<string, unknown>[] {
  expect(r.code, `${label}: exit ${r.code}\n${r.stderr}`).toBe(0);
  const rows = S.jsonLines(r.stdout);
  expect(rows.flatMap((row, i) => S.check(shape, row, `${label}[${i}]`))).toEqual([]);
  return rows;
}

const t = tempDir('fw-interfaces-');
const redis = testRedis();
const db = join(t.dir, 'fw.duckdb');
const config = join(t.dir, 'fundwatch.config.json');
const batchA = join(t.dir, 'batch-a');
const inbox = join(t.dir, 'inbox');
const runs: Record<string, Result> = {};

/** Batch A (ingested by `fundwatch ingest`): persons, the provider, a death record, one warning; `_SUCCESS`, `_truth/`. */
function writeBatchA(): void {
  const certno = (i: number) => `42010219850101${String(i).padStart(3, '0')}`;
  const bad = certno(1) + (certnoCheck(certno(1)) === '0' ? '1' : '0'); // P1: wrong check digit → certno_checksum warning
  const persons: Row[] = [person({ psn_no: 'P1', certno: bad })];
  for (let i = 2; i <= 6; i++) {
    persons.push(person({ psn_no: `P${i}`, certno: certno(i) + certnoCheck(certno(i)), psn_name: `病人${i}`, aid_category: i === 2 ? 'subsistence' : null }));
  }
  writeCsvBatch(batchA, {
    psn_info: persons,
    fixmedins: [provider({ fixmedins_code: 'H1', admdvs: '421000' })],
    death_records: [{ certno: bad, die_date: '2026-01-01', source: '公安销户' }],
  });
  writeFileSync(join(batchA, '_SUCCESS'), '');
  mkdirSync(join(batchA, '_truth'));
  writeFileSync(join(batchA, '_truth', 'truth.jsonl'), '{"not": "a table"}\n');
}

/**
 * Batch B (taken by `fundwatch nightly` from the inbox): care after P1's death (person alert), one physician billing
 * the same drug for five persons within a minute (card stacking, physician alert), and a stay that takes P2 (低保)
 * over the 10,000 yuan out-of-pocket threshold in February (referral).
 */
function writeBatchB(): void {
  const dir = join(inbox, 'b');
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
  writeCsvBatch(dir, { mdtrt_d: visits, setl_d: setls, fee_list_d: fees });
  writeFileSync(join(dir, '_SUCCESS'), '');
}

beforeAll(async () => {
  writeFileSync(config, JSON.stringify({ redis: { prefix: redis.settings.prefix }, nightly: { inbox, report_dir: join(t.dir, 'reports') } }));
  writeBatchA();
  writeBatchB();
  const unreadable = join(t.dir, 'unreadable');
  mkdirSync(unreadable);
  writeFileSync(join(unreadable, 'mdtrt_d.arrow'), 'not arrow at all');
  const other = join(t.dir, 'other.duckdb');

  // Processes: the ingest, bad usage (commander and our own check), a failing ingest; then the nightly run that
  // takes batch B (detection, cases, early warning → referrals, dispatch); then one list through FUNDWATCH_DB.
  [runs.ingest, runs.unknownOption, runs.badDate, runs.unreadable] = await Promise.all([
    fw(['ingest', batchA, '--db', db, '--config', config, '--json']),
    fw(['alerts', '--bogus', '--db', other, '--json']),
    fw(['run', '--from', '2026-13-01', '--db', other, '--json']),
    fw(['ingest', unreadable, '--db', other, '--json']),
  ]);
  runs.nightly = await fw(['nightly', '--db', db, '--config', config, '--json']);
  runs.alerts = await fw(['alerts', '--config', config, '--json'], { FUNDWATCH_DB: db });
  // In-process: the other reads, usage errors, and the same batch again.
  const reads: [string, string[]][] = [
    ['detectors', ['detectors']], ['rankProvider', ['rank', '--subject', 'provider']], ['rankPhysician', ['rank', '--subject', 'physician']],
    ['cases', ['cases']], ['referrals', ['referrals', '--month', '2026-02']], ['unmasked', ['referrals', '--month', '2026-02', '--unmasked']],
    ['queue', ['queue', 'status']], ['duplicate', ['ingest', batchA]], ['missingArg', ['ingest']], ['badMonth', ['referrals', '--month', '2026-13']],
    ['missingConfig', ['cases', '--config', join(t.dir, 'missing.json')]],
  ];
  for (const [name, args] of reads) runs[name] = await fwIn([...args, '--db', db, ...(args.includes('--config') ? [] : ['--config', config]), '--json']);
}, 180_000);

afterAll(async () => {
  t.cleanup();
  await redis.cleanup();
});

describe('CLI output shapes (interfaces.md)', () => {
  it('ingest --json: one object {batch_id, status, tables{read..warnings}, top_reasons}; _SUCCESS/_truth skipped; again → duplicate', () => {
    const o = S.oneObject(runs.ingest!.stdout);
    expect(runs.ingest!.code).toBe(0);
    expect(S.check(S.ingestResult, o)).toEqual([]);
    expect(o).toMatchObject({ status: 'loaded', top_reasons: [{ reason_code: 'certno_checksum', count: 1 }] });
    expect(Object.keys(o.tables as object).sort()).toEqual(['death_records', 'fixmedins', 'psn_info']);
    expect(runs.ingest!.stderr).toContain('读取 reading'); // progress on stderr only
    const again = S.oneObject(runs.duplicate!.stdout);
    expect(S.check(S.ingestResult, again)).toEqual([]);
    expect(again).toMatchObject({ batch_id: o.batch_id, status: 'duplicate' });
  });

  it('nightly --json: one object; the run succeeded', () => {
    expect(runs.nightly!.code, runs.nightly!.stderr).toBe(0);
    expect(S.oneObject(runs.nightly!.stdout)).toMatchObject({ status: 'succeeded' });
  });

  it('alerts --json (db from FUNDWATCH_DB): JSON Lines in the alert shape (person and physician subjects)', () => {
    const alerts = expectLines(runs.alerts!, S.alert, 'alerts');
    expect(alerts.map((a) => [a.detector_id, a.subject_type]).sort()).toEqual([['card_stacking', 'physician'], ['care_after_death', 'person']]);
    const death = alerts.find((a) => a.detector_id === 'care_after_death')!;
    expect(death).toMatchObject({ psn_no: 'P1', setl_id: 'S1', feedetl_sn: ['F1'], amount_at_risk: 20, result_type: 'violation', status: 'open', peer: null });
  });

  it('detectors --json: every detector with {value, unit, default} params', () => {
    const rows = expectLines(runs.detectors!, S.detector, 'detectors');
    expect(rows.length).toBeGreaterThanOrEqual(38);
  });

  it('rank --json: providers and physicians sorted by risk_score', () => {
    for (const [name, subject] of [['rankProvider', 'provider'], ['rankPhysician', 'physician']] as const) {
      const rows = expectLines(runs[name]!, S.rankRow(subject), name);
      expect(rows.length).toBeGreaterThan(0);
      const scores = rows.map((r) => r.risk_score as number);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    }
  });

  it('cases --json: the case shape', () => {
    expect(expectLines(runs.cases!, S.caseRow, 'cases').length).toBeGreaterThan(0);
  });

  it('referrals --json: the referral shape, masked; --unmasked adds psn_name and certno', () => {
    const [line] = expectLines(runs.referrals!, S.referral, 'referrals');
    expect(line).toMatchObject({ month: '2026-02', psn_no: 'P2', aid_category: 'subsistence', main_diagnoses: expect.arrayContaining(['C34.900 肺恶性肿瘤']) });
    expect(line).not.toHaveProperty('certno');
    const [full] = expectLines(runs.unmasked!, S.referral, 'unmasked');
    expect(full).toMatchObject({ psn_no: 'P2', psn_name: '病人2' });
    expect(full).toHaveProperty('certno');
  });

  it('queue status: JSON Lines', () => {
    expect(runs.queue!.code, runs.queue!.stderr).toBe(0);
    expect(S.jsonLines(runs.queue!.stdout).map((q) => q.admdvs)).toEqual(['421000']);
  });

  it('exit codes: 2 for bad usage, 1 for a failing command (with a failed ingest object on stdout)', () => {
    for (const name of ['unknownOption', 'badDate', 'missingArg', 'badMonth', 'missingConfig']) {
      expect([name, runs[name]!.code, runs[name]!.stdout]).toEqual([name, 2, '']);
    }
    expect(runs.badDate!.stderr).toContain('2026-13-01');
    expect(runs.unreadable!.code).toBe(1);
    expect(S.oneObject(runs.unreadable!.stdout)).toMatchObject({ batch_id: null, status: 'failed' });
    expect(runs.unreadable!.stderr).toContain('mdtrt_d.arrow');
  });
});
