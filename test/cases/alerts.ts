import type { Store } from '../../pipeline/store/store.ts';

export interface AlertFields {
  alert_id: string;
  detector_id?: string;
  family?: string;
  result_type?: 'violation' | 'suspicious';
  subject_type?: 'person' | 'provider' | 'physician' | 'visit';
  psn_no?: string | null;
  fixmedins_code?: string | null;
  bilg_dr_codg?: string | null;
  mdtrt_id?: string | null;
  admdvs?: string;
  amount_at_risk?: number;
  status?: string;
  run_id?: string;
}

/** Inserts alerts straight into the `alerts` table (002_detection.sql), as the detector engine would. */
export async function insertAlerts(store: Store, alerts: AlertFields[]): Promise<void> {
  for (const a of alerts) {
    const subject = a.subject_type ?? 'provider';
    await store.run(
      `INSERT INTO alerts (alert_id, run_id, last_run_id, family, detector_id, detector_version, gz_code, result_type, title_zh,
         subject_type, psn_no, fixmedins_code, bilg_dr_codg, mdtrt_id, setl_id, feedetl_sn, admdvs, measured, threshold, peer,
         amount_at_risk, params, params_hash, legal_basis, activity_date, status, status_reason, created_at, updated_at)
       VALUES ($1, $2, $2, $3, $4, 1, NULL, $5, '测试预警', $6, $7, $8, $9, $10, NULL, []::VARCHAR[], $11, '{}', '{}', NULL,
         $12, '{}', 'h', '《医疗保障基金使用监督管理条例》', DATE '2026-01-05', $13, NULL, now(), now())`,
      [a.alert_id, a.run_id ?? 'R1', a.family ?? 'billing', a.detector_id ?? 'gender_restricted_item', a.result_type ?? 'violation', subject,
        a.psn_no ?? (subject === 'person' || subject === 'visit' ? 'P1' : null),
        a.fixmedins_code ?? (subject === 'person' ? null : 'H1'),
        a.bilg_dr_codg ?? (subject === 'physician' ? 'D1' : null),
        a.mdtrt_id ?? (subject === 'visit' ? 'V1' : null),
        a.admdvs ?? '421000', a.amount_at_risk ?? 100, a.status ?? 'open'],
    );
  }
}
