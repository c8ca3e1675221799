import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import { tempDir } from '../helpers.ts';
import { seedEarlyWarning, TWO_DEPARTMENTS } from '../warning/seed.ts';
import { Store } from '../../pipeline/store/store.ts';
import { runEarlyWarning } from '../../pipeline/warning/run.ts';

const CLI = resolve('app/cli/fundwatch.js');

interface Result { code: number; stdout: string; stderr: string }

/** The CLI as a process, with the test's database and config. */
function fw(args: string[]): Promise<Result> {
  const env = { ...process.env };
  delete env.FUNDWATCH_DB;
  return new Promise((done) => {
    execFile('node', [CLI, ...args, '--db', db, '--config', config], { cwd: t.dir, env }, (err, stdout, stderr) => {
      done({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0, stdout, stderr });
    });
  });
}

/** Rows of the first sheet as {header: value}. */
async function readXlsx(file: string): Promise<Record<string, unknown>[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const ws = wb.worksheets[0]!;
  const header = (ws.getRow(1).values as unknown[]).slice(1) as string[];
  const rows: Record<string, unknown>[] = [];
  for (let i = 2; i <= ws.rowCount; i++) {
    const values = (ws.getRow(i).values as unknown[]).slice(1);
    rows.push(Object.fromEntries(header.map((h, j) => [h, values[j] ?? null])));
  }
  return rows;
}

const t = tempDir('fw-referrals-cli-');
const db = join(t.dir, 'fw.duckdb');
const config = join(t.dir, 'fundwatch.config.json');
const outbox = join(t.dir, 'outbox');

beforeAll(async () => {
  const cfg = { referrals: { ...TWO_DEPARTMENTS.referrals, outbox_dir: outbox } };
  writeFileSync(config, JSON.stringify(cfg));
  const store = await Store.open(db);
  try {
    await seedEarlyWarning(store);
    // 2026-04: P1 crosses level 2; both departments (civil affairs 421000, agri-rural 42*) receive it.
    await runEarlyWarning(store, { runId: 'RUN1', config: cfg });
  } finally {
    store.close();
  }
}, 60_000);
afterAll(() => t.cleanup());

describe('fundwatch referrals (CLI)', () => {
  it('referrals files --month writes the file drop (also with --month before files)', async () => {
    const r = await fw(['referrals', 'files', '--month', '2026-04', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { department_id: string; month: string; rows: number });
    expect(lines.map((l) => [l.department_id, l.month, l.rows])).toEqual([['civil_affairs-421000', '2026-04', 1], ['agri_rural-42', '2026-04', 1]]);
    const civil = await readXlsx(join(outbox, 'civil_affairs-421000', '2026-04', 'referrals-civil_affairs-421000-2026-04.xlsx'));
    expect(civil).toHaveLength(1);
    expect(civil[0]).toMatchObject({ '个人编号 (psn_no)': 'P1', '部门编号 (department_id)': 'civil_affairs-421000', '部门 (department)': '民政部门 civil_affairs' });

    const before = await fw(['referrals', '--month', '2026-03', 'files', '--json']);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { month: string }).month)).toEqual(['2026-03', '2026-03']);

    const missing = await fw(['referrals', 'files']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--month');
  }, 60_000);

  it('referrals --month --xlsx: one row per referral and department, with the department', async () => {
    const file = join(t.dir, 'april.xlsx');
    const r = await fw(['referrals', '--month', '2026-04', '--xlsx', file]);
    expect(r.code, r.stderr).toBe(0);
    const rows = await readXlsx(file);
    expect(rows.map((x) => [x['个人编号 (psn_no)'], x['部门编号 (department_id)'], x['部门 (department)']])).toEqual([
      ['P1', 'agri_rural-42', '农业农村部门 agri_rural'],
      ['P1', 'civil_affairs-421000', '民政部门 civil_affairs'],
    ]);
    expect(rows[0]!['转介编号 (referral_id)']).toBe(rows[1]!['转介编号 (referral_id)']);

    // The listing itself is unchanged: one JSON line per referral and department.
    const json = await fw(['referrals', '--month', '2026-04', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { department_id: string }).department_id)).toEqual(['agri_rural-42', 'civil_affairs-421000']);
  }, 60_000);
});
