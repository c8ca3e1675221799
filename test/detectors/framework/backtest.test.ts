import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { CommanderError } from 'commander';
import { buildProgram } from '../../../app/cli/main.ts';
import { cliInvocation, UsageError } from '../../../app/cli/context.ts';
import { backtest, BacktestParamError, parseSetOptions } from '../../../pipeline/detect/backtest.ts';
import { runDetection } from '../../../pipeline/detect/engine.ts';
import { getDetector } from '../../../pipeline/detect/registry.ts';
import { updateCases } from '../../../pipeline/cases/update.ts';
import { decideCase, startReview } from '../../../pipeline/cases/lifecycle.ts';
import { Store } from '../../../pipeline/store/store.ts';
import { BillingClaims } from '../billing/fixtures.ts';
import { storeWithRealKb } from '../billing/kbStore.ts';

const ER_MONITOR = '001103000010000'; // 急诊监护费 (主项)
const ER_CONSULT = '001102000030000'; // 急诊诊查费 (从项, 单日)
const PERIANAL_NF = '004600000170000'; // 肛周坏死性筋膜炎清创术 (主项)
const HIDRADENITIS = '004600000160000'; // 化脓性肛周大汗腺炎切开清创引流术 (从项, 单次就诊)
const COLD_PRESSOR = '003102070040000'; // 冷加压试验 (主项)
const AMBULATORY_BP = '003107010210000'; // 动态血压监测 (从项, 同一小时)
const JAN = { from: '2026-01-01', to: '2026-01-31' };
const SUP = { actor: 'sup1', role: 'supervisor' };

let store: Store;
let cleanup: () => void;
beforeEach(async () => {
  ({ store, cleanup } = await storeWithRealKb());
});
afterEach(() => cleanup());

/**
 * kp_duplicate_charge as published finds ONE-VISIT (H1, 300.00; its case confirmed) and SAME-DAY (H2, 12.00; its
 * case a false alarm). With window_mode 'same_day' ONE-VISIT goes (its pair is 单次就诊, lines two days apart),
 * HOURS-APART (H1, 90.00; a 同一小时 pair three hours apart) comes, SAME-DAY stays.
 */
async function decidedHistory(): Promise<void> {
  const b = new BillingClaims(store).provider('H1').provider('H2').person('P1');
  b.visit('SAME-DAY', 'P1', 'H2', '13', '2026-01-05 09:00:00', [
    { med_list_codg: ER_MONITOR, pric: 60 },
    { med_list_codg: ER_CONSULT, pric: 12, fee_ocur_time: '2026-01-05 18:00:00' },
  ]);
  b.visit('ONE-VISIT', 'P1', 'H1', '21', '2026-01-15 09:00:00', [
    { med_list_codg: PERIANAL_NF, pric: 500, fee_ocur_time: '2026-01-15 10:00:00' },
    { med_list_codg: HIDRADENITIS, pric: 300, fee_ocur_time: '2026-01-17 10:00:00' },
  ], { endtime: '2026-01-20 09:00:00' });
  b.visit('HOURS-APART', 'P1', 'H1', '11', '2026-01-25 08:00:00', [
    { med_list_codg: COLD_PRESSOR, pric: 30, fee_ocur_time: '2026-01-25 08:00:00' },
    { med_list_codg: AMBULATORY_BP, pric: 90, fee_ocur_time: '2026-01-25 11:00:00' },
  ]);
  await b.flush();
  await runDetection(store, { ...JAN, detectors: ['kp_duplicate_charge'] });
  await updateCases(store, { runId: 'R1' });
  const cases = await store.all<{ case_id: string; fixmedins_code: string }>('SELECT case_id, fixmedins_code FROM cases ORDER BY fixmedins_code');
  expect(cases.map((c) => c.fixmedins_code)).toEqual(['H1', 'H2']);
  for (const c of cases) {
    await startReview(store, c.case_id, SUP);
    await decideCase(store, c.case_id, c.fixmedins_code === 'H1' ? { decision: 'confirmed', confirmed_amount: 300 } : { decision: 'false_alarm' }, SUP);
  }
}

/** Everything a backtest must leave alone. */
async function snapshot(): Promise<unknown> {
  return {
    alerts: await store.all('SELECT alert_id, status, last_run_id, updated_at::VARCHAR AS u, explanation_zh FROM alerts ORDER BY alert_id'),
    runs: await store.scalar('SELECT count(*)::INTEGER FROM runs'),
    cases: await store.all('SELECT case_id, status, decision, alert_count FROM cases ORDER BY case_id'),
  };
}

