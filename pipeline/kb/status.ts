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

export interface KbPointRow {
  kp_id: string;
  version_id: string;
  rule_class: string;
  item_kind: string;
  item_name: string;
  constraint_text: string | null;
  /** The parsed limits that are set (null columns left out). */
  limits: Record<string, unknown>;
  codes: string[];
  source_file: string;
  sheet: string;
  row: number;
}

const LIMIT_COLUMNS = [
  'sex', 'age_group', 'age_min', 'age_max', 'age_max_days', 'insurance', 'min_level_tier', 'first_rx_only', 'care_setting',
  'emergency_allowed', 'max_days', 'course_measure', 'per_stay', 'per_day_max', 'per_day_unit', 'period_days', 'period_max',
  'min_interval_days', 'grp',
] as const;

/** Knowledge points in force (today or `asOf`), optionally of one rule class or holding one code. */
export async function listCurrentPoints(
  store: Store,
  filter: { ruleClass?: string; code?: string; asOf?: string; limit?: number } = {},
): Promise<KbPointRow[]> {
  const where: string[] = [];
  const params: Record<string, string | number> = {};
  if (filter.ruleClass) {
    where.push('p.rule_class = $rule_class');
    params.rule_class = filter.ruleClass;
  }
  if (filter.code) {
    where.push('(list_contains(c.codes, $code) OR list_contains(pr.included, $code))');
    params.code = filter.code;
  }
  if (filter.asOf) params.as_of = filter.asOf;
  const asOf = filter.asOf ? '$as_of::DATE' : 'current_date';
  const rows = await store.all(
    `SELECT p.*, c.codes, pr.included
     FROM kb_points_asof(${asOf}) p
     LEFT JOIN (SELECT version_id, kp_id, list(code ORDER BY code) AS codes FROM kb_codes GROUP BY ALL) c USING (version_id, kp_id)
     LEFT JOIN (SELECT version_id, kp_id, list(included_code ORDER BY included_code) AS included FROM kb_pairs GROUP BY ALL) pr
       USING (version_id, kp_id)
     ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
     ORDER BY p.rule_class, p.item_kind, p.source_file, p.row_no
     ${filter.limit ? `LIMIT ${Math.max(1, Math.floor(filter.limit))}` : ''}`,
    params,
  );
  return rows.map((r) => {
    const limits: Record<string, unknown> = {};
    for (const k of LIMIT_COLUMNS) if (r[k] !== null && r[k] !== undefined) limits[k === 'grp' ? 'group' : k] = r[k];
    if (Array.isArray(r.included) && r.included.length) limits.pair_codes = r.included;
    return {
      kp_id: String(r.kp_id),
      version_id: String(r.version_id),
      rule_class: String(r.rule_class),
      item_kind: String(r.item_kind),
      item_name: String(r.item_name),
      constraint_text: (r.constraint_text as string | null) ?? null,
      limits,
      codes: (r.codes as string[] | null) ?? [],
      source_file: String(r.source_file),
      sheet: String(r.sheet),
      row: Number(r.row_no),
    };
  });
}
