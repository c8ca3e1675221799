import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Store } from '../store/store.ts';
import type { FundwatchConfig } from '../config.ts';
import { DEPARTMENT_ZH, referralsConfig, type DepartmentConfig } from './config.ts';
import { departmentLines, type ReferralLine } from './list.ts';
import { writeAudit } from '../access/audit.ts';
import { AID_CATEGORY_ZH } from '../warning/config.ts';

/** Columns of the monthly file: Chinese header (English in brackets), value, money (2 decimals) or not. */
export const FILE_COLUMNS: { header: string; value: (l: ReferralLine) => string | number | null; money?: boolean }[] = [
  { header: '转介编号 (referral_id)', value: (l) => l.referral_id },
  { header: '月份 (month)', value: (l) => l.month },
  { header: '个人编号 (psn_no)', value: (l) => l.psn_no },
  { header: '姓名 (name)', value: (l) => l.psn_name ?? l.psn_name_masked },
  { header: '证件号码 (ID number)', value: (l) => l.certno ?? l.certno_masked },
  { header: '参保地 (insu_admdvs)', value: (l) => l.insu_admdvs },
  { header: '救助类别 (aid category)', value: (l) => `${AID_CATEGORY_ZH[l.aid_category] ?? l.aid_category} ${l.aid_category}` },
  { header: '预警类型 (trigger)', value: (l) => (l.trigger === 'ytd' ? `年度累计 ytd 第${l.level}档` : `单次住院 single stay ${l.mdtrt_id ?? ''}`.trim()) },
  { header: '预警阈值 (threshold)', value: (l) => l.threshold, money: true },
  { header: '统计期间 (period)', value: (l) => `${l.period.from}~${l.period.to}` },
  { header: '医疗总费用 (total cost)', value: (l) => l.ytd_total_cost, money: true },
  { header: '基金支付 (fund paid)', value: (l) => l.ytd_fund_paid, money: true },
  { header: '大病保险支付 (critical illness)', value: (l) => l.ytd_critical_illness_paid, money: true },
  { header: '医疗救助支付 (assistance)', value: (l) => l.ytd_assistance_paid, money: true },
  { header: '个人自付 (out of pocket)', value: (l) => l.ytd_out_of_pocket, money: true },
  { header: '住院次数 (stays)', value: (l) => l.stays },
  { header: '主要诊断 (main diagnoses)', value: (l) => l.main_diagnoses.join('; ') },
  // A referral goes to every department covering the person's region: one row per referral and department.
  // Appended last, so readers that go by column position keep working.
  { header: '部门编号 (department_id)', value: (l) => l.department_id ?? '' },
  { header: '部门 (department)', value: (l) => (l.department ? `${DEPARTMENT_ZH[l.department] ?? l.department} ${l.department}` : '未配置接收部门 none') },
];

function csvCell(v: string | number | null, money: boolean): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (money ? v.toFixed(2) : String(v)) : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** UTF-8 with BOM and CRLF, so Excel opens it with the Chinese intact. */
export function referralsCsv(lines: ReferralLine[]): string {
  const header = FILE_COLUMNS.map((c) => csvCell(c.header, false)).join(',');
  const rows = lines.map((l) => FILE_COLUMNS.map((c) => csvCell(c.value(l), Boolean(c.money))).join(','));
  return '\uFEFF' + [header, ...rows].join('\r\n') + '\r\n';
}

export async function referralsXlsx(lines: ReferralLine[], path: string, sheetName = '高额费用预警转介'): Promise<void> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'FundWatch 医保基金监测';
  const ws = wb.addWorksheet(sheetName);
  ws.addRow(FILE_COLUMNS.map((c) => c.header)).font = { bold: true };
  for (const l of lines) ws.addRow(FILE_COLUMNS.map((c) => c.value(l)));
  FILE_COLUMNS.forEach((c, i) => {
    const col = ws.getColumn(i + 1);
    col.width = 18;
    if (c.money) col.numFmt = '0.00';
  });
  await wb.xlsx.writeFile(path);
}

export interface FileDropResult {
  department_id: string;
  month: string;
  rows: number;
  files: { file: string; sha256: string }[];
}

/**
 * The monthly file drop: for each department with `file_drop`, a CSV and an XLSX of the month's referrals in
 * `<outbox_dir>/<department>/<month>/`; receipts (file, sha256) are recorded on the delivery rows.
 */
export async function writeReferralFiles(store: Store, opts: { config?: FundwatchConfig; month: string; actor?: string }): Promise<FileDropResult[]> {
  const rc = referralsConfig(opts.config ?? {});
  const out: FileDropResult[] = [];
  for (const d of rc.departments.filter((x) => x.file_drop)) out.push(await writeDepartmentFiles(store, rc.outbox_dir, d, opts.month, opts.actor ?? 'system'));
  return out;
}

async function writeDepartmentFiles(store: Store, outbox: string, d: DepartmentConfig, month: string, actor: string): Promise<FileDropResult> {
  const lines = await departmentLines(store, d.id, { month }, d.full_id);
  const dir = join(outbox, d.id, month);
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `referrals-${d.id}-${month}`);
  writeFileSync(`${base}.csv`, referralsCsv(lines), 'utf8');
  await referralsXlsx(lines, `${base}.xlsx`);
  const files = [`${base}.csv`, `${base}.xlsx`].map((file) => ({ file, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') }));
  await store.transaction(async () => {
    await store.run(
      `UPDATE referral_deliveries SET file_delivered_at = now(), file_receipt = $3::JSON,
         status = CASE WHEN status = 'pending_file' THEN 'delivered' ELSE status END,
         delivered_at = CASE WHEN status = 'pending_file' THEN now() ELSE delivered_at END
       WHERE department_id = $1 AND referral_id IN (SELECT referral_id FROM referrals WHERE month = $2)`,
      [d.id, month, JSON.stringify(files)],
    );
    await writeAudit(store, { actor, action: 'referrals.file_drop', object_type: 'department', object_id: d.id, detail: { month, rows: lines.length, full_id: d.full_id, files } });
  });
  return { department_id: d.id, month, rows: lines.length, files };
}
