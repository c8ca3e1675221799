import type { KpCodes } from '../../data/generator/kp.ts';

/**
 * SQL over a generated city (all tables loaded as VARCHAR, plus `truth` = truth.jsonl and `bg` = background.jsonl).
 * Every query lists the rows that break a property and must return none. Shared by the generator tests and ad-hoc
 * checks of large cities.
 */
const clean = `(SELECT m.*, s.setl_id, s.setl_time FROM mdtrt_d m JOIN setl_d s USING (mdtrt_id) WHERE s.refd_setl_flag = '0' AND s.init_setl_id IS NULL)`;
const planted = (det: string, key: string) => `SELECT ${key} FROM truth WHERE detector_id = '${det}' AND expect = 'alert'`;
const quoted = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(',');
const taggedVisits = (...patterns: string[]) => `(SELECT mdtrt_id FROM bg WHERE pattern IN (${quoted(patterns)}) AND mdtrt_id IS NOT NULL)`;
const km = (a: string, b: string) =>
  `2 * 6371 * asin(sqrt(pow(sin(radians(${b}.lat - ${a}.lat) / 2), 2) + cos(radians(${a}.lat)) * cos(radians(${b}.lat)) * pow(sin(radians(${b}.lon - ${a}.lon) / 2), 2)))`;
const CHRONIC_PATHS = ['chronic_special_outpatient', 'long_prescription', 'pharmacy_outside_rx', 'internet_followup'];
/** Codes billed at most once a day, and hourly items at most 24 units a day. */
const DAILY = ['001102000050000', '001109000010000', '001201000040000', '001103000010000', '001102000030000', '001201000070000', '001109000030100', '001201000020000'];
const HOURLY = ['003106030010000', '003107010220000', '003308030250000', '003110000110000'];

/**
 * The plain background (`background: 'plain'`) breaks no simple rule: each query lists rows breaking one but not
 * planted as an expected alert.
 */
