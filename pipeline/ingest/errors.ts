/** An ingest failure with a one-line message naming the file (and row/field where known). Exit code 1. */
export class IngestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IngestError';
  }
}

/** Quotes a value for a SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** Quotes an identifier (column names from files may hold anything). */
export function ident(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}
