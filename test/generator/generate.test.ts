import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCity, type GenerateSummary } from '../../data/generator/index.ts';
import { isValidCertno } from '../../data/generator/ids.ts';
import { tempDir } from '../helpers.ts';
import { kpCodes } from '../../data/generator/kp.ts';
import { kpChecks, plainChecks } from './background-checks.ts';

const repoRoot = join(import.meta.dirname, '..', '..');

function fileHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p, `${prefix}${f}/`);
      else out[prefix + f] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir, '');
  return out;
}

async function count(con: DuckDBConnection, sql: string): Promise<number> {
  const r = await con.runAndReadAll(sql);
  return Number(r.getRows()[0]![0]);
}

function detectorIds(): string[] {
  const text = readFileSync(join(repoRoot, 'detectors', 'README.md'), 'utf8');
  return [...text.matchAll(/^\| ([a-z_]+) \| [a-z_]+ \| /gm)].map((m) => m[1]!).filter((id) => id !== 'detector_id');
}

describe('fundwatch generate (sample city)', () => {
  const a = tempDir('fw-gen-a-');
  const b = tempDir('fw-gen-b-');
  const c = tempDir('fw-gen-c-');
  let summary: GenerateSummary;
  let db: DuckDBInstance;
  let con: DuckDBConnection;
  const csv = (t: string) => `read_csv('${join(a.dir, `${t}.csv`)}', header = true, all_varchar = true)`;

  beforeAll(async () => {
    summary = await generateCity({ out: a.dir, persons: 2000, days: 90, seed: 7 });
    db = await DuckDBInstance.create(':memory:');
    con = await db.connect();
    for (const t of ['psn_info', 'fixmedins', 'mdtrt_d', 'setl_d', 'fee_list_d', 'death_records', 'aid_roster', 'med_catalog']) {
      await con.run(`CREATE TABLE ${t} AS SELECT * FROM ${csv(t)}`);
    }
    await con.run(`CREATE TABLE truth AS SELECT * FROM read_json('${join(a.dir, '_truth', 'truth.jsonl')}', format = 'newline_delimited')`);
    await con.run(`CREATE TABLE bg AS SELECT * FROM read_json('${join(a.dir, '_truth', 'background.jsonl')}', format = 'newline_delimited')`);
  });
  afterAll(() => {
    con?.closeSync();
    db?.closeSync();
    a.cleanup();
    b.cleanup();
    c.cleanup();
  });

  it('writes every table, the truth file and _SUCCESS, quickly', () => {
    const files = readdirSync(a.dir).sort();
    expect(files).toEqual(['_SUCCESS', '_truth', 'aid_roster.csv', 'death_records.csv', 'fee_list_d.csv', 'fixmedins.csv', 'mdtrt_d.csv', 'med_catalog.csv', 'psn_info.csv', 'setl_d.csv']);
    expect(summary.rows.fee_list_d).toBeGreaterThan(30000);
    expect(summary.seconds).toBeLessThan(30);
  });

  it('is deterministic: same seed gives identical files, another seed different ones', async () => {
    await generateCity({ out: b.dir, persons: 2000, days: 90, seed: 7 });
    expect(fileHashes(b.dir)).toEqual(fileHashes(a.dir));
    await generateCity({ out: c.dir, persons: 2000, days: 90, seed: 8 });
    const other = fileHashes(c.dir);
    expect(other['fee_list_d.csv']).not.toEqual(fileHashes(a.dir)['fee_list_d.csv']);
    expect(other['psn_info.csv']).not.toEqual(fileHashes(a.dir)['psn_info.csv']);
  });

  it('money identities hold to the cent on every settlement', async () => {
    const s = `SELECT setl_id, ${['medfee_sumamt', 'fulamt_ownpay_amt', 'overlmt_selfpay', 'preselfpay_amt', 'inscp_amt', 'hifp_pay', 'hifmi_pay', 'hifob_pay', 'maf_pay', 'othfund_pay', 'fund_pay_sumamt', 'acct_pay', 'cash_payamt'].map((c) => `${c}::DECIMAL(14,2) AS ${c}`).join(', ')}, refd_setl_flag, init_setl_id FROM setl_d`;
    expect(await count(con, `SELECT count(*) FROM (${s}) WHERE fund_pay_sumamt <> hifp_pay + hifmi_pay + hifob_pay + maf_pay + othfund_pay`)).toBe(0);
    expect(await count(con, `SELECT count(*) FROM (${s}) WHERE medfee_sumamt <> fund_pay_sumamt + acct_pay + cash_payamt`)).toBe(0);
    expect(await count(con, `SELECT count(*) FROM (${s}) WHERE abs(inscp_amt) > abs(medfee_sumamt) OR (init_setl_id IS NULL AND (inscp_amt < 0 OR cash_payamt < 0 OR hifp_pay < 0 OR acct_pay < 0))`)).toBe(0);
    // Σ line totals = medfee per settlement (offset settlements carry negated lines).
    expect(await count(con, `SELECT count(*) FROM (${s}) s LEFT JOIN (SELECT setl_id, sum(det_item_fee_sumamt::DECIMAL(14,2)) AS t FROM fee_list_d GROUP BY 1) f USING (setl_id) WHERE coalesce(f.t, 0) <> s.medfee_sumamt`)).toBe(0);
    expect(await count(con, `SELECT count(*) FROM fee_list_d WHERE det_item_fee_sumamt::DECIMAL(14,2) <> round(cnt::DECIMAL(14,4) * pric::DECIMAL(14,4), 2)`)).toBe(0);
    // Every amount is written with exactly 2 decimals.
    expect(await count(con, `SELECT count(*) FROM setl_d WHERE NOT regexp_full_match(medfee_sumamt, '-?\\d+\\.\\d{2}') OR NOT regexp_full_match(cash_payamt, '-?\\d+\\.\\d{2}')`)).toBe(0);
    // Reversals: each reversed original has one offset with negated total.
    const rev = await count(con, `SELECT count(*) FROM setl_d WHERE refd_setl_flag = '1'`);
    expect(rev).toBeGreaterThan(0);
    expect(await count(con, `SELECT count(*) FROM setl_d o JOIN setl_d x ON x.init_setl_id = o.setl_id WHERE o.refd_setl_flag = '1' AND x.medfee_sumamt::DECIMAL(14,2) = -o.medfee_sumamt::DECIMAL(14,2)`)).toBe(rev);
  });

  it('writes valid resident IDs, unique keys and unique trace codes in background data', async () => {
    const certs = (await con.runAndReadAll(`SELECT certno, gend, brdy FROM psn_info`)).getRows() as string[][];
    expect(certs.length).toBe(summary.rows.psn_info);
    for (const [certno, gend, brdy] of certs) {
      expect(isValidCertno(certno!)).toBe(true);
      expect(certno!.slice(6, 14)).toBe(brdy!.replaceAll('-', ''));
      expect(Number(certno![16]) % 2 === 1 ? '1' : '2').toBe(gend);
    }
    for (const [t, k] of [['psn_info', 'psn_no'], ['mdtrt_d', 'mdtrt_id'], ['setl_d', 'setl_id'], ['fee_list_d', 'feedetl_sn'], ['fixmedins', 'fixmedins_code']]) {
      expect(await count(con, `SELECT count(*) - count(DISTINCT ${k}) FROM ${t}`)).toBe(0);
    }
    // A trace code sold on non-reversed lines at two providers appears only in planted duplicate_trace_code visits
    // (the background reuses a box's code only for unit doses at one provider: legitimate.test.ts).
    const dupVisits = (await con.runAndReadAll(`
      WITH codes AS (SELECT f.mdtrt_id, f.fixmedins_code, unnest(string_split(f.drug_trac_codg, ',')) AS code FROM fee_list_d f JOIN setl_d s USING (setl_id)
                     WHERE f.drug_trac_codg <> '' AND s.refd_setl_flag = '0' AND s.init_setl_id IS NULL),
           d AS (SELECT code FROM codes GROUP BY code HAVING count(DISTINCT fixmedins_code) >= 2)
      SELECT DISTINCT mdtrt_id FROM codes JOIN d USING (code) ORDER BY 1`)).getRows().map((r) => r[0]);
    const planted = (await con.runAndReadAll(`SELECT mdtrt_id FROM truth WHERE detector_id = 'duplicate_trace_code' AND expect = 'alert'`)).getRows().map((r) => r[0]);
    expect(dupVisits.length).toBe(planted.length * 2);
    for (const m of planted) expect(dupVisits).toContain(m);
  });

  it('keeps prescriptions within 12 weeks, and over 7 / 3 days only in tagged chronic care or planted visits', async () => {
    const over = (await con.runAndReadAll(`
      SELECT DISTINCT m.mdtrt_id FROM fee_list_d f JOIN mdtrt_d m USING (mdtrt_id)
      WHERE f.prd_days <> '' AND ((m.med_type IN ('11', '41') AND f.prd_days::INT > 7) OR (m.med_type = '13' AND f.prd_days::INT > 3) OR (m.med_type LIKE '14%' AND f.prd_days::INT > 84))
      EXCEPT SELECT mdtrt_id FROM truth WHERE detector_id = 'oversized_days_supply' AND expect = 'alert'
      EXCEPT SELECT mdtrt_id FROM bg WHERE pattern IN ('chronic_special_outpatient', 'long_prescription', 'pharmacy_outside_rx', 'internet_followup', 'h_pylori_course')`)).getRows();
    expect(over).toEqual([]);
    expect(await count(con, `SELECT count(*) FROM fee_list_d WHERE prd_days <> '' AND prd_days::INT > 84 AND mdtrt_id NOT IN (SELECT mdtrt_id FROM truth WHERE mdtrt_id IS NOT NULL)`)).toBe(0);
    expect(await count(con, `SELECT count(*) FROM fee_list_d f JOIN med_catalog c ON c.med_list_codg = f.med_list_codg WHERE c.pric_uplmt_amt <> '' AND f.pric::DECIMAL(14,2) > c.pric_uplmt_amt::DECIMAL(14,2)`)).toBe(
      await count(con, `SELECT count(*) FROM truth WHERE detector_id = 'price_over_ceiling' AND expect = 'alert'`),
    );
  });

  it("the plain background (background: 'plain') breaks no simple rule outside the planted cases", async () => {
    const p = tempDir('fw-gen-plain-');
    const pdb = await DuckDBInstance.create(':memory:');
    const pcon = await pdb.connect();
    try {
      const s = await generateCity({ out: p.dir, persons: 1500, days: 60, seed: 7, background: 'plain' });
      expect(s.background).toBe('plain');
      expect(s.background_patterns).toEqual({});
      expect(existsSync(join(p.dir, '_truth', 'background.jsonl'))).toBe(false);
      for (const t of ['psn_info', 'fixmedins', 'mdtrt_d', 'setl_d', 'fee_list_d', 'death_records', 'aid_roster', 'med_catalog']) {
        await pcon.run(`CREATE TABLE ${t} AS SELECT * FROM read_csv('${join(p.dir, `${t}.csv`)}', header = true, all_varchar = true)`);
      }
      await pcon.run(`CREATE TABLE truth AS SELECT * FROM read_json('${join(p.dir, '_truth', 'truth.jsonl')}', format = 'newline_delimited')`);
      await pcon.run(`CREATE TABLE bg (mdtrt_id VARCHAR, pattern VARCHAR)`);
      const found: Record<string, unknown[]> = {};
      for (const [name, sql] of Object.entries({ ...plainChecks, ...kpChecks(kpCodes()) })) {
        found[name] = (await pcon.runAndReadAll(sql)).getRows().map((r) => r[0]);
      }
      expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
    } finally {
      pcon.closeSync();
      pdb.closeSync();
      p.cleanup();
    }
  });

  it('plants every detector id of the catalogue with look-alikes, and early-warning cases', async () => {
    const ids = detectorIds();
    expect(ids.length).toBe(38);
    // A 90-day window is too short for a 5-month own baseline: that positive case is skipped and says why.
    expect(Object.keys(summary.not_planted)).toEqual(['high_cost_own_baseline']);
    expect(JSON.parse(readFileSync(join(a.dir, '_truth', 'not_planted.json'), 'utf8'))).toEqual(summary.not_planted);
    for (const id of ids) {
      if (!summary.not_planted[id]) expect(summary.planted[id]?.alert ?? 0, id).toBeGreaterThanOrEqual(3);
      expect(summary.planted[id]?.no_alert ?? 0, id).toBeGreaterThanOrEqual(1);
    }
    expect(summary.planted.early_warning!.alert).toBeGreaterThanOrEqual(6);
    expect(await count(con, `SELECT count(*) FROM truth WHERE detector_id = 'early_warning' AND expect = 'alert' AND NOT regexp_full_match(month, '\\d{4}-\\d{2}')`)).toBe(0);
    expect(await count(con, `SELECT count(DISTINCT case_id) - count(*) FROM truth`)).toBe(0);
  });

  it('every truth key refers to existing rows', async () => {
    const missing = async (key: string, table: string, col = key) =>
      count(con, `SELECT count(*) FROM truth t WHERE t.${key} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${table} x WHERE x.${col} = t.${key})`);
    expect(await missing('psn_no', 'psn_info')).toBe(0);
    expect(await missing('mdtrt_id', 'mdtrt_d')).toBe(0);
    expect(await missing('setl_id', 'setl_d')).toBe(0);
    expect(await missing('fixmedins_code', 'fixmedins')).toBe(0);
    expect(await count(con, `SELECT count(*) FROM truth t WHERE t.bilg_dr_codg IS NOT NULL AND NOT EXISTS (SELECT 1 FROM fee_list_d f WHERE f.bilg_dr_codg = t.bilg_dr_codg AND f.fixmedins_code = t.fixmedins_code)`)).toBe(0);
    // Visit keys belong to the truth row's person where both are given.
    expect(await count(con, `SELECT count(*) FROM truth t JOIN mdtrt_d m USING (mdtrt_id) WHERE t.psn_no IS NOT NULL AND m.psn_no <> t.psn_no`)).toBe(0);
    // care_after_death alerts settle after the recorded death.
    expect(await count(con, `SELECT count(*) FROM truth t JOIN setl_d s USING (setl_id) JOIN psn_info p ON p.psn_no = t.psn_no JOIN death_records d USING (certno)
      WHERE t.detector_id = 'care_after_death' AND t.expect = 'alert' AND s.setl_time::TIMESTAMP::DATE > d.die_date::DATE`)).toBe(3);
  });

  it('never writes a visit that ends before it begins (planted timings included)', async () => {
    expect(await count(con, `SELECT count(*) FROM mdtrt_d WHERE endtime::TIMESTAMP < begntime::TIMESTAMP`)).toBe(0);
    expect(await count(con, `SELECT count(*) FROM mdtrt_d m JOIN setl_d s USING (mdtrt_id) WHERE s.setl_time::TIMESTAMP < m.begntime::TIMESTAMP`)).toBe(0);
    // impossible_travel: the alert's two settlements are 50 minutes apart, the look-alike's 6 hours.
    const gaps = (await con.runAndReadAll(`
      SELECT t.expect, date_diff('minute', min(s.setl_time::TIMESTAMP), max(s.setl_time::TIMESTAMP)) AS gap
      FROM truth t JOIN setl_d s ON s.psn_no = t.psn_no WHERE t.detector_id = 'impossible_travel' GROUP BY t.case_id, t.expect ORDER BY t.case_id`)).getRows();
    expect(gaps.map((r) => `${r[0]}:${r[1]}`)).toEqual(['alert:50', 'alert:50', 'alert:50', 'no_alert:370', 'no_alert:370', 'no_alert:370']);
  });

  it('never admits two early-warning plants to one hospital on the same day (no accidental 结伙住院)', async () => {
    // Persons planted for the early warning only (high-cost plants also cross the line, on their own dates).
    const ew = `SELECT psn_no FROM truth GROUP BY psn_no HAVING bool_and(detector_id = 'early_warning')`;
    expect(await count(con, `SELECT count(DISTINCT psn_no) FROM (${ew})`)).toBeGreaterThanOrEqual(18);
    expect(await count(con, `
      SELECT count(*) FROM mdtrt_d a JOIN mdtrt_d b ON a.fixmedins_code = b.fixmedins_code AND a.psn_no < b.psn_no
        AND a.begntime::DATE = b.begntime::DATE AND a.med_type = '21' AND b.med_type = '21'
      WHERE a.psn_no IN (${ew}) AND b.psn_no IN (${ew})`)).toBe(0);
  });

  it('plants aid_roster overrides: roster-only low-income persons cross 10,000 yuan; an expired entry does not count', async () => {
    const rows = (await con.runAndReadAll(`
      SELECT t.expect, t.scenario, p.aid_category, r.aid_category AS roster, r.valid_from, r.valid_to, t.month
      FROM truth t JOIN psn_info p USING (psn_no) JOIN aid_roster r USING (certno)
      WHERE t.detector_id = 'early_warning' AND coalesce(p.aid_category, '') = '' ORDER BY t.expect, t.case_id`)).getRows();
    expect(rows.length).toBe(6);
    for (const [expect_, scenario, psnCat, roster, from, to, month] of rows) {
      expect(psnCat).toBe(null);
      expect(roster).toBe('subsistence');
      expect(from).toBe('2025-03-01');
      if (expect_ === 'alert') {
        expect(scenario).toBe('救助名单认定对象高额自付');
        expect(to ?? '').toBe('');
        expect(month).toMatch(/^2026-0[1-3]$/);
      } else {
        expect(scenario).toBe('救助资格已到期');
        expect(to).toBe('2025-12-31');
      }
    }
    // The look-alike spends 20,000 yuan: above the low-income line, below the general one.
    const oop = (await con.runAndReadAll(`
      SELECT sum(s.medfee_sumamt::DECIMAL(14,2) - s.fund_pay_sumamt::DECIMAL(14,2))::DOUBLE FROM truth t JOIN setl_d s USING (psn_no)
      WHERE t.scenario = '救助资格已到期' GROUP BY t.psn_no`)).getRows().map((r) => Number(r[0]));
    expect(oop).toEqual([20000, 20000, 20000]);
  });

  it('plants peer outliers far beyond the thresholds and look-alikes clearly under them (cost per stay, rx amount)', async () => {
    // Mean J18.900 stay cost of each township hospital ÷ the median of the unplanted ones (detector: ratio ≥ 1.3).
    const cost = (await con.runAndReadAll(`
      WITH st AS (SELECT m.fixmedins_code, m.mdtrt_id, sum(s.medfee_sumamt::DOUBLE) AS c FROM mdtrt_d m JOIN setl_d s USING (mdtrt_id)
                  JOIN fixmedins f ON f.fixmedins_code = m.fixmedins_code WHERE m.dscg_maindiag_code = 'J18.900' AND m.med_type = '21' AND f.hosp_lv = '08' GROUP BY ALL),
           p AS (SELECT fixmedins_code, avg(c) AS mc FROM st GROUP BY 1),
           t AS (SELECT fixmedins_code, expect FROM truth WHERE detector_id = 'cost_per_stay_peer')
      SELECT t.expect, p.mc / (SELECT median(mc) FROM p WHERE fixmedins_code NOT IN (SELECT fixmedins_code FROM t)) FROM t JOIN p USING (fixmedins_code) ORDER BY 1`)).getRows();
    expect(cost.map((r) => r[0])).toEqual(['alert', 'alert', 'alert', 'no_alert']);
    for (const [e, ratio] of cost) expect(Number(ratio), String(e)).toSatisfy((x: number) => (e === 'alert' ? x >= 2 : x >= 1 && x < 1.2));
    // Mean drug amount per gastritis visit of each planted physician ÷ the median of other township physicians with ≥ 2 such
    // visits (detector: ≥ 2.5×).
    const rx = (await con.runAndReadAll(`
      WITH v AS (SELECT fe.bilg_dr_codg, fe.mdtrt_id, sum(fe.det_item_fee_sumamt::DOUBLE) AS a FROM fee_list_d fe JOIN mdtrt_d m USING (mdtrt_id)
                 JOIN fixmedins f ON f.fixmedins_code = fe.fixmedins_code
                 WHERE fe.list_type IN ('101', '102') AND m.med_type = '11' AND m.dscg_maindiag_code = 'K29.700' AND f.hosp_lv = '08' GROUP BY ALL),
           d AS (SELECT bilg_dr_codg, avg(a) AS ma, count(*) AS n FROM v GROUP BY 1),
           t AS (SELECT bilg_dr_codg, expect FROM truth WHERE detector_id = 'physician_rx_amount_peer' AND scenario <> '烟酰胺处方次均金额畸高')
      SELECT t.expect, d.ma / (SELECT median(ma) FROM d WHERE n >= 2 AND bilg_dr_codg NOT IN (SELECT bilg_dr_codg FROM t)) FROM t JOIN d USING (bilg_dr_codg) ORDER BY 1`)).getRows();
    expect(rx.map((r) => r[0])).toEqual(['alert', 'alert', 'alert', 'no_alert', 'no_alert', 'no_alert']);
    for (const [e, ratio] of rx) expect(Number(ratio), String(e)).toSatisfy((x: number) => (e === 'alert' ? x >= 4 : x < 2));
  });

  it('refuses windows shorter than 60 days', async () => {
    const d = tempDir('fw-gen-short-');
    try {
      await expect(generateCity({ out: d.dir, persons: 500, days: 59, seed: 1 })).rejects.toThrow(/between 60 and 3660/);
    } finally {
      d.cleanup();
    }
  });

  it('writes Parquet when asked', async () => {
    const p = tempDir('fw-gen-pq-');
    try {
      const s = await generateCity({ out: p.dir, persons: 500, days: 60, seed: 3, format: 'parquet' });
      expect(readdirSync(p.dir).filter((f) => f.endsWith('.csv'))).toEqual([]);
      expect(await count(con, `SELECT count(*) FROM read_parquet('${join(p.dir, 'fee_list_d.parquet')}')`)).toBe(s.rows.fee_list_d);
    } finally {
      p.cleanup();
    }
  });
});
