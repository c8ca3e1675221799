import type ExcelJS from 'exceljs';

/** One worksheet as text: headers (row 1, whitespace removed) and data rows keyed by header. */
export interface SheetTable {
  name: string;
  headerRow: number;
  headers: string[];
  rows: SheetRow[];
  /** Rows that are not data: totals (合计) and notes (备注) at the end of a sheet. */
  footers: { row: number; reason: string }[];
}

export interface SheetRow {
  row: number;
  /** Cell text by normalised header. */
  cells: Record<string, string>;
  /** The raw values in column order, for messages. */
  raw: string[];
}

/** Header text with every kind of whitespace removed, so '限定 类型' and '限定类型' match. */
export function normHeader(text: string): string {
  return text.replace(/[\s\u3000]+/g, '');
}

/** The text of a cell value, whatever exceljs returns (rich text, formula result, hyperlink, number, date). */
export function cellText(value: ExcelJS.CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    const v = value as unknown as Record<string, unknown>;
    if (Array.isArray(v.richText)) return (v.richText as { text: string }[]).map((t) => t.text).join('').trim();
    if ('result' in v) return cellText(v.result as ExcelJS.CellValue);
    if ('text' in v) return cellText(v.text as ExcelJS.CellValue);
    if ('error' in v) return '';
  }
  return String(value).trim();
}

/** Reads a worksheet: the first non-empty row is the header; blank rows are dropped (they hold nothing). */
export function readSheet(ws: ExcelJS.Worksheet): SheetTable {
  const table: SheetTable = { name: ws.name, headerRow: 0, headers: [], rows: [], footers: [] };
  ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values: string[] = [];
    for (let c = 1; c <= Math.max(row.cellCount, table.headers.length); c++) values.push(cellText(row.getCell(c).value));
    if (values.every((v) => v === '')) return;
    if (!table.headerRow) {
      table.headerRow = rowNumber;
      table.headers = values.map(normHeader);
      return;
    }
    const first = values.find((v) => v !== '') ?? '';
    if (first === '合计' || /^备注[:：]/.test(first)) {
      table.footers.push({ row: rowNumber, reason: first === '合计' ? '合计行 (total row)' : '备注行 (note row)' });
      return;
    }
    const cells: Record<string, string> = {};
    table.headers.forEach((h, i) => {
      if (h) cells[h] = values[i] ?? '';
    });
    table.rows.push({ row: rowNumber, cells, raw: values });
  });
  return table;
}

export function hasHeaders(table: SheetTable, ...names: string[]): boolean {
  return names.every((n) => table.headers.includes(n));
}
