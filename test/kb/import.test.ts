import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CommanderError } from 'commander';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../app/cli/main.ts';
import { cliInvocation, UsageError } from '../../app/cli/context.ts';
import { importKnowledgeBase } from '../../pipeline/kb/import.ts';
import { referenceKnowledgePointDir } from '../../pipeline/kb/read.ts';
import { knowledgeBaseStatus, listKbVersions } from '../../pipeline/kb/status.ts';
import type { Store } from '../../pipeline/store/store.ts';
import { tempDir, tempStore } from '../helpers.ts';

const KP_DIR = referenceKnowledgePointDir(); // the shipped copy (byte-identical to ../shared: test/kb/read.test.ts)

/** A one-file knowledge base: 8-1 daily frequency with the given rows [name, limit, unit, code]. */
async function writeFrequencyFile(path: string, rows: [string, number, string, string][]): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('“医疗服务项目限定频次”规则对应知识点明细');
  ws.addRow(['序号', '项目名称', '限制数量', '数量单位', '项目编码']);
  rows.forEach((r, i) => ws.addRow([i + 1, ...r]));
  await wb.xlsx.writeFile(path);
}

describe('kb import of the published files', () => {
  let store: Store;
  let cleanup: () => void;
  beforeAll(async () => {
    ({ store, cleanup } = await tempStore());
  });
  afterAll(() => cleanup());

  it('starts empty: the status says there is nothing to check', async () => {
    expect(await knowledgeBaseStatus(store)).toEqual({ version_id: null, points: 0, effective_date: null, versions: [], rule_classes: {} });
  });

  it('stores a version with its points, codes and pairs, in force from its effective date', async () => {
    const r = await importKnowledgeBase(store, [KP_DIR], { effectiveDate: '2026-01-01' });
    expect(r.status).toBe('imported');
    expect(r.version_id).toBe(`kb-20260101-${r.content_hash.slice(0, 10)}`);
    expect([r.points, r.codes, r.files.length, r.problems.length]).toEqual([2692, 15618, 14, 1]);
    const counts = await store.one(
      `SELECT (SELECT count(*) FROM kb_current_points)::INTEGER AS points,
              (SELECT count(*) FROM kb_current_codes)::INTEGER AS codes,
              (SELECT count(*) FROM kb_current_pairs)::INTEGER AS pairs,
              (SELECT count(*) FROM kb_points_asof(DATE '2025-12-31'))::INTEGER AS before_effective`,
    );
    expect(counts).toEqual({ points: 2692, codes: 15618, pairs: 900, before_effective: 0 });
    const hysteroscopy = await store.all(
      `SELECT kp_id, item_name, sex FROM kb_current_codes WHERE code = '002101030300000'`,
    );
    expect(hysteroscopy).toEqual([{ kp_id: 'sex_limit:service:4', item_name: '子宫造影', sex: '2' }]);
    const status = await knowledgeBaseStatus(store);
    expect(status).toMatchObject({ version_id: r.version_id, points: 2692, effective_date: '2026-01-01' });
    expect(status.rule_classes).toMatchObject({ sex_limit: 871, duplicate_charge: 900, daily_frequency: 67, age_limit: 1 });
  }, 30_000);

  it('re-importing the same files is a no-op reported as unchanged', async () => {
    const again = await importKnowledgeBase(store, [KP_DIR], { effectiveDate: '2026-06-01' });
    expect(again.status).toBe('unchanged');
    expect(again.effective_date).toBe('2026-01-01');
    expect(again).toMatchObject({ points: 2692, codes: 15618 });
    expect(again.files).toHaveLength(14);
    expect(again.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256) && f.rule_class !== null)).toBe(true);
    expect(await store.scalar('SELECT count(*)::INTEGER FROM kb_versions')).toBe(1);
    expect(await store.scalar('SELECT count(*)::INTEGER FROM kb_points')).toBe(2692);
  }, 30_000);

  it('a later file replaces only its own kind; a future version is not yet in force', async () => {
    const t = tempDir('fw-kb-');
    try {
      const f = join(t.dir, '【第八批-1】项目规则库（限定频次）2027.xlsx');
      await writeFrequencyFile(f, [['住院诊查费', 2, '日', '001102000050000']]);
      const r = await importKnowledgeBase(store, [f], { effectiveDate: '2026-03-01' });
      expect(r.status).toBe('imported');
      const daily = await store.all(`SELECT item_name, per_day_max FROM kb_current_points WHERE rule_class = 'daily_frequency'`);
      expect(daily).toEqual([{ item_name: '住院诊查费', per_day_max: 2 }]);
      const status = await knowledgeBaseStatus(store);
      expect(status.points).toBe(2692 - 67 + 1);
      expect(status.version_id).toBe(r.version_id);
      expect(status.versions).toHaveLength(2);
      // as of a date before the new file, the old 67 points are in force
      expect((await knowledgeBaseStatus(store, '2026-02-01')).rule_classes.daily_frequency).toBe(67);

      // two files of one kind in one import: both kept, kp_ids stay unique
      const extra = join(t.dir, 'sub', '补充.xlsx');
      const extra2 = join(t.dir, 'sub', '补充2.xlsx');
      mkdirSync(join(t.dir, 'sub'));
      await writeFrequencyFile(extra, [['急诊监护费', 1, '日', '001103000010000']]);
      await writeFrequencyFile(extra2, [['普通病房床位费', 1, '日', '001109000010000']]);
      const both = await importKnowledgeBase(store, [join(t.dir, 'sub')], { effectiveDate: '2026-04-01' });
      expect(both.status).toBe('imported');
      expect(await store.all(`SELECT kp_id, item_name FROM kb_current_points WHERE rule_class = 'daily_frequency' ORDER BY kp_id`)).toEqual([
        { kp_id: 'daily_frequency:service:2', item_name: '急诊监护费' },
        { kp_id: 'daily_frequency:service:f2-2', item_name: '普通病房床位费' },
      ]);

      const future = join(t.dir, 'future.xlsx');
      await writeFrequencyFile(future, [['住院诊查费', 3, '日', '001102000050000']]);
      await importKnowledgeBase(store, [future], { effectiveDate: '2999-01-01' });
      expect(await store.scalar(`SELECT count(*)::INTEGER FROM kb_current_points WHERE rule_class = 'daily_frequency'`)).toBe(2);
      const list = await listKbVersions(store);
      expect(list.map((v) => [v.effective_date, v.points, v.current_kinds.length, v.kinds.length])).toEqual([
        ['2999-01-01', 1, 0, 1],
        ['2026-04-01', 2, 1, 1],
        ['2026-03-01', 1, 0, 1],
        ['2026-01-01', 2692, 13, 14],
      ]);
    } finally {
      t.cleanup();
    }
  });
});

