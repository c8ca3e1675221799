import type { IngestSummary } from './ingest.ts';

const REASON_ZH: Record<string, string> = {
  missing_required: '缺少必填字段',
  bad_type: '类型错误',
  bad_date: '日期错误',
  unknown_code: '未知代码',
  certno_checksum: '身份证校验位错误',
  amount_mismatch: '金额≠数量×单价',
  negative_amount: '负金额',
  end_before_start: '结束早于开始',
  orphan: '缺上级记录(待定)',
  duplicate_in_batch: '批次内重复',
  bad_row: 'CSV 行格式错误',
  bad_encoding: '编码错误',
};

function pad(s: string | number, w: number): string {
  const t = String(s);
  // CJK characters take two columns in a terminal.
  const width = [...t].reduce((n, c) => n + (c.charCodeAt(0) > 0x2e80 ? 2 : 1), 0);
  return t + ' '.repeat(Math.max(1, w - width));
}

/** The human (Chinese) summary of an ingest: per-table counts, top reasons, the first rejects per file. */
export function formatIngestSummary(s: IngestSummary): string[] {
  const lines: string[] = [];
  if (s.status === 'duplicate') {
    lines.push(`批次 batch ${s.batch_id}: 已导入过，未做任何改动 (duplicate batch, nothing changed)`);
    return lines;
  }
  lines.push(`批次 batch ${s.batch_id}: ${s.status === 'loaded' ? '导入完成 loaded' : '导入失败 failed'} — ${s.source_dir}`);
  for (const f of s.files) lines.push(`  文件 file ${f.file} → ${f.table} (${f.format}${f.encoding ? `, ${f.encoding}` : ''}), ${f.rows} 行 rows`);
  lines.push('');
  lines.push(
    pad('表 table', 14) + pad('读取 read', 11) + pad('新增 loaded', 13) + pad('更新 updated', 14) + pad('未变 unchanged', 16) +
      pad('拒收 rejected', 15) + pad('警告 warnings', 15) + '待定/补入 pending/resolved',
  );
  for (const [t, c] of Object.entries(s.tables)) {
    lines.push(pad(t, 14) + pad(c.read, 11) + pad(c.loaded, 13) + pad(c.updated, 14) + pad(c.unchanged, 16) + pad(c.rejected, 15) + pad(c.warnings, 15) + `${c.pending}/${c.resolved_pending}`);
  }
  if (s.top_reasons.length > 0) {
    lines.push('');
    lines.push('主要原因 top reasons: ' + s.top_reasons.map((r) => `${r.reason_code} ${REASON_ZH[r.reason_code] ?? ''} ${r.count}`).join('；'));
  }
  if (s.first_rejects.length > 0) {
    lines.push('');
    lines.push('问题示例（每个文件前几条）first findings per file:');
    for (const r of s.first_rejects) {
      const sev = r.severity === 'error' ? '错误 error' : '警告 warning';
      lines.push(`  ${r.file} 第 ${r.row_number} 行 row ${r.row_number}, 字段 field ${r.field ?? '-'}: [${sev}] ${r.reason_code} ${r.message}`);
    }
  }
  return lines;
}
