import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CommanderError } from 'commander';
import { buildProgram } from '../../app/cli/main.ts';
import { cliInvocation, UsageError } from '../../app/cli/context.ts';
import { Store } from '../../pipeline/store/store.ts';
import { tempDir } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import { insertAlerts } from './alerts.ts';
import ExcelJS from 'exceljs';
import { seedEarlyWarning, TWO_DEPARTMENTS } from '../warning/seed.ts';
import { runEarlyWarning } from '../../pipeline/warning/run.ts';
import { addUser } from '../../pipeline/access/users.ts';

// Commands act as the user they sign in as (`--user`, password from FUNDWATCH_PASSWORD); without, as local-admin.
const PASSWORD = 'cli-test-password-1';
async function addUsers(store: Store, users: { name: string; role: string; region?: string }[]): Promise<void> {
  for (const u of users) await addUser(store, { ...u, password: PASSWORD }, 'test');
  process.env.FUNDWATCH_PASSWORD = PASSWORD;
}

/** Runs the real CLI program in-process (a fresh commander tree per call); rejects with {code} like the process would exit. */
async function runCli(args: string[]): Promise<string> {
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

describe('fundwatch cases / case / queue / suppress / referrals', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('groups, dispatches, takes, decides and lists through the CLI', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const r = testRedis();
    cleanups.push(r.cleanup);
    const db = join(t.dir, 'fw.duckdb');
    const config = join(t.dir, 'fundwatch.config.json');
    writeFileSync(config, JSON.stringify({ redis: { host: '127.0.0.1', port: 6379, prefix: r.settings.prefix } }));
    const store = await Store.open(db);
    await insertAlerts(store, [
      { alert_id: 'A1', fixmedins_code: 'H1', amount_at_risk: 90000 },
      { alert_id: 'A2', fixmedins_code: 'H2', amount_at_risk: 10 },
    ]);
    await seedEarlyWarning(store);
    await runEarlyWarning(store, {});
    await addUsers(store, [{ name: 'insp1', role: 'inspector' }, { name: 'insp2', role: 'inspector' }, { name: 'sup1', role: 'supervisor' }]);
    store.close();
    const fw = async (...args: string[]) => {
      return runCli([...args, '--db', db, '--config', config]);
    };
    const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

    const upd = JSON.parse(await fw('case', 'update', '--json'));
    expect(upd).toMatchObject({ cases_new: 2, alerts_linked: 2, dispatch: { dispatched: 2, redis_available: true } });
    const cases = jsonLines(await fw('cases', '--json'));
    expect(cases.map((c) => c.fixmedins_code)).toEqual(['H1', 'H2']);
    expect(Object.keys(cases[0]).slice(0, 12)).toEqual(['case_id', 'subject_type', 'psn_no', 'fixmedins_code', 'bilg_dr_codg', 'admdvs', 'risk_score', 'status', 'alert_count', 'amount_at_risk', 'opened_at', 'updated_at']);
    expect(cases[0].opened_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);

    await expect(fw('queue', 'next', '--inspector', 'insp1', '--json')).rejects.toMatchObject({ code: 2 }); // local-admin is not insp1
    const next = JSON.parse(await fw('queue', 'next', '--user', 'insp1', '--inspector', 'insp1', '--json'));
    expect(next).toMatchObject({ case_id: cases[0].case_id, redis_available: true });
    await fw('case', 'review', cases[0].case_id, '--user', 'insp1');
    const decided = JSON.parse(await fw('case', 'decide', cases[0].case_id, '--decision', 'confirmed', '--confirmed-amount', '90000', '--recovered', '90000', '--user', 'insp1', '--json'));
    expect(decided).toMatchObject({ status: 'decided', decision: 'confirmed', confirmed_amount: 90000, recovered_amount: 90000 });
    await expect(fw('case', 'close', cases[0].case_id, '--user', 'insp1', '--role', 'supervisor')).rejects.toMatchObject({ code: 2 });
    await expect(fw('case', 'close', cases[0].case_id, '--user', 'insp1')).rejects.toMatchObject({ code: 1 });
    expect(JSON.parse(await fw('case', 'close', cases[0].case_id, '--user', 'sup1', '--role', 'supervisor', '--json'))).toMatchObject({ status: 'closed' });
    expect(jsonLines(await fw('case', 'precision', '--json'))).toEqual([{ detector_id: 'gender_restricted_item', decided: 1, confirmed: 1, false_alarm: 0, onsite_inspection: 0, precision: 1 }]);
    expect(JSON.parse(await fw('queue', 'next', '--user', 'insp2', '--json'))).toMatchObject({ case_id: cases[1].case_id });

    const sup = JSON.parse(await fw('suppress', 'add', '--detector', 'gender_restricted_item', '--provider', 'H2', '--until', '2099-01-01', '--reason', '已整改', '--json'));
    expect(sup.suppression_id).toMatch(/^S/);
    await expect(fw('suppress', 'add', '--detector', 'x', '--until', '2099-01-01', '--reason', 'r')).rejects.toMatchObject({ code: 2 });

    const refs = jsonLines(await fw('referrals', '--month', '2026-02', '--json'));
    expect(refs).toHaveLength(1);
    expect(refs[0]).toMatchObject({ psn_no: 'P1', psn_name_masked: '张*', certno_masked: '110101********4514', ytd_out_of_pocket: 11000, department: null, delivery_status: 'no_department' });
    expect(refs[0].certno).toBeUndefined();
    await expect(fw('referrals', '--json')).rejects.toMatchObject({ code: 2 });
  });

  it('referrals: --xlsx writes the list, --unmasked is audited, the department reports back, listing changes nothing', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const db = join(t.dir, 'fw.duckdb');
    const config = join(t.dir, 'fundwatch.config.json');
    writeFileSync(config, JSON.stringify(TWO_DEPARTMENTS));
    const store = await Store.open(db);
    await seedEarlyWarning(store);
    await runEarlyWarning(store, { config: TWO_DEPARTMENTS });
    await addUsers(store, [{ name: 'mz-421000', role: 'civil_affairs', region: '421000' }]);
    store.close();
    const fw = (...args: string[]) => runCli([...args, '--db', db, '--config', config]);
    const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

    const xlsx = join(t.dir, 'march.xlsx');
    await fw('referrals', '--month', '2026-03', '--xlsx', xlsx);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx);
    const ws = wb.worksheets[0];
    expect(ws.rowCount).toBe(3); // header + P2 for each of the two departments
    const rows = [2, 3].map((i) => (ws.getRow(i).values as unknown[]).slice(1));
    expect(rows.map((v) => v.slice(2, 5))).toEqual([['P2', '欧***', '420102********1234'], ['P2', '欧***', '420102********1234']]);

    const full = jsonLines(await fw('referrals', '--month', '2026-03', '--unmasked', '--json'));
    expect(full.map((l) => [l.department_id, l.psn_name, l.certno])).toEqual([
      ['agri_rural-42', '欧阳娜娜', '420102198501011234'], ['civil_affairs-421000', '欧阳娜娜', '420102198501011234'],
    ]);
    const refId = full[1].referral_id as string;
    expect(JSON.parse(await fw('referrals', 'outcome', refId, 'civil_affairs-421000', 'verified', '--note', '已核实低保边缘户', '--user', 'mz-421000', '--by', 'mz-421000', '--json')))
      .toEqual({ referral_id: refId, department_id: 'civil_affairs-421000', outcome: 'verified' });
    await expect(fw('referrals', 'outcome', refId, 'civil_affairs-421000', 'maybe')).rejects.toMatchObject({ code: 2 });
    const after = jsonLines(await fw('referrals', '--month', '2026-03', '--json'));
    expect(after.map((l) => [l.department_id, l.outcome, l.certno])).toEqual([['agri_rural-42', null, undefined], ['civil_affairs-421000', 'verified', undefined]]);

    const s2 = await Store.open(db);
    try {
      expect(await s2.all(`SELECT action, object_id, detail->>'rows' AS rows FROM audit_log WHERE action LIKE 'referrals.%' ORDER BY "at"`)).toEqual([
        { action: 'referrals.list_unmasked', object_id: '2026-03', rows: '2' },
        { action: 'referrals.outcome', object_id: refId, rows: null },
      ]);
      expect(await s2.all(`SELECT outcome, note, actor FROM referral_outcomes`)).toEqual([{ outcome: 'verified', note: '已核实低保边缘户', actor: 'mz-421000' }]);
      // listing is read-only: same referrals and deliveries as the pipeline created
      expect(await s2.scalar('SELECT count(*)::INTEGER FROM referrals')).toBe(4);
      expect(await s2.scalar(`SELECT count(*)::INTEGER FROM referral_deliveries WHERE status = 'pending_file'`)).toBe(8);
    } finally {
      s2.close();
    }
  });
});