export const plainChecks: Record<string, string> = {
  overlapping_inpatient_stays: `
    SELECT b.mdtrt_id FROM ${clean} a JOIN ${clean} b ON a.psn_no = b.psn_no AND a.mdtrt_id <> b.mdtrt_id AND a.fixmedins_code <> b.fixmedins_code
    WHERE a.med_type IN ('21','28') AND b.med_type IN ('21','28') AND b.begntime::TIMESTAMP >= a.begntime::TIMESTAMP AND b.begntime::TIMESTAMP < a.endtime::TIMESTAMP
    EXCEPT ${planted('overlapping_inpatient_stays', 'mdtrt_id')}`,
  outpatient_during_inpatient: `
    SELECT o.mdtrt_id FROM ${clean} i JOIN ${clean} o ON i.psn_no = o.psn_no AND i.fixmedins_code <> o.fixmedins_code
    WHERE i.med_type = '21' AND o.med_type IN ('11','13','140104','41') AND o.begntime::TIMESTAMP > i.begntime::TIMESTAMP AND o.begntime::TIMESTAMP < i.endtime::TIMESTAMP
    EXCEPT ${planted('outpatient_during_inpatient', 'mdtrt_id')}`,
  same_day_two_providers: `
    SELECT b.mdtrt_id FROM ${clean} a JOIN ${clean} b ON a.psn_no = b.psn_no AND a.mdtrt_id < b.mdtrt_id AND a.fixmedins_code <> b.fixmedins_code
    WHERE a.setl_time::DATE = b.setl_time::DATE
    EXCEPT SELECT mdtrt_id FROM truth WHERE detector_id IN ('impossible_travel', 'outpatient_during_inpatient', 'overlapping_inpatient_stays')
    EXCEPT SELECT m.mdtrt_id FROM mdtrt_d m JOIN truth t ON t.psn_no = m.psn_no WHERE t.detector_id IN ('impossible_travel', 'overlapping_inpatient_stays', 'outpatient_during_inpatient', 'overlapping_refills')`,
  split_hospitalisation: `
    SELECT b.mdtrt_id FROM ${clean} a JOIN ${clean} b ON a.psn_no = b.psn_no AND a.fixmedins_code = b.fixmedins_code AND a.mdtrt_id <> b.mdtrt_id
    WHERE a.med_type = '21' AND b.med_type = '21' AND b.begntime::TIMESTAMP >= a.endtime::TIMESTAMP
      AND date_diff('day', a.endtime::TIMESTAMP::DATE, b.begntime::TIMESTAMP::DATE) <= 15
    EXCEPT ${planted('split_hospitalisation', 'mdtrt_id')}`,
  diagnosis_sex_conflict: `
    SELECT m.mdtrt_id FROM mdtrt_d m JOIN psn_info p USING (psn_no)
    WHERE (p.gend = '1' AND (regexp_matches(m.dscg_maindiag_code, '^(N7|N8|N9|O|D25|C5[1-8])') OR m.oprn_oprt_codes LIKE '%68.41%'))
       OR (p.gend = '2' AND (regexp_matches(m.dscg_maindiag_code, '^(N4[0-9]|N50|C6[0-3])') OR m.oprn_oprt_codes LIKE '%60.29%'))
    EXCEPT ${planted('diagnosis_sex_conflict', 'mdtrt_id')}`,
  care_after_death: `
    SELECT s.setl_id FROM setl_d s JOIN psn_info p USING (psn_no) JOIN death_records d USING (certno)
    WHERE s.refd_setl_flag = '0' AND s.init_setl_id IS NULL AND s.setl_time::TIMESTAMP::DATE > d.die_date::DATE
    EXCEPT ${planted('care_after_death', 'setl_id')}`,
  // The single-stay trigger is for 防止返贫监测对象 (monitored) only (pipeline/warning defaults).
  single_stay_low_income: `
    SELECT s.psn_no FROM setl_d s JOIN psn_info p USING (psn_no)
    WHERE p.aid_category = 'monitored' AND s.med_type IN ('21','28') AND s.refd_setl_flag = '0' AND s.init_setl_id IS NULL
      AND s.medfee_sumamt::DECIMAL(14,2) - s.fund_pay_sumamt::DECIMAL(14,2) > 6000
    EXCEPT SELECT psn_no FROM truth WHERE detector_id = 'early_warning' AND expect = 'alert'`,
  high_cost_single_stay: `
    SELECT mdtrt_id FROM setl_d s WHERE s.refd_setl_flag = '0' AND s.init_setl_id IS NULL AND s.med_type = '21' AND s.medfee_sumamt::DECIMAL(14,2) >= 150000
    EXCEPT ${planted('high_cost_single_stay', 'mdtrt_id')}`,
  oversized_days_supply: `
    SELECT DISTINCT f.mdtrt_id FROM fee_list_d f JOIN mdtrt_d m USING (mdtrt_id)
    WHERE f.prd_days <> '' AND ((m.med_type IN ('11','41') AND f.prd_days::INT > 7) OR (m.med_type = '13' AND f.prd_days::INT > 3) OR (m.med_type = '140104' AND f.prd_days::INT > 84))
    EXCEPT ${planted('oversized_days_supply', 'mdtrt_id')}`,
  over_catalog_max_supply: `
    SELECT DISTINCT f.mdtrt_id FROM fee_list_d f JOIN med_catalog c USING (med_list_codg)
    WHERE f.prd_days <> '' AND c.max_days_supply <> '' AND f.prd_days::INT > c.max_days_supply::INT
    EXCEPT ${planted('over_catalog_max_supply', 'mdtrt_id')}`,
  price_over_ceiling: `
    SELECT DISTINCT f.mdtrt_id FROM fee_list_d f WHERE f.pric_uplmt_amt <> '' AND f.pric::DECIMAL(14,2) > f.pric_uplmt_amt::DECIMAL(14,2)
    EXCEPT ${planted('price_over_ceiling', 'mdtrt_id')}`,
  daily_frequency_over_one: `
    SELECT DISTINCT f.mdtrt_id FROM fee_list_d f
    WHERE f.med_list_codg IN ('001102000050000', '001109000010000', '001201000040000', '001103000010000', '001102000030000')
    GROUP BY f.mdtrt_id, f.med_list_codg, f.fee_ocur_time::TIMESTAMP::DATE HAVING sum(f.cnt::DOUBLE) > 1
    EXCEPT ${planted('kp_daily_frequency', 'mdtrt_id')}`,
  duplicate_trace_code: `
    WITH codes AS (SELECT f.mdtrt_id, unnest(string_split(f.drug_trac_codg, ',')) AS code FROM fee_list_d f JOIN setl_d s USING (setl_id)
                   WHERE f.drug_trac_codg <> '' AND s.refd_setl_flag = '0' AND s.init_setl_id IS NULL)
    SELECT DISTINCT mdtrt_id FROM codes WHERE code IN (SELECT code FROM codes GROUP BY code HAVING count(*) >= 2)
    EXCEPT ${planted('duplicate_trace_code', 'mdtrt_id')}
    EXCEPT SELECT f.mdtrt_id FROM fee_list_d f JOIN fee_list_d g ON g.drug_trac_codg = f.drug_trac_codg
      WHERE g.mdtrt_id IN (${planted('duplicate_trace_code', 'mdtrt_id')})`,
};

