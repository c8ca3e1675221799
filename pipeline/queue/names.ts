/** BullMQ queue names (no ':' allowed: it separates Redis key parts). */
export function inspectionQueueName(admdvs: string): string {
  return `inspection-${safe(admdvs)}`;
}

export function referralQueueName(departmentId: string): string {
  return `referrals-${safe(departmentId)}`;
}

export const REFERRAL_DEAD_LETTER_QUEUE = 'referrals-dead-letter';
export const REFERRAL_FILES_QUEUE = 'referral-files';

export function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '_');
}
