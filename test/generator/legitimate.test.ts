import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCity, type GenerateSummary } from '../../data/generator/index.ts';
import { kpCodes } from '../../data/generator/kp.ts';
import { PATTERNS } from '../../data/generator/legit/tags.ts';
import { tempDir } from '../helpers.ts';
import { kpChecks, legitimacyChecks, patternChecks } from './background-checks.ts';

/** Patterns expected only a few times in an 8,000-person, 120-day city. */
const RARE = ['joint_replacement', 'long_rehab', 'ecmo', 'staged_surgery', 'holiday_break', 'same_day_transfer', 'newborn_care', 'dual_channel', 'emergency_readmission'];
const TABLES = ['psn_info', 'fixmedins', 'mdtrt_d', 'setl_d', 'fee_list_d', 'death_records', 'aid_roster', 'med_catalog'];

async function load(dir: string): Promise<{ db: DuckDBInstance; con: DuckDBConnection }> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  for (const t of TABLES) await con.run(`CREATE TABLE ${t} AS SELECT * FROM read_csv('${join(dir, `${t}.csv`)}', header = true, all_varchar = true)`);
  await con.run(`CREATE TABLE truth AS SELECT * FROM read_json('${join(dir, '_truth', 'truth.jsonl')}', format = 'newline_delimited')`);
  await con.run(`CREATE TABLE bg AS SELECT * FROM read_json('${join(dir, '_truth', 'background.jsonl')}', format = 'newline_delimited',
    columns = {tag_id: 'VARCHAR', pattern: 'VARCHAR', "group": 'VARCHAR', label_zh: 'VARCHAR', instance: 'VARCHAR', note_zh: 'VARCHAR', psn_no: 'VARCHAR',
               fixmedins_code: 'VARCHAR', bilg_dr_codg: 'VARCHAR', mdtrt_id: 'VARCHAR', setl_id: 'VARCHAR'})`);
  return { db, con };
}

async function offending(con: DuckDBConnection, checks: Record<string, string>): Promise<Record<string, unknown[]>> {
  const found: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(checks)) found[name] = (await con.runAndReadAll(sql)).getRows().map((r) => r[0]).slice(0, 5);
  return found;
}

const none = (found: Record<string, unknown[]>) => Object.fromEntries(Object.keys(found).map((k) => [k, []]));