/**
 * The legitimate background (the default) has the complexity of real practice but none of the shapes that define the
 * planted fraud. `n` = background persons (`_truth/city.json` background_persons: psn_no suffixes 1..n).
 */
export function legitimacyChecks(n: number): Record<string, string> {
  const bgPsn = (col: string) => `CAST(substr(${col}, 7) AS BIGINT) <= ${n}`;
  return {
    // Supplies over 7 days (3 in emergencies) only for chronic patients' long prescriptions and a 14-day eradication course.
    long_supply_outside_chronic_care: `
      SELECT DISTINCT m.mdtrt_id FROM fee_list_d f JOIN mdtrt_d m USING (mdtrt_id)
      WHERE ${bgPsn('m.psn_no')} AND f.prd_days <> '' AND ((m.med_type IN ('11','41') AND f.prd_days::INT > 7) OR (m.med_type = '13' AND f.prd_days::INT > 3))
        AND m.mdtrt_id NOT IN ${taggedVisits(...CHRONIC_PATHS, 'h_pylori_course')}`,
    supply_over_12_weeks_or_catalogue: `
      SELECT DISTINCT f.mdtrt_id FROM fee_list_d f LEFT JOIN med_catalog c USING (med_list_codg)
      WHERE ${bgPsn('f.psn_no')} AND f.prd_days <> '' AND (f.prd_days::INT > 84 OR (c.max_days_supply <> '' AND f.prd_days::INT > c.max_days_supply::INT))`,
    // Stays at two providers overlap only in a tagged transfer, the later admitted on the discharge day (or the day before a discharge recorded late).
    overlapping_stays_outside_transfers: `
      SELECT b.mdtrt_id FROM ${clean} a JOIN ${clean} b ON a.psn_no = b.psn_no AND a.mdtrt_id <> b.mdtrt_id AND a.fixmedins_code <> b.fixmedins_code
      WHERE ${bgPsn('a.psn_no')} AND a.med_type IN ('21','28') AND b.med_type IN ('21','28')
        AND b.begntime::TIMESTAMP >= a.begntime::TIMESTAMP AND b.begntime::TIMESTAMP < a.endtime::TIMESTAMP
        AND NOT (b.begntime::TIMESTAMP::DATE BETWEEN a.endtime::TIMESTAMP::DATE - 1 AND a.endtime::TIMESTAMP::DATE
          AND EXISTS (SELECT 1 FROM bg x JOIN bg y USING (instance) WHERE x.pattern = 'same_day_transfer' AND x.mdtrt_id = a.mdtrt_id AND y.mdtrt_id = b.mdtrt_id))`,
    outpatient_during_stay_elsewhere: `
      SELECT o.mdtrt_id FROM ${clean} i JOIN ${clean} o ON i.psn_no = o.psn_no AND i.fixmedins_code <> o.fixmedins_code
      WHERE ${bgPsn('i.psn_no')} AND i.med_type IN ('21','28') AND o.med_type NOT IN ('21','28')
        AND o.begntime::TIMESTAMP > i.begntime::TIMESTAMP AND o.begntime::TIMESTAMP < i.endtime::TIMESTAMP`,
    // Same-day outpatient care > 50 km apart only for commuters and internet-hospital follow-ups.
    far_apart_same_day: `
      WITH v AS (SELECT c.*, f.lat::DOUBLE AS lat, f.lon::DOUBLE AS lon FROM ${clean} c JOIN fixmedins f USING (fixmedins_code)
                 WHERE ${bgPsn('c.psn_no')} AND c.med_type NOT IN ('21', '28'))
      SELECT b.mdtrt_id FROM v a JOIN v b ON a.psn_no = b.psn_no AND a.mdtrt_id < b.mdtrt_id AND a.setl_time::TIMESTAMP::DATE = b.setl_time::TIMESTAMP::DATE
      WHERE ${km('a', 'b')} > 50 AND NOT EXISTS (SELECT 1 FROM bg t WHERE t.pattern IN ('commuter', 'internet_followup') AND t.mdtrt_id IN (a.mdtrt_id, b.mdtrt_id))`,
    // A re-admission within 15 days, same hospital and diagnosis category, only as a treatment cycle, a staged operation,
    // an unplanned readmission or a holiday break.
    readmission_within_15_days: `
      SELECT b.mdtrt_id FROM ${clean} a JOIN ${clean} b ON a.psn_no = b.psn_no AND a.fixmedins_code = b.fixmedins_code AND a.mdtrt_id <> b.mdtrt_id
      WHERE ${bgPsn('a.psn_no')} AND a.med_type = '21' AND b.med_type = '21' AND b.begntime::TIMESTAMP >= a.endtime::TIMESTAMP
        AND date_diff('day', a.endtime::TIMESTAMP::DATE, b.begntime::TIMESTAMP::DATE) <= 15 AND left(a.dscg_maindiag_code, 3) = left(b.dscg_maindiag_code, 3)
        AND b.mdtrt_id NOT IN ${taggedVisits('chemo_cycle', 'staged_surgery', 'emergency_readmission', 'holiday_break')}`,
    // No care after death; a bill settled after it only for a death in hospital, within 4 days.
    care_after_death: `
      SELECT m.mdtrt_id FROM mdtrt_d m JOIN psn_info p USING (psn_no) JOIN death_records d USING (certno)
      WHERE ${bgPsn('m.psn_no')} AND m.begntime::TIMESTAMP::DATE >= d.die_date::DATE
      UNION
      SELECT s.mdtrt_id FROM setl_d s JOIN psn_info p USING (psn_no) JOIN death_records d USING (certno)
      WHERE ${bgPsn('s.psn_no')} AND s.setl_time::TIMESTAMP::DATE > d.die_date::DATE
        AND (s.mdtrt_id NOT IN ${taggedVisits('death_in_hospital')} OR s.setl_time::TIMESTAMP::DATE > d.die_date::DATE + 4)`,
    care_before_birth: `SELECT m.mdtrt_id FROM mdtrt_d m JOIN psn_info p USING (psn_no) WHERE m.begntime::TIMESTAMP::DATE < p.brdy::DATE`,
    diagnosis_sex_conflict: `
      SELECT m.mdtrt_id FROM mdtrt_d m JOIN psn_info p USING (psn_no)
      WHERE ${bgPsn('m.psn_no')} AND ((p.gend = '1' AND (regexp_matches(m.dscg_maindiag_code, '^(N7|N8|N9|O|D25|C5[1-8]|Z3[2-7])') OR regexp_matches(m.oprn_oprt_codes, '(^|\\|)(6[5-9]|7[0-5])\\.')))
         OR (p.gend = '2' AND (regexp_matches(m.dscg_maindiag_code, '^(N4[0-9]|N5[01]|C6[0-3])') OR regexp_matches(m.oprn_oprt_codes, '(^|\\|)6[0-4]\\.'))))`,
    // A box's code on several non-reversed sales only for unit doses at one provider (a refunded sale is reversed).
    trace_code_reuse: `
      WITH codes AS (SELECT f.mdtrt_id, f.fixmedins_code, f.psn_no, unnest(string_split(f.drug_trac_codg, ',')) AS code
                     FROM fee_list_d f JOIN setl_d s USING (setl_id) WHERE f.drug_trac_codg <> '' AND s.refd_setl_flag = '0' AND s.init_setl_id IS NULL),
           dup AS (SELECT code, count(DISTINCT fixmedins_code) AS providers FROM codes GROUP BY code HAVING count(*) >= 2)
      SELECT DISTINCT c.mdtrt_id FROM codes c JOIN dup USING (code)
      WHERE ${bgPsn('c.psn_no')} AND (dup.providers > 1 OR c.mdtrt_id NOT IN ${taggedVisits('unit_dose_pharmacy', 'unit_dose_ward')})`,
    high_cost_stay: `
      SELECT s.mdtrt_id FROM setl_d s WHERE ${bgPsn('s.psn_no')} AND s.refd_setl_flag = '0' AND s.init_setl_id IS NULL AND s.med_type = '21'
        AND s.medfee_sumamt::DECIMAL(14,2) >= 150000 AND s.mdtrt_id NOT IN ${taggedVisits('icu_stay', 'ecmo')}`,
    daily_and_hourly_frequency: `
      SELECT DISTINCT mdtrt_id FROM (
        SELECT f.mdtrt_id, f.med_list_codg, sum(f.cnt::DOUBLE) AS n FROM fee_list_d f
        WHERE f.med_list_codg IN (${quoted([...DAILY, ...HOURLY])}) AND f.cnt::DOUBLE > 0 GROUP BY f.mdtrt_id, f.med_list_codg, f.fee_ocur_time::TIMESTAMP::DATE)
      WHERE (med_list_codg IN (${quoted(DAILY)}) AND n > 1) OR n > 24
      EXCEPT ${planted('kp_daily_frequency', 'mdtrt_id')}`,
    price_over_ceiling: `
      SELECT DISTINCT f.mdtrt_id FROM fee_list_d f WHERE f.pric_uplmt_amt <> '' AND f.pric::DECIMAL(14,2) > f.pric_uplmt_amt::DECIMAL(14,2)
      EXCEPT ${planted('price_over_ceiling', 'mdtrt_id')}`,
    single_stay_low_income: `
      SELECT s.psn_no FROM setl_d s JOIN psn_info p USING (psn_no)
      WHERE p.aid_category = 'monitored' AND s.med_type IN ('21','28') AND s.refd_setl_flag = '0' AND s.init_setl_id IS NULL
        AND s.medfee_sumamt::DECIMAL(14,2) - s.fund_pay_sumamt::DECIMAL(14,2) > 6000
      EXCEPT SELECT psn_no FROM truth WHERE detector_id = 'early_warning' AND expect = 'alert'`,
    // Five persons' same drug by one physician within two minutes only where charges are posted at set times.
    batch_swiping: `
      WITH l AS (SELECT f.fixmedins_code, f.bilg_dr_codg, f.med_list_codg, f.psn_no, f.fee_ocur_time::TIMESTAMP AS t, f.mdtrt_id
                 FROM fee_list_d f WHERE f.list_type LIKE '1%' AND ${bgPsn('f.psn_no')})
      SELECT a.mdtrt_id FROM l a JOIN l b ON a.fixmedins_code = b.fixmedins_code AND a.bilg_dr_codg = b.bilg_dr_codg AND a.med_list_codg = b.med_list_codg
        AND b.t BETWEEN a.t AND a.t + INTERVAL 2 MINUTE
      WHERE a.fixmedins_code NOT IN (SELECT fixmedins_code FROM bg WHERE psn_no IS NULL AND pattern IN ('shift_posting', 'pharmacy_morning_queue', 'ward_batch_posting'))
      GROUP BY a.mdtrt_id, a.fixmedins_code, a.bilg_dr_codg, a.med_list_codg, a.t HAVING count(DISTINCT b.psn_no) >= 5`,
    new_provider_before_its_day: `
      WITH o AS (SELECT fixmedins_code, pattern, regexp_extract(note_zh, '(\\d{4}-\\d{2}-\\d{2})', 1)::DATE AS d FROM bg WHERE pattern IN ('new_clinic', 'new_pooling_pharmacy') AND psn_no IS NULL)
      SELECT s.setl_id FROM setl_d s JOIN o USING (fixmedins_code) JOIN psn_info p ON p.psn_no = s.psn_no
      WHERE s.setl_time::TIMESTAMP::DATE < o.d AND (o.pattern = 'new_clinic' OR p.insutype <> '310')`,
    tags_refer_to_background_rows: `
      SELECT tag_id FROM bg
      WHERE (psn_no IS NOT NULL AND (NOT ${bgPsn('psn_no')} OR psn_no NOT IN (SELECT psn_no FROM psn_info)))
         OR (mdtrt_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mdtrt_d m WHERE m.mdtrt_id = bg.mdtrt_id AND m.psn_no = bg.psn_no))
         OR (setl_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM setl_d s WHERE s.setl_id = bg.setl_id AND s.mdtrt_id = bg.mdtrt_id))
         OR fixmedins_code NOT IN (SELECT fixmedins_code FROM fixmedins)`,
    planted_truth_never_names_background_persons: `
      SELECT case_id FROM truth WHERE detector_id <> 'early_warning' AND psn_no IS NOT NULL AND ${bgPsn('psn_no')}
      UNION SELECT t.case_id FROM truth t JOIN mdtrt_d m USING (mdtrt_id) WHERE ${bgPsn('m.psn_no')}`,
  };
}

