import type { Store } from '../store/store.ts';

export interface KnowledgeBaseStatus {
  /** The newest version in force (null: no knowledge base → the knowledge-point rules have nothing to check). */
  version_id: string | null;
  /** Knowledge points in force across all kinds. */
  points: number;
  effective_date: string | null;
  /** Every version in force (one per kind may differ when files were imported one by one). */
  versions: string[];
  /** Points in force per rule class; a class missing here has nothing to check. */
  rule_classes: Record<string, number>;
}

/**
 * What the knowledge-point detectors will check on `asOf` (default: today). The engine calls this before
 * running detectors with `usesKnowledgeBase: true` and warns loudly when `points` is 0.
 */
export async function knowledgeBaseStatus(store: Store, asOf?: string): Promise<KnowledgeBaseStatus> {
  const dateSql = asOf ? '$1::DATE' : 'current_date';
  const params = asOf ? [asOf] : undefined;
  const rows = await store.all<{ rule_class: string; version_id: string; effective_date: string; points: number }>(
    `SELECT p.rule_class, p.version_id, v.effective_date::VARCHAR AS effective_date, count(*)::INTEGER AS points
     FROM kb_points_asof(${dateSql}) p JOIN kb_versions v USING (version_id)
     GROUP BY ALL ORDER BY p.rule_class`,
    params,
  );
  if (rows.length === 0) return { version_id: null, points: 0, effective_date: null, versions: [], rule_classes: {} };
  const newest = await store.one<{ version_id: string; effective_date: string }>(
    `SELECT version_id, effective_date::VARCHAR AS effective_date FROM kb_versions
     WHERE version_id IN (SELECT version_id FROM kb_versions_asof(${dateSql}))
     ORDER BY effective_date DESC, imported_at DESC LIMIT 1`,
    params,
  );
  const rule_classes: Record<string, number> = {};
  for (const r of rows) rule_classes[r.rule_class] = (rule_classes[r.rule_class] ?? 0) + r.points;
  return {
    version_id: newest?.version_id ?? null,
    points: rows.reduce((n, r) => n + r.points, 0),
    effective_date: newest?.effective_date ?? null,
    versions: [...new Set(rows.map((r) => r.version_id))].sort(),
    rule_classes,
  };
}

export interface KbVersionRow {
  version_id: string;
  imported_at: string;
  effective_date: string;
  content_hash: string;
  points: number;
  codes: number;
  kinds: string[];
  /** Kinds for which this version is the one in force today. */
  current_kinds: string[];
  files: unknown[];
  problems: unknown[];
}

/** All versions, newest first. */
export async function listKbVersions(store: Store): Promise<KbVersionRow[]> {
  const rows = await store.all<Omit<KbVersionRow, 'files' | 'problems'> & { files: string; problems: string }>(
    `SELECT v.version_id,
            strftime(timezone('Asia/Shanghai', v.imported_at), '%Y-%m-%dT%H:%M:%S') || '+08:00' AS imported_at,
            v.effective_date::VARCHAR AS effective_date, v.content_hash, v.points, v.codes,
            (SELECT list(kind ORDER BY kind) FROM kb_version_kinds k WHERE k.version_id = v.version_id) AS kinds,
            coalesce((SELECT list(kind ORDER BY kind) FROM kb_versions_asof(current_date) c WHERE c.version_id = v.version_id), []) AS current_kinds,
            v.files::VARCHAR AS files, v.problems::VARCHAR AS problems
     FROM kb_versions v ORDER BY v.effective_date DESC, v.imported_at DESC`,
  );
  return rows.map((r) => ({ ...r, files: JSON.parse(r.files) as unknown[], problems: JSON.parse(r.problems) as unknown[] }));
}
