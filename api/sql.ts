/** SQL shared by the API routes. Times as ISO with +08:00 (the store's session time zone is Asia/Shanghai). */
export const ts = (col: string) => `strftime(${col}, '%Y-%m-%dT%H:%M:%S+08:00')`;

/** The interfaces.md alert shape with explanation_zh (JSON columns as text, parsed by `alertRow`). */
export const ALERT_SELECT = `SELECT alert_id, run_id, family, detector_id, detector_version, gz_code, result_type, title_zh, subject_type,
  psn_no, fixmedins_code, bilg_dr_codg, mdtrt_id, setl_id, feedetl_sn, admdvs, measured::VARCHAR AS measured,
  threshold::VARCHAR AS threshold, peer::VARCHAR AS peer, amount_at_risk::DOUBLE AS amount_at_risk, params_hash, legal_basis,
  status, ${ts('created_at')} AS created_at, explanation_zh FROM alerts`;

export function alertRow(r: Record<string, unknown>): Record<string, unknown> {
  const parse = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : v ?? null);
  return { ...r, measured: parse(r.measured), threshold: parse(r.threshold), peer: parse(r.peer) };
}

/** `admdvs` restricted to a user's region (prefix match) when the user has one. */
export function regionClause(col: string, region: string | null, params: unknown[]): string {
  if (!region) return 'true';
  params.push(region);
  return `starts_with(${col}, $${params.length})`;
}

/**
 * `col IN ('a', 'b', …)` for ids this server has just read from the database: literals, because DuckDB plans a
 * parameterised IN list as a join over the whole table instead of index lookups. Anything but a plain id is
 * refused, so no outside text reaches the SQL.
 */
export function idList(col: string, ids: string[]): string {
  for (const id of ids) if (!/^[A-Za-z0-9_.:-]{1,80}$/.test(id)) throw new Error(`unexpected id ${JSON.stringify(id)}`);
  return ids.length ? `${col} IN (${ids.map((id) => `'${id}'`).join(', ')})` : 'false';
}