/** The real CLI program in-process; rejects with {code} as the process would exit (2 usage, 1 failure). */
async function runCli(args: string[]): Promise<{ stdout: string; stderr: string }> {
  let out = '';
  let err = '';
  const stdout = new Writable({ write: (c, _e, cb) => ((out += c), cb()) });
  const stderr = new Writable({ write: (c, _e, cb) => ((err += c), cb()) });
  const program = await buildProgram();
  program.configureOutput({ writeOut: (t) => (out += t), writeErr: (t) => (err += t) });
  try {
    await cliInvocation.run({ stdout, stderr }, () => program.parseAsync(['node', 'fundwatch', ...args]));
  } catch (e) {
    const code = e instanceof CommanderError || e instanceof UsageError ? 2 : 1;
    throw Object.assign(new Error(`exit ${code}: ${(e as Error).message} ${err}`), { code });
  }
  return { stdout: out, stderr: err };
}

describe('fundwatch kb (CLI)', () => {
  const t = tempDir('fw-kbcli-');
  afterAll(() => t.cleanup());
  const cli = (...args: string[]) => runCli(['--db', join(t.dir, 'fw.duckdb'), ...args]);

  it('imports with --json, reports problems on stderr, then says no change', async () => {
    const f = join(t.dir, 'freq.xlsx');
    await writeFrequencyFile(f, [
      ['住院诊查费', 1, '日', '001102000050000'],
      ['坏行', 1, '月', '001102000040000'],
    ]);
    const first = await cli('kb', 'import', f, '--effective', '2026-01-01', '--json');
    const out = JSON.parse(first.stdout) as { status: string; points: number; problems: unknown[] };
    expect(out).toMatchObject({ status: 'imported', points: 1, problems: [{ file: 'freq.xlsx', row: 3 }] });
    expect(first.stderr).toContain('freq.xlsx 工作表 sheet "“医疗服务项目限定频次”规则对应知识点明细" 第 3 行 row: 数量单位 "月" 无法识别');
    const second = await cli('kb', 'import', f);
    expect(second.stdout).toContain('内容未变化 no change');
    const list = await cli('kb', 'list', '--json');
    const lines = list.stdout.trim().split('\n').map((l) => JSON.parse(l) as { points: number; effective_date: string });
    expect(lines.map((l) => [l.effective_date, l.points])).toEqual([['2026-01-01', 1]]);
    const points = await cli('kb', 'points', '--code', '001102000050000', '--json');
    expect(points.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      {
        kp_id: 'daily_frequency:service:2',
        version_id: expect.stringMatching(/^kb-20260101-/),
        rule_class: 'daily_frequency',
        item_kind: 'service',
        item_name: '住院诊查费',
        constraint_text: '1次/日',
        limits: { per_day_max: 1, per_day_unit: 'day' },
        codes: ['001102000050000'],
        source_file: 'freq.xlsx',
        sheet: '“医疗服务项目限定频次”规则对应知识点明细',
        row: 2,
      },
    ]);
    expect((await cli('kb', 'points', '--code', '001102000050000', '--as-of', '2025-12-31', '--json')).stdout).toBe('');
    await expect(cli('kb', 'import', f, '--effective', '2026-13-01')).rejects.toMatchObject({ code: 2 });
    await expect(cli('kb', 'import', join(t.dir, 'nothing-here.xlsx'))).rejects.toMatchObject({ code: 1 });
  }, 30_000);
});
