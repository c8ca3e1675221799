export { writeAudit } from '../access/audit.ts';
