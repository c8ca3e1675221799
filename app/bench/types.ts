/** One measured figure of a benchmark section. */
export interface BenchRow {
  section: string;
  metric: string;
  value: number;
  unit: string;
  note?: string;
}

export interface BenchOptions {
  /** Scale: number of fee lines (sections derive their own sizes from it). */
  lines: number;
  /** Where generated data may be kept and reused (git-ignored ./bench-data by default). */
  dataDir: string;
  json: boolean;
}

/** A section: `app/bench/sections/<name>.ts` exporting `name` and `run`. */
export interface BenchSection {
  name: string;
  run(opts: BenchOptions): Promise<BenchRow[]>;
}
