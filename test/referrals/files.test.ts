import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { tempStore } from '../helpers.ts';
import { seedEarlyWarning, TWO_DEPARTMENTS } from '../warning/seed.ts';
import { runEarlyWarning } from '../../pipeline/warning/run.ts';
import { writeReferralFiles, FILE_COLUMNS } from '../../pipeline/referrals/files.ts';
import { listReferrals, recordOutcome } from '../../pipeline/referrals/list.ts';
import { previousMonth, startReferralWorkers } from '../../pipeline/referrals/deliver.ts';
import { existsSync } from 'node:fs';
import { Queue } from 'bullmq';
import { testRedis } from '../queue/redis-test.ts';
import { REFERRAL_FILES_QUEUE } from '../../pipeline/queue/names.ts';

/** Minimal RFC 4180 parser, enough to check the file is valid CSV. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell || row.length) throw new Error('CSV does not end with CRLF');
  return rows;
}

describe('monthly referral files', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('the monthly job of the files queue writes the file drop', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const r = testRedis();
    cleanups.push(r.cleanup);
    await seedEarlyWarning(t.store);
    const config = { referrals: { ...TWO_DEPARTMENTS.referrals, outbox_dir: join(t.dir, 'outbox') } };
    await runEarlyWarning(t.store, { config });
    const workers = await startReferralWorkers(t.store, r.settings, { config });
    cleanups.push(() => workers.close());
    const q = new Queue(REFERRAL_FILES_QUEUE, { connection: { host: '127.0.0.1', port: 6379 }, prefix: r.settings.prefix });
    cleanups.push(() => q.close());
    const job = await q.add('monthly-files', { month: '2026-03' });
    const file = join(t.dir, 'outbox', 'civil_affairs-421000', '2026-03', 'referrals-civil_affairs-421000-2026-03.xlsx');
    for (let i = 0; i < 150 && (await job.getState()) !== 'completed'; i++) await new Promise((res) => setTimeout(res, 100));
    expect(await job.getState()).toBe('completed');
    expect(existsSync(file)).toBe(true);
    expect(await t.store.scalar(`SELECT count(*)::INTEGER FROM referral_deliveries d JOIN referrals USING (referral_id) WHERE month = '2026-03' AND status = 'delivered'`)).toBe(2);
  });

  it('writes CSV (UTF-8 BOM) and XLSX per department, masked unless authorised, with receipts', async () => {
    const t = await tempStore();
    cleanups.push(t.cleanup);
    const { store, dir } = t;
    await seedEarlyWarning(store);
    const config = { referrals: { ...TWO_DEPARTMENTS.referrals, outbox_dir: join(dir, 'outbox') } };
    await runEarlyWarning(store, { runId: 'RUN1', config });
    const res = await writeReferralFiles(store, { config, month: '2026-04' });
    expect(res.map((r) => [r.department_id, r.rows])).toEqual([['civil_affairs-421000', 1], ['agri_rural-42', 1]]);

    const civilCsv = join(dir, 'outbox', 'civil_affairs-421000', '2026-04', 'referrals-civil_affairs-421000-2026-04.csv');
    const buf = readFileSync(civilCsv);
    expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(buf.toString('utf8').slice(1));
    expect(rows[0]).toEqual(FILE_COLUMNS.map((c) => c.header));
    expect(rows.slice(1)).toEqual([[
      expect.stringMatching(/^R[0-9a-f]{20}$/), '2026-04', 'P1', '张*', '110101********4514', '421000', '低保对象 subsistence', '年度累计 ytd 第2档',
      '10000.00', '2026-01-01~2026-04-30', '46000.00', '25000.00', '3000.00', '800.00', '21000.00', '2', 'C34.900 肺恶性肿瘤; J18.900 肺炎',
      'civil_affairs-421000', '民政部门 civil_affairs',
    ]]);

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(dir, 'outbox', 'agri_rural-42', '2026-04', 'referrals-agri_rural-42-2026-04.xlsx'));
    const ws = wb.worksheets[0];
    expect(ws.rowCount).toBe(2);
    const values = (ws.getRow(2).values as unknown[]).slice(1);
    expect(values.slice(2, 5)).toEqual(['P1', '张三', '110101199003074514']); // agri_rural is authorised (full_id)
    expect(values[14]).toBe(21000);
    expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(FILE_COLUMNS.map((c) => c.header));

    const receipts = await store.all(`SELECT department_id, status, json_array_length(file_receipt) AS files FROM referral_deliveries d
      JOIN referrals r USING (referral_id) WHERE r.month = '2026-04' ORDER BY department_id`);
    expect(receipts).toEqual([
      { department_id: 'agri_rural-42', status: 'delivered', files: 2 },
      { department_id: 'civil_affairs-421000', status: 'delivered', files: 2 },
    ]);
    // months without a file yet stay pending
    expect(await store.scalar(`SELECT count(*)::INTEGER FROM referral_deliveries WHERE status = 'pending_file'`)).toBe(6);

    // an empty month still gets a file with only the header
    const empty = await writeReferralFiles(store, { config, month: '2026-07' });
    expect(empty.map((r) => r.rows)).toEqual([0, 0]);

    // the department reports back
    const [line] = await listReferrals(store, { month: '2026-04', departmentId: 'civil_affairs-421000' });
    await recordOutcome(store, { referralId: line.referral_id, departmentId: 'civil_affairs-421000', outcome: 'received', actor: 'mz-1' });
    await recordOutcome(store, { referralId: line.referral_id, departmentId: 'civil_affairs-421000', outcome: 'assistance_granted', note: '已纳入医疗救助', actor: 'mz-1' });
    const after = await listReferrals(store, { month: '2026-04' });
    expect(after.map((l) => [l.department_id, l.outcome])).toEqual([['agri_rural-42', null], ['civil_affairs-421000', 'assistance_granted']]);
    await expect(recordOutcome(store, { referralId: line.referral_id, departmentId: 'civil_affairs-421000', outcome: 'maybe', actor: 'x' })).rejects.toThrow(/invalid outcome/);
    expect(previousMonth(new Date('2026-01-01T03:00:00Z'))).toBe('2025-12');
    expect(previousMonth(new Date('2026-02-28T17:00:00Z'))).toBe('2026-02'); // already 1 March in Beijing
  });
});
