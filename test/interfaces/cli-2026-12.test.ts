import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { CommanderError } from 'commander';
import { buildProgram } from '../../app/cli/main.ts';
import { cliInvocation, UsageError } from '../../app/cli/context.ts';
import { runDetection } from '../../pipeline/detect/engine.ts';
import { decidedHistory, JAN, SHADOW } from '../detectors/framework/shadowFixture.ts';
import { storeWithRealKb } from '../detectors/billing/kbStore.ts';
import * as S from './shapes.ts';
import * as S2 from './shapes-2026-12.ts';

/**
 * The CLI shapes of docs/interfaces.md "Additions of 2026-12": explanation_zh on `fundwatch alerts --json`, one
 * object from `fundwatch backtest --json`, and the shadow-mode fields of `fundwatch detectors --json`.
 * kp_sex_limit has run in shadow over visits whose lines inspectors decided (shadowFixture.ts).
 */
interface Result { code: number; stdout: string; stderr: string }

let db = '';
let config = '';
let cleanup: () => void = () => undefined;
const runs: Record<string, Result> = {};

async function fwIn(args: string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const out = new Writable({ write: (c, _e, cb) => ((stdout += c), cb()) });
  const err = new Writable({ write: (c, _e, cb) => ((stderr += c), cb()) });
  const program = await buildProgram();
  program.configureOutput({ writeOut: (x) => (stdout += x), writeErr: (x) => (stderr += x) });
  try {
    await cliInvocation.run({ stdout: out, stderr: err }, () => program.parseAsync(['node', 'fundwatch', ...args, '--db', db, '--config', config]));
    return { code: 0, stdout, stderr };
  } catch (e) {
    return { code: e instanceof CommanderError || e instanceof UsageError ? 2 : 1, stdout, stderr: stderr + String(e) };
  }
}

function fw(args: string[]): Promise<Result> {
  return new Promise((done) => {
    execFile('node', [resolve('app/cli/fundwatch.js'), ...args, '--db', db, '--config', config], { cwd: dirname(db), env: { ...process.env, FUNDWATCH_DB: '' } }, (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: unknown }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  const kb = await storeWithRealKb();
  cleanup = kb.cleanup;
  db = kb.store.path;
  config = join(dirname(db), 'fundwatch.config.json');
  writeFileSync(config, JSON.stringify(SHADOW));
  try {
    await decidedHistory(kb.store);
    await runDetection(kb.store, { ...JAN, detectors: ['kp_sex_limit'], config: SHADOW });
  } finally {
    kb.store.close(); // the CLI opens the file itself
  }
  for (const [name, args] of Object.entries({
    alerts: ['alerts', '--json'],
    shadowAlerts: ['alerts', '--status', 'shadow', '--json'],
    detectors: ['detectors', '--json'],
    detectorsText: ['detectors'],
    backtest: ['backtest', '--detector', 'kp_child_limit', '--set', 'child_max_age=19', '--json'],
  })) runs[name] = await fwIn(args);
  runs.badParam = await fw(['backtest', '--detector', 'kp_child_limit', '--set', 'child_max_age=nineteen', '--json']);
}, 120_000);
afterAll(() => cleanup());

describe('CLI shapes, additions of 2026-12', () => {
  it('alerts --json: each alert has explanation_zh stating its amount; shadow alerts only with --status shadow', () => {
    const lines = S.jsonLines(runs.alerts!.stdout);
    expect(lines.map((a) => a.detector_id)).toEqual(['legacy_rule', 'legacy_rule', 'legacy_rule']);
    const shadow = S.jsonLines(runs.shadowAlerts!.stdout);
    expect(shadow.map((a) => [a.detector_id, a.status])).toEqual([['kp_sex_limit', 'shadow'], ['kp_sex_limit', 'shadow'], ['kp_sex_limit', 'shadow']]);
    // The interfaces.md statuses do not know 'shadow': the shape is checked as the alert would be once live.
    expect(shadow.flatMap((a, i) => S.check(S2.alert, { ...a, status: 'open' }, `shadow[${i}]`))).toEqual([]);
  });

  it('detectors --json: shadow, shadow_until, shadow_precision; the text names the shadow precision', () => {
    expect(runs.detectors!.code, runs.detectors!.stderr).toBe(0);
    const rows = S.jsonLines(runs.detectors!.stdout);
    expect(rows.flatMap((r, i) => S.check(S2.detector, r, `detectors[${i}]`))).toEqual([]);
    expect(rows.find((r) => r.detector_id === 'kp_sex_limit')).toMatchObject({
      shadow: true, shadow_until: null, shadow_precision: { alerts: 3, amount_at_risk: 400, confirmed: 1, false_alarm: 1, precision: 0.5 },
    });
    expect(rows.find((r) => r.detector_id === 'card_stacking')).toMatchObject({ shadow: false, shadow_precision: { alerts: 0, precision: null } });
    expect(runs.detectorsText!.stdout).toContain('影子运行 shadow');
    expect(runs.detectorsText!.stdout).toContain('影子预警 shadow alerts 3 条（¥400.00）');
    expect(runs.detectorsText!.stdout).toContain('影子准确率 shadow precision 50.0%');
  });

  it('backtest --json: one object in the interfaces.md shape; a bad parameter exits 2 with nothing on stdout', () => {
    expect(runs.backtest!.code, runs.backtest!.stderr).toBe(0);
    const o = S.oneObject(runs.backtest!.stdout);
    expect(S.check(S2.backtestResult, o)).toEqual([]);
    expect(o).toMatchObject({ detector_id: 'kp_child_limit', alerts_current: 1, alerts_trial: 0, removed: 1 });
    expect([runs.badParam!.code, runs.badParam!.stdout]).toEqual([2, '']);
    expect(runs.badParam!.stderr).toContain('child_max_age');
  });
});
