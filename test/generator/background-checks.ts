import type { KpCodes } from '../../data/generator/kp.ts';

/**
 * SQL over the generated tables (loaded as all-VARCHAR tables plus `truth`) that lists rows breaking a
 * simple rule but not planted as an expected alert: each query must return no rows, so rule detectors
 * fire only on planted cases. Shared by the generator tests and ad-hoc checks of large cities.
 */
const clean = `(SELECT m.*, s.setl_time FROM mdtrt_d m JOIN setl_d s USING (mdtrt_id) WHERE s.refd_setl_flag = '0' AND s.init_setl_id IS NULL)`;
const planted = (det: string, key: string) => `SELECT ${key} FROM truth WHERE detector_id = '${det}' AND expect = 'alert'`;

export const backgroundChecks: Record<string, string> = {
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
  single_stay_low_income: `
    SELECT s.psn_no FROM setl_d s JOIN psn_info p USING (psn_no)
    WHERE coalesce(p.aid_category, '') <> '' AND s.med_type IN ('21','28') AND s.refd_setl_flag = '0' AND s.init_setl_id IS NULL
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
};

/** Knowledge-point checks: the restricted codes appear in background data only where they are allowed. */
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
      EXCEPT ${planted('kp_child_limit', 'mdtrt_id')}`,
    kp_restricted_outside_planted: `
      SELECT DISTINCT f.mdtrt_id FROM fee_list_d f WHERE f.med_list_codg IN (${restricted}) AND f.mdtrt_id NOT IN (${kpPlanted})`,
    kp_duplicate_pairs: `
      WITH pairs(main, sub) AS (VALUES ${pairs})
      SELECT DISTINCT a.mdtrt_id FROM fee_list_d a JOIN pairs ON a.med_list_codg = pairs.main
      JOIN fee_list_d b ON b.mdtrt_id = a.mdtrt_id AND b.med_list_codg = pairs.sub AND b.fee_ocur_time::TIMESTAMP::DATE = a.fee_ocur_time::TIMESTAMP::DATE
      EXCEPT ${planted('kp_duplicate_charge', 'mdtrt_id')}`,
  };
}
