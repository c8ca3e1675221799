import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCity } from '../../data/generator/index.ts';

/**
 * The generated city of the detector benchmark, kept under `<dataDir>/detect-<lines>/city` (Parquet, one year).
 * The background care of the generator yields about 21 fee lines and 6 settlements per person-year, so
 * `persons = lines / 21` over 365 days gives ≈ `lines` fee lines (the planted cases come on top).
 */
export const DAYS = 365;
const FEE_LINES_PER_PERSON_YEAR = 21;

export interface BenchCity {
  root: string;
  city: string;
  persons: number;
}

export function benchCityPaths(dataDir: string, lines: number): BenchCity {
  const root = join(dataDir, `detect-${lines}`);
  return { root, city: join(root, 'city'), persons: Math.max(500, Math.round(lines / FEE_LINES_PER_PERSON_YEAR)) };
}

/** Generates (or reuses) the city; the generator's `_SUCCESS` marks a finished one. */
export async function benchCity(dataDir: string, lines: number, log: (s: string) => void): Promise<BenchCity> {
  const c = benchCityPaths(dataDir, lines);
  if (existsSync(join(c.city, '_SUCCESS')) && generatedPersons(c.root) === c.persons) {
    log(`复用基准城市 reusing ${c.city}`);
    return c;
  }
  rmSync(c.root, { recursive: true, force: true });
  mkdirSync(c.city, { recursive: true });
  log(`生成基准城市 generating ${c.persons} persons × ${DAYS} days under ${c.city} (minutes at 10 M lines)`);
  const s = await generateCity({ out: c.city, persons: c.persons, days: DAYS, seed: 'bench-detect', format: 'parquet', onProgress: log });
  log(`generated in ${Math.round(s.seconds)} s: ${JSON.stringify(s.rows)}`);
  writeFileSync(join(c.root, 'generated.json'), JSON.stringify({ persons: c.persons, days: DAYS, rows: s.rows, seconds: s.seconds }) + '\n');
  return c;
}

/** Persons of the cached city (generated.json), so a city made with another size is made again. */
function generatedPersons(root: string): number | null {
  try {
    return (JSON.parse(readFileSync(join(root, 'generated.json'), 'utf8')) as { persons: number }).persons;
  } catch {
    return null;
  }
}

/** The Parquet files of the city's tables (what the plain load reads). */
export function cityParquetFiles(city: string): string[] {
  return readdirSync(city)
    .filter((n) => n.endsWith('.parquet') && !n.startsWith('_') && !n.startsWith('.'))
    .sort()
    .map((n) => join(city, n));
}
