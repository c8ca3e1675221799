import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CommanderError } from 'commander';
import { buildProgram } from '../../../app/cli/main.ts';
import { cliInvocation, UsageError } from '../../../app/cli/context.ts';
import { Store } from '../../../pipeline/store/store.ts';
import { ClaimFixtures } from '../../fixtures/claims.ts';
import { tempDir } from '../../helpers.ts';

/** The real CLI program in-process; rejects with {code} as the process would exit. */
async function cli(args: string[]): Promise<{ out: string; err: string }> {
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
  return { out, err };
}

let t: { dir: string; cleanup: () => void };
let db: string;
beforeEach(async () => {
  t = tempDir();
  db = join(t.dir, 'fw.duckdb');
  const store = await Store.open(db);
  const c = new ClaimFixtures(store);
  c.provider({ fixmedins_code: 'H1' });
  c.person({ psn_no: 'P1', certno: '110101195001010011' });
  c.row('death_records', { certno: '110101195001010011', die_date: '2026-01-10', source: '公安销户' });
  c.visit({ mdtrt_id: 'V1', psn_no: 'P1', begntime: '2026-01-15 09:00:00' });
  c.settlement({ setl_id: 'S1', mdtrt_id: 'V1' });
  c.fee({ feedetl_sn: 'F1', mdtrt_id: 'V1', setl_id: 'S1', cnt: 3, pric: 16.5 });
  await c.flush();
  store.close();
});
afterEach(() => t.cleanup());

describe('fundwatch run / alerts / detectors / eval', () => {
  it('runs, lists alerts as JSON Lines, and evaluates against a truth directory', async () => {
    const run = await cli(['run', '--db', db, '--detectors', 'care_after_death,card_stacking', '--json']);
    const summary = JSON.parse(run.out);
    expect(run.out.trim().split('\n')).toHaveLength(1);
    expect(summary).toMatchObject({ status: 'succeeded', window_from: '2026-01-15', window_to: '2026-01-15', counts: { alerts: 1, amount_at_risk: 49.5 } });

    const text = await cli(['run', '--db', db, '--from', '2026-01-01', '--to', '2026-01-31', '--detectors', 'care_after_death']);
    expect(text.out).toContain('预警 alerts: 1 条（新增 new 0，已有 existing 1，撤回 withdrawn 0），涉及金额 money at risk ¥49.50');

    const alerts = (await cli(['alerts', '--db', db, '--family', 'impersonation', '--json'])).out.trim().split('\n').map((l) => JSON.parse(l));
    expect(alerts.map((a) => [a.detector_id, a.psn_no, a.setl_id, a.feedetl_sn, a.amount_at_risk, a.run_id])).toEqual([
      ['care_after_death', 'P1', 'S1', ['F1'], 49.5, summary.run_id],
    ]);
    expect((await cli(['alerts', '--db', db, '--detector', 'card_stacking', '--json'])).out).toBe('');
    expect((await cli(['alerts', '--db', db, '--status', 'withdrawn', '--json'])).out).toBe('');

    const truthDir = join(t.dir, 'city');
    mkdirSync(join(truthDir, '_truth'), { recursive: true });
    writeFileSync(join(truthDir, '_truth', 'truth.jsonl'),
      JSON.stringify({ case_id: 'c1', scenario: '', family: 'impersonation', detector_id: 'care_after_death', expect: 'alert', subject_type: 'person',
        psn_no: 'P1', fixmedins_code: null, bilg_dr_codg: null, mdtrt_id: null, setl_id: 'S1', month: null, note_zh: '' }) + '\n');
    const ev = JSON.parse((await cli(['eval', '--db', db, '--truth', truthDir, '--json'])).out);
    expect(ev.detectors.detectors).toEqual([
      expect.objectContaining({ detector_id: 'care_after_death', planted: 1, found: 1, recall: 1, alerts: 1, precision: 1 }),
    ]);
  });

  it('lists detectors with effective params from the config, and rejects bad usage with exit 2', async () => {
    const config = join(t.dir, 'fundwatch.config.json');
    writeFileSync(config, JSON.stringify({ detectors: { card_stacking: { params: { min_persons: 8 }, regions: { '421000': { window_minutes: 1 } } } } }));
    const lines = (await cli(['detectors', '--config', config, '--json'])).out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.find((d) => d.detector_id === 'card_stacking').params).toMatchObject({
      min_persons: { value: 8, unit: '人', default: 5, description_zh: expect.any(String) },
      window_minutes: { value: 2, unit: '分钟', default: 2, description_zh: expect.any(String), regions: { '421000': 1 } },
    });
    expect(Object.keys(lines[0]).slice(0, 9)).toEqual(['detector_id', 'family', 'version', 'gz_code', 'title_zh', 'title_en', 'result_type', 'legal_basis', 'params']);
    await expect(cli(['run', '--db', db, '--from', '2026-02-30'])).rejects.toMatchObject({ code: 2 });
    await expect(cli(['run', '--db', db, '--detectors', 'no_such_rule'])).rejects.toMatchObject({ code: 2 });
    await expect(cli(['alerts', '--db', db, '--family', 'fraud'])).rejects.toMatchObject({ code: 2 });
  });
});