/** Properties of each pattern's instances (`bg` rows joined to the data). */
export function patternChecks(start: string): Record<string, string> {
  return {
    dialysis_three_times_a_week_one_posting_time: `
      WITH d AS (SELECT m.psn_no, m.fixmedins_code, m.med_type, m.begntime::TIMESTAMP AS t, m.mdtrt_id FROM mdtrt_d m WHERE m.mdtrt_id IN ${taggedVisits('dialysis')})
      SELECT psn_no FROM d GROUP BY psn_no, date_trunc('week', t) HAVING count(*) > 3 OR count(DISTINCT t::DATE) < count(*)
      UNION SELECT psn_no FROM d GROUP BY psn_no HAVING count(DISTINCT fixmedins_code) > 1 OR count(DISTINCT dayofweek(t)) > 3 OR bool_or(med_type <> '140201')
      UNION SELECT any_value(f.fixmedins_code) FROM fee_list_d f JOIN d USING (mdtrt_id) GROUP BY f.fixmedins_code, d.t::DATE, hour(d.t) < 12 HAVING count(DISTINCT f.fee_ocur_time) > 1`,
    chemo_cycles_at_least_12_days_apart: `
      WITH c AS (SELECT b.instance, m.begntime::TIMESTAMP::DATE AS d FROM bg b JOIN mdtrt_d m USING (mdtrt_id) WHERE b.pattern = 'chemo_cycle')
      SELECT instance FROM (SELECT instance, d - lag(d) OVER (PARTITION BY instance ORDER BY d) AS gap FROM c) WHERE gap < 12`,
    staged_surgery_same_hospital_same_condition: `
      SELECT b.instance FROM bg b JOIN mdtrt_d m USING (mdtrt_id) WHERE b.pattern = 'staged_surgery'
      GROUP BY b.instance HAVING count(DISTINCT m.fixmedins_code) > 1 OR count(DISTINCT left(m.dscg_maindiag_code, 3)) > 1`,
    unit_dose_half_boxes_at_one_pharmacy: `
      WITH l AS (SELECT f.drug_trac_codg AS code, f.fixmedins_code, f.fee_ocur_time::TIMESTAMP::DATE AS d FROM fee_list_d f WHERE f.cnt = '0.5')
      SELECT code FROM l GROUP BY code HAVING count(*) > 2 OR count(DISTINCT fixmedins_code) > 1 OR max(d) - min(d) > 10`,
    unit_dose_ward_only_where_practised: `
      SELECT b.mdtrt_id FROM bg b WHERE b.pattern = 'unit_dose_ward' AND b.psn_no IS NOT NULL
        AND b.fixmedins_code NOT IN (SELECT fixmedins_code FROM bg WHERE pattern = 'unit_dose_ward' AND psn_no IS NULL)`,
    refund_then_resale_same_pharmacy: `
      WITH t AS (SELECT b.instance, b.mdtrt_id, b.fixmedins_code, s.refd_setl_flag, m.begntime::TIMESTAMP AS bt
                 FROM bg b JOIN setl_d s ON s.setl_id = b.setl_id JOIN mdtrt_d m ON m.mdtrt_id = b.mdtrt_id WHERE b.pattern = 'refund_resale'),
           first AS (SELECT * FROM t QUALIFY row_number() OVER (PARTITION BY instance ORDER BY bt) = 1)
      SELECT t.mdtrt_id FROM t JOIN first f USING (instance)
      WHERE (t.mdtrt_id = f.mdtrt_id AND f.refd_setl_flag <> '1')
         OR (t.mdtrt_id <> f.mdtrt_id AND (t.refd_setl_flag <> '0' OR t.fixmedins_code <> f.fixmedins_code OR t.bt::DATE <= f.bt::DATE
           OR NOT EXISTS (SELECT 1 FROM fee_list_d a JOIN fee_list_d x ON x.drug_trac_codg = a.drug_trac_codg WHERE a.mdtrt_id = f.mdtrt_id AND x.mdtrt_id = t.mdtrt_id AND a.drug_trac_codg <> '')))`,
    internet_hospital_far_and_tagged: `
      SELECT m.mdtrt_id FROM mdtrt_d m JOIN psn_info p USING (psn_no) JOIN fixmedins f USING (fixmedins_code)
      WHERE m.dept_name = '互联网医院' AND (f.admdvs = p.insu_admdvs OR m.mdtrt_id NOT IN ${taggedVisits('internet_followup')})`,
    morning_queue_on_the_insurance_day: `
      WITH q AS (SELECT fixmedins_code, regexp_extract(note_zh, '每月(\\d+)日', 1)::INT AS dom FROM bg WHERE pattern = 'pharmacy_morning_queue' AND psn_no IS NULL)
      SELECT b.mdtrt_id FROM bg b JOIN setl_d s ON s.setl_id = b.setl_id JOIN q ON q.fixmedins_code = b.fixmedins_code
      WHERE b.pattern = 'pharmacy_morning_queue' AND b.psn_no IS NOT NULL AND (day(s.setl_time::TIMESTAMP) <> q.dom OR hour(s.setl_time::TIMESTAMP) >= 10)`,
    newborns_and_mothers: `
      SELECT m.mdtrt_id FROM bg b JOIN mdtrt_d m USING (mdtrt_id) JOIN psn_info p ON p.psn_no = m.psn_no
      WHERE (b.pattern = 'newborn_care' AND (m.dscg_maindiag_code <> 'P59.900' OR m.begntime::TIMESTAMP::DATE < p.brdy::DATE + 2 OR p.brdy::DATE < DATE '${start}'))
         OR (b.pattern IN ('newborn_on_mother_bill', 'delivery') AND (p.gend <> '2' OR m.dscg_maindiag_code NOT IN ('O80.000', 'O82.000')))
         OR (b.pattern = 'antenatal_care' AND (p.gend <> '2' OR left(m.dscg_maindiag_code, 3) <> 'Z34'))`,
    holiday_break_around_a_long_holiday: `
      WITH h AS (SELECT b.instance, m.fixmedins_code, m.dscg_maindiag_code AS dx, m.begntime::TIMESTAMP::DATE AS bd, m.endtime::TIMESTAMP::DATE AS ed
                 FROM bg b JOIN mdtrt_d m USING (mdtrt_id) WHERE b.pattern = 'holiday_break')
      SELECT instance FROM h GROUP BY instance
      HAVING count(*) > 2 OR (count(*) = 2 AND (count(DISTINCT fixmedins_code) > 1 OR count(DISTINCT dx) > 1 OR max(bd) - min(ed) NOT BETWEEN 5 AND 15))`,
    death_in_hospital_ends_on_the_death_day: `
      SELECT b.mdtrt_id FROM bg b JOIN mdtrt_d m USING (mdtrt_id) JOIN psn_info p ON p.psn_no = m.psn_no LEFT JOIN death_records d ON d.certno = p.certno
      WHERE b.pattern = 'death_in_hospital' AND (d.die_date IS NULL OR m.endtime::TIMESTAMP::DATE <> d.die_date::DATE)`,
    chronic_supplies_4_8_or_12_weeks: `
      SELECT DISTINCT f.mdtrt_id FROM fee_list_d f JOIN bg b ON b.mdtrt_id = f.mdtrt_id
      WHERE b.pattern IN (${quoted(CHRONIC_PATHS)}) AND f.list_type = '101' AND f.prd_days NOT IN ('28', '30', '56', '84')`,
    same_day_transfer_times: `
      WITH t AS (SELECT b.instance, m.fixmedins_code, m.begntime::TIMESTAMP AS bt, m.endtime::TIMESTAMP AS et FROM bg b JOIN mdtrt_d m USING (mdtrt_id) WHERE b.pattern = 'same_day_transfer'),
           p AS (SELECT instance, min(bt) AS first_b, max(bt) AS second_b, min_by(et, bt) AS first_e, count(DISTINCT fixmedins_code) AS providers, count(*) AS n FROM t GROUP BY instance)
      SELECT instance FROM p WHERE n = 2 AND (providers <> 2 OR second_b::DATE NOT BETWEEN first_e::DATE - 1 AND first_e::DATE)`,
    emergency_before_admission_same_hospital: `
      WITH e AS (SELECT b.instance, m.med_type, m.fixmedins_code, m.begntime::TIMESTAMP AS bt, m.endtime::TIMESTAMP AS et
                 FROM bg b JOIN mdtrt_d m USING (mdtrt_id) WHERE b.pattern IN ('emergency_admission', 'emergency_readmission'))
      SELECT instance FROM e GROUP BY instance
      HAVING count(*) FILTER (WHERE med_type = '13') = 1
         AND (count(DISTINCT fixmedins_code) > 1 OR max(et) FILTER (WHERE med_type = '13') > max(bt) FILTER (WHERE med_type = '21'))`,
    commuters_are_employees_seen_in_their_home_city: `
      SELECT b.tag_id FROM bg b JOIN psn_info p USING (psn_no) JOIN fixmedins f ON f.fixmedins_code = b.fixmedins_code
      WHERE b.pattern = 'commuter' AND (p.insutype <> '310' OR NOT EXISTS (
        SELECT 1 FROM bg c JOIN fixmedins g ON g.fixmedins_code = c.fixmedins_code WHERE c.instance = b.instance AND g.admdvs <> p.insu_admdvs))`,
    mobile_pay_after_the_visit: `
      SELECT b.mdtrt_id FROM bg b JOIN mdtrt_d m USING (mdtrt_id) JOIN setl_d s ON s.setl_id = b.setl_id
      WHERE b.pattern = 'mobile_pay_later' AND s.setl_time::TIMESTAMP < m.endtime::TIMESTAMP + INTERVAL 19 MINUTE`,
    dual_channel_monthly_box: `
      SELECT f.mdtrt_id FROM bg b JOIN fee_list_d f ON f.mdtrt_id = b.mdtrt_id JOIN mdtrt_d m ON m.mdtrt_id = b.mdtrt_id
      WHERE b.pattern = 'dual_channel' AND f.hilist_name = '甲磺酸奥希替尼片' AND (m.med_type <> '140201' OR f.prd_days <> '30' OR f.cnt <> '1')`,
    ecmo_coded: `
      SELECT b.mdtrt_id FROM bg b JOIN mdtrt_d m USING (mdtrt_id) WHERE b.pattern = 'ecmo' AND m.oprn_oprt_codes NOT LIKE '%39.6500%'`,
  };
}

