import { createHash } from 'node:crypto';
import type { DuckDBAppender } from '@duckdb/node-api';
import type { Store } from '../store/store.ts';
import { knowledgePointFileHashes, readKnowledgePointFiles } from './read.ts';
import type { KbReadProblem, KbReadResult, KnowledgePoint } from './types.ts';

export interface KbImportResult {
  /** imported: a new version; unchanged: the same files were imported before (no-op); failed: nothing readable. */
  status: 'imported' | 'unchanged' | 'failed';
  version_id: string | null;
  effective_date: string | null;
  content_hash: string;
  points: number;
  codes: number;
  files: KbReadResult['files'];
  problems: KbReadProblem[];
}

/** Reads the spreadsheets and stores them as a knowledge-base version (same content → no-op). */
export async function importKnowledgeBase(
  store: Store,
  paths: string[],
  options: { effectiveDate?: string; importedBy?: string } = {},
): Promise<KbImportResult> {
  const already = await importedVersionOfFiles(store, paths);
  if (already) return already;
  const read = await readKnowledgePointFiles(paths);
  const contentHash = contentHashOf(read.files.map((f) => f.sha256));
  const codes = read.points.reduce((n, p) => n + p.codes.length, 0);
  const base = { content_hash: contentHash, points: read.points.length, codes, files: read.files, problems: read.problems };
  if (read.points.length === 0) return { status: 'failed', version_id: null, effective_date: null, ...base };

  const existing = await store.one<{ version_id: string; effective_date: string }>(
    `SELECT version_id, effective_date::VARCHAR AS effective_date FROM kb_versions
     WHERE content_hash = $1 ORDER BY imported_at DESC LIMIT 1`,
    [contentHash],
  );
  if (existing) return { status: 'unchanged', version_id: existing.version_id, effective_date: existing.effective_date, ...base };

  const effective = options.effectiveDate ?? (await store.scalar<string>('SELECT current_date::VARCHAR'));
  const versionId = `kb-${effective.replace(/-/g, '')}-${contentHash.slice(0, 10)}`;
  await store.transaction(async () => {
    await store.run(
      `INSERT INTO kb_versions (version_id, imported_at, effective_date, content_hash, files, points, codes, problems, imported_by)
       VALUES ($1, now(), $2::DATE, $3, $4::JSON, $5, $6, $7::JSON, $8)`,
      [versionId, effective, contentHash, JSON.stringify(read.files), read.points.length, codes, JSON.stringify(read.problems), options.importedBy ?? null],
    );
    const kinds = new Map<string, number>();
    for (const p of read.points) kinds.set(kindOf(p), (kinds.get(kindOf(p)) ?? 0) + 1);
    for (const [kind, n] of kinds) {
      await store.run('INSERT INTO kb_version_kinds VALUES ($1, $2, $3)', [versionId, kind, n]);
    }
    await appendPoints(store, versionId, read.points);
  });
  return { status: 'imported', version_id: versionId, effective_date: effective, ...base };
}

function contentHashOf(fileHashes: string[]): string {
  return createHash('sha256').update([...fileHashes].sort().join('\n')).digest('hex');
}

/** Re-importing the same files is a no-op: answered from the stored version without parsing the spreadsheets again. */
async function importedVersionOfFiles(store: Store, paths: string[]): Promise<KbImportResult | null> {
  const hashes = knowledgePointFileHashes(paths);
  if (!hashes) return null;
  const contentHash = contentHashOf(hashes);
  const row = await store.one<{ version_id: string; effective_date: string; files: string; points: number; codes: number; problems: string }>(
    `SELECT version_id, effective_date::VARCHAR AS effective_date, files::VARCHAR AS files, points::INTEGER AS points,
            codes::INTEGER AS codes, problems::VARCHAR AS problems
     FROM kb_versions WHERE content_hash = $1 ORDER BY imported_at DESC LIMIT 1`,
    [contentHash],
  );
  if (!row) return null;
  return {
    status: 'unchanged', version_id: row.version_id, effective_date: row.effective_date, content_hash: contentHash,
    points: row.points, codes: row.codes, files: JSON.parse(row.files), problems: JSON.parse(row.problems ?? '[]'),
  };
}

export function kindOf(p: Pick<KnowledgePoint, 'rule_class' | 'item_kind'>): string {
  return `${p.rule_class}:${p.item_kind}`;
}

type Cell = string | number | boolean | null | undefined;

function append(app: DuckDBAppender, values: Cell[], types: string): void {
  values.forEach((v, i) => {
    if (v === null || v === undefined) app.appendNull();
    else if (types[i] === 's') app.appendVarchar(String(v));
    else if (types[i] === 'i') app.appendInteger(Math.round(Number(v)));
    else if (types[i] === 'd') app.appendDouble(Number(v));
    else if (types[i] === 'b') app.appendBoolean(Boolean(v));
  });
  app.endRow();
}

/** Bulk insert of points, codes and pairs with DuckDB appenders (column order as in 003_kb.sql). */
async function appendPoints(store: Store, versionId: string, points: KnowledgePoint[]): Promise<void> {
  const pts = await store.conn.createAppender('kb_points');
  const cds = await store.conn.createAppender('kb_codes');
  const prs = await store.conn.createAppender('kb_pairs');
  for (const p of points) {
    append(
      pts,
      [
        versionId, p.kp_id, kindOf(p), p.rule_class, p.item_kind, p.item_name, p.constraint_text,
        p.sex, p.age_group, p.age_min, p.age_max, p.age_max_days, p.insurance, p.min_level_tier, p.first_rx_only,
        p.care_setting, p.emergency_allowed, p.max_days, p.course_measure, p.per_stay, p.per_day_max, p.per_day_unit,
        p.period_days, p.period_max, p.min_interval_days, p.group, p.source_file, p.sheet, p.row,
      ],
      'sssssssssddisibsbisbdsidisssi',
    );
    for (const code of p.codes) append(cds, [versionId, p.kp_id, code], 'sss');
    if (p.rule_class === 'duplicate_charge') {
      for (const main of p.codes) {
        for (const incl of p.pair_codes ?? []) {
          append(prs, [versionId, p.kp_id, main, incl, p.pair_name, p.pair_window ?? 'day', p.pair_window_hours], 'ssssssd');
        }
      }
    }
  }
  pts.closeSync();
  cds.closeSync();
  prs.closeSync();
}