describe('backtest', () => {
  it('adds and removes exactly the alerts the trial parameters change, counts what inspectors decided, writes nothing', async () => {
    await decidedHistory();
    const before = await snapshot();
    const r = await backtest(store, 'kp_duplicate_charge', { params: { window_mode: 'same_day' }, ...JAN });
    expect(r).toMatchObject({
      detector_id: 'kp_duplicate_charge',
      params_current: { window_mode: 'as_published' },
      params_trial: { window_mode: 'same_day' },
      window_from: '2026-01-01', window_to: '2026-01-31',
      alerts_current: 2, alerts_trial: 2, added: 1, removed: 1, unchanged: 1,
      decided_current: { confirmed: 1, false_alarm: 1 },
      precision_current: 0.5,
      removed_confirmed: 1,
      removed_false_alarm: 0,
      decided_trial: { confirmed: 0, false_alarm: 1 },
      precision_trial: 0,
      amount_current: 312, amount_trial: 102,
    });
    expect(r.added_examples.map((a) => [a.mdtrt_id, a.fixmedins_code, a.feedetl_sn, a.amount_at_risk, a.status])).toEqual([
      ['HOURS-APART', 'H1', ['HOURS-APART-2'], 90, 'open'],
    ]);
    expect(r.added_examples[0]!.explanation_zh).toBe(
      '本次就诊已收取"冷加压试验"，其包含的"动态血压监测"又同日单独收费；2026-01-25 收费 1 次，金额 90.00 元');
    expect(r.removed_examples.map((a) => [a.mdtrt_id, a.decision, typeof a.case_id])).toEqual([['ONE-VISIT', 'confirmed', 'string']]);
    expect(await snapshot()).toEqual(before);
  });

  it('with the current parameters changes nothing; a window limits both sides', async () => {
    await decidedHistory();
    const same = await backtest(store, 'kp_duplicate_charge', { params: {}, ...JAN });
    expect(same).toMatchObject({ alerts_current: 2, alerts_trial: 2, added: 0, removed: 0, unchanged: 2, removed_confirmed: 0 });
    const late = await backtest(store, 'kp_duplicate_charge', { params: { window_mode: 'same_day' }, from: '2026-01-20', to: '2026-01-31' });
    expect(late).toMatchObject({ alerts_current: 0, alerts_trial: 1, added: 1, removed: 0, decided_current: { confirmed: 0, false_alarm: 0 }, precision_current: null });
    // A user bound to another region sees nothing of it.
    expect(await backtest(store, 'kp_duplicate_charge', { params: { window_mode: 'same_day' }, ...JAN, region: '429900' }))
      .toMatchObject({ alerts_current: 0, alerts_trial: 0, added_examples: [] });
  });

  it('checks trial parameters like the config: unknown name and wrong type are errors naming them', async () => {
    await expect(backtest(store, 'kp_duplicate_charge', { params: { window_modes: 'same_day' } })).rejects.toThrow(BacktestParamError);
    await expect(backtest(store, 'kp_duplicate_charge', { params: { window_modes: 'same_day' } })).rejects.toThrow(/params\.window_modes/);
    await expect(backtest(store, 'kp_surgery_discount', { params: { discount_ratio: '0.6' } })).rejects.toThrow(/params\.discount_ratio.*number/);
    await expect(backtest(store, 'kp_duplicate_charge', { params: {}, from: '2026-02-30' })).rejects.toThrow(/--from/);
    const d = await getDetector('kp_payment_course_limit');
    expect(parseSetOptions(d, ['course_gap_days=45', 'use_prd_days=false'])).toEqual({ course_gap_days: 45, use_prd_days: false });
    expect(() => parseSetOptions(d, ['course_gap_days=abc'])).toThrow(/course_gap_days.*number/);
    expect(() => parseSetOptions(d, ['use_prd_days=1'])).toThrow(/use_prd_days.*true\/false/);
    expect(() => parseSetOptions(d, ['gap=1'])).toThrow(/--set gap.*unknown parameter/);
    expect(() => parseSetOptions(d, ['course_gap_days'])).toThrow(/name=value/);
  });

  it('fundwatch backtest: one JSON object; bad parameters exit 2 naming them', async () => {
    await decidedHistory();
    const db = store.path;
    store.close();
    try {
      const ok = await cli(['backtest', '--db', db, '--detector', 'kp_duplicate_charge', '--set', 'window_mode=same_day', '--from', '2026-01-01', '--to', '2026-01-31', '--json']);
      expect(ok.code, ok.err).toBe(0);
      expect(ok.out.trim().split('\n')).toHaveLength(1);
      expect(JSON.parse(ok.out)).toMatchObject({ added: 1, removed: 1, unchanged: 1, removed_confirmed: 1, precision_current: 0.5 });
      const text = await cli(['backtest', '--db', db, '--detector', 'kp_duplicate_charge', '--set', 'window_mode=same_day']);
      expect(text.out).toContain('新增 added 1，减少 removed 1（其中已确认违规 confirmed 1，误报 false alarm 0），不变 unchanged 1');
      expect(text.out).toContain('window_mode as_published → same_day');
      for (const [args, msg] of [
        [['--set', 'window_modes=same_day'], 'window_modes'],
        [['--set', 'window_mode'], 'name=value'],
        [['--from', '2026-13-01'], '2026-13-01'],
      ] as const) {
        const r = await cli(['backtest', '--db', db, '--detector', 'kp_duplicate_charge', ...args, '--json']);
        expect([r.code, r.out]).toEqual([2, '']);
        expect(r.err).toContain(msg);
      }
      expect((await cli(['backtest', '--db', db, '--detector', 'no_such_rule'])).code).toBe(2);
      expect((await cli(['backtest', '--db', db])).code).toBe(2);
    } finally {
      store = await Store.open(db);
    }
  });
});

/** The CLI program in-process, with the exit code the process would have. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = new Writable({ write: (c, _e, cb) => ((out += c), cb()) });
  const stderr = new Writable({ write: (c, _e, cb) => ((err += c), cb()) });
  const program = await buildProgram();
  program.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  try {
    await cliInvocation.run({ stdout, stderr }, () => program.parseAsync(['node', 'fundwatch', ...args]));
    return { code: 0, out, err };
  } catch (e) {
    return { code: e instanceof CommanderError || e instanceof UsageError ? 2 : 1, out, err: `${err}${(e as Error).message}` };
  }
}