/** Knowledge-point checks: the restricted codes appear only where they are allowed (newborn care on a mother's bill aside). */
export function kpChecks(kp: KpCodes): Record<string, string> {
  const list = (codes: string[]) => codes.map((c) => `'${c}'`).join(',');
  const male = list(kp.sex_drugs.filter((d) => d.sex === '1').flatMap((d) => d.codes).concat(kp.sex_services.filter((s) => s.sex === '1').map((s) => s.code)));
  const female = list(kp.sex_drugs.filter((d) => d.sex === '2').flatMap((d) => d.codes).concat(kp.sex_services.filter((s) => s.sex === '2').map((s) => s.code)));
  const child = list(kp.child_drugs.flatMap((d) => d.codes).concat(kp.child_services.map((s) => s.code)));
  const restricted = list([...kp.insurance_drugs, ...kp.care_setting_drugs, ...kp.level_drugs, ...kp.course_drugs].flatMap((d) => d.codes)
    .concat(kp.course_services.map((s) => s.code), kp.surgery_groups.map((s) => s.code)));
  const pairs = kp.duplicate_pairs.map((p) => `('${p.main}','${p.sub}')`).join(',');
  const kpPlanted = `SELECT mdtrt_id FROM truth WHERE detector_id LIKE 'kp_%' AND mdtrt_id IS NOT NULL
    UNION SELECT m.mdtrt_id FROM mdtrt_d m JOIN truth t USING (psn_no) WHERE t.detector_id LIKE 'kp_%'`;
  return {
    kp_sex_limit: `
      SELECT DISTINCT f.mdtrt_id FROM fee_list_d f JOIN psn_info p USING (psn_no)
      WHERE (p.gend = '2' AND f.med_list_codg IN (${male})) OR (p.gend = '1' AND f.med_list_codg IN (${female}))
      EXCEPT ${planted('kp_sex_limit', 'mdtrt_id')}`,
    kp_child_limit: `
      SELECT DISTINCT f.mdtrt_id FROM fee_list_d f JOIN psn_info p USING (psn_no)
      WHERE f.med_list_codg IN (${child}) AND date_diff('year', p.brdy::DATE, f.fee_ocur_time::TIMESTAMP::DATE) >= 14
      EXCEPT ${planted('kp_child_limit', 'mdtrt_id')}
      EXCEPT (SELECT mdtrt_id FROM bg WHERE pattern = 'newborn_on_mother_bill')`,
    kp_restricted_outside_planted: `
      SELECT DISTINCT f.mdtrt_id FROM fee_list_d f WHERE f.med_list_codg IN (${restricted}) AND f.mdtrt_id NOT IN (${kpPlanted})`,
    kp_duplicate_pairs: `
      WITH pairs(main, sub) AS (VALUES ${pairs})
      SELECT DISTINCT a.mdtrt_id FROM fee_list_d a JOIN pairs ON a.med_list_codg = pairs.main
      JOIN fee_list_d b ON b.mdtrt_id = a.mdtrt_id AND b.med_list_codg = pairs.sub AND b.fee_ocur_time::TIMESTAMP::DATE = a.fee_ocur_time::TIMESTAMP::DATE
      EXCEPT ${planted('kp_duplicate_charge', 'mdtrt_id')}`,
  };
}