/** The default background: real practice's complexity, every pattern tagged, no planted-fraud shape, planted cases unchanged. */
describe('legitimate background (generator default)', () => {
  const city = tempDir('fw-legit-');
  const plain = tempDir('fw-legit-plain-');
  let summary: GenerateSummary;
  let meta: { persons: number; background_persons: number; days: number; start: string; background: string };
  let db: DuckDBInstance;
  let con: DuckDBConnection;

  beforeAll(async () => {
    summary = await generateCity({ out: city.dir, persons: 8000, days: 120, seed: 3 });
    meta = JSON.parse(readFileSync(join(city.dir, '_truth', 'city.json'), 'utf8'));
    ({ db, con } = await load(city.dir));
  }, 120_000);
  afterAll(() => {
    con?.closeSync();
    db?.closeSync();
    city.cleanup();
    plain.cleanup();
  });

  it('writes city.json and tags every pattern of the catalogue in background.jsonl', async () => {
    expect(meta).toMatchObject({ persons: summary.rows.psn_info, days: 120, start: '2026-01-01', background: 'realistic' });
    expect(meta.background_persons).toBeGreaterThan(8000);
    expect(meta.background_persons).toBeLessThan(summary.rows.psn_info);
    // Rare care (a few cases per 20,000 persons in 120 days) may be absent from an 8,000-person city; the rest must show.
    const missing = Object.keys(PATTERNS).filter((p) => !summary.background_patterns[p]?.instances);
    expect(missing.filter((p) => !RARE.includes(p))).toEqual([]);
    expect(missing.length).toBeLessThanOrEqual(3);
    const rows = readFileSync(join(city.dir, '_truth', 'background.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.length).toBe(Object.values(summary.background_patterns).reduce((n, c) => n + c.rows, 0));
    for (const r of rows.slice(0, 200)) {
      expect(Object.keys(r)).toEqual(['tag_id', 'pattern', 'group', 'label_zh', 'instance', 'note_zh', 'psn_no', 'fixmedins_code', 'bilg_dr_codg', 'mdtrt_id', 'setl_id']);
      expect(r.note_zh).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(await con.runAndReadAll(`SELECT count(*) - count(DISTINCT tag_id) FROM bg`).then((r) => Number(r.getRows()[0]![0]))).toBe(0);
  });

  it('contains no planted-fraud shape: what breaks a simple rule is a tagged legitimate practice', async () => {
    const found = await offending(con, { ...legitimacyChecks(meta.background_persons), ...kpChecks(kpCodes()) });
    expect(found).toEqual(none(found));
  });

  it('keeps the defining properties of each pattern', async () => {
    const found = await offending(con, patternChecks(meta.start));
    expect(found).toEqual(none(found));
  });

  it('has the legitimate complexity: long prescriptions, shared box codes, far-apart same-day care, re-admissions', async () => {
    const n = async (sql: string) => Number((await con.runAndReadAll(sql)).getRows()[0]![0]);
    // Chronic patients' prescriptions of 4–12 weeks in ordinary outpatient care and at pharmacies.
    expect(await n(`SELECT count(DISTINCT f.mdtrt_id) FROM fee_list_d f JOIN mdtrt_d m USING (mdtrt_id) WHERE m.med_type IN ('11', '41') AND f.prd_days::INT >= 28`)).toBeGreaterThan(300);
    // One box's code on two sales at one pharmacy (拆零), and on several days of one stay (ward unit doses).
    expect(await n(`SELECT count(*) FROM (SELECT drug_trac_codg FROM fee_list_d WHERE cnt = '0.5' GROUP BY 1 HAVING count(*) = 2)`)).toBeGreaterThan(0);
    expect(await n(`SELECT count(*) FROM bg WHERE pattern = 'unit_dose_ward' AND psn_no IS NOT NULL`)).toBeGreaterThan(0);
    // Every refund is a reversed sale with its offset; some boxes are sold again.
    expect(await n(`SELECT count(*) FROM bg b JOIN setl_d s USING (setl_id) WHERE b.pattern = 'refund_resale' AND s.refd_setl_flag = '0'`)).toBeGreaterThan(0);
    // Dialysis three times a week and chemotherapy every 14 or 21 days.
    expect(await n(`SELECT count(*) FROM bg WHERE pattern = 'dialysis'`)).toBeGreaterThan(30);
    // Newborns born in the window, insured from birth.
    expect(await n(`SELECT count(*) FROM psn_info WHERE brdy >= '${meta.start}'`)).toBeGreaterThan(3);
  });

  it('keeps the planted cases and their look-alikes exactly as on the plain background', async () => {
    const p = await generateCity({ out: plain.dir, persons: 8000, days: 120, seed: 3, background: 'plain' });
    // Early-warning truth rows list every crossing of the line, so background persons with expensive care add theirs.
    const { early_warning: ew, ...planted } = summary.planted;
    const { early_warning: plainEw, ...plainPlanted } = p.planted;
    expect(planted).toEqual(plainPlanted);
    expect(ew!.no_alert).toBe(plainEw!.no_alert);
    expect(ew!.alert).toBeGreaterThanOrEqual(plainEw!.alert);
    const scenarios = (dir: string) =>
      readFileSync(join(dir, '_truth', 'truth.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { case_id: string; scenario: string; detector_id: string })
        .filter((r) => r.detector_id !== 'early_warning').map((r) => `${r.case_id} ${r.scenario}`);
    expect(scenarios(city.dir)).toEqual(scenarios(plain.dir));
  }, 120_000);
});
