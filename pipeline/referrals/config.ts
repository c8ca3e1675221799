import { checkSection, type FundwatchConfig, type JsonSchema } from '../config.ts';

/**
 * Config section `referrals`:
 * ```json
 * { "departments": [
 *     { "id": "civil_affairs-421000", "department": "civil_affairs", "regions": ["421000"],
 *       "webhook": { "url": "https://…", "secret_env": "FW_CIVIL_421000_SECRET" }, "file_drop": true, "full_id": false },
 *     { "id": "agri_rural-421000", "department": "agri_rural", "regions": ["42*"], "file_drop": true } ],
 *   "outbox_dir": "./outbox/referrals", "max_attempts": 6, "backoff_ms": 30000, "monthly_cron": "0 8 1 * *" }
 * ```
 * `regions`: insured regions (insu_admdvs) the department receives; `"42*"` is a prefix, `"*"` all.
 * `full_id`: the department is authorised to receive full ID numbers and names (otherwise masked).
 */
export interface DepartmentConfig {
  id: string;
  department: 'civil_affairs' | 'agri_rural' | string;
  regions: string[];
  webhook?: { url: string; secret: string };
  file_drop: boolean;
  full_id: boolean;
}

export interface ReferralsConfig {
  departments: DepartmentConfig[];
  outbox_dir: string;
  max_attempts: number;
  backoff_ms: number;
  monthly_cron: string;
}

export const DEPARTMENT_ZH: Record<string, string> = { civil_affairs: '民政部门', agri_rural: '农业农村部门' };

export const REFERRALS_SCHEMA: JsonSchema = {
  type: 'object', additionalProperties: false,
  properties: {
    departments: {
      type: 'array', maxItems: 1000, default: [],
      items: {
        type: 'object', additionalProperties: false, required: ['department'],
        properties: {
          id: { type: 'string', pattern: '^[^:\\s]{1,80}$', errorMessage: "不能含冒号或空格 (no ':' or spaces)" },
          department: { type: 'string', minLength: 1, maxLength: 40 },
          regions: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^([0-9]{1,12}\\*?|\\*)$' }, default: ['*'] },
          webhook: {
            type: 'object', additionalProperties: false, required: ['url'],
            properties: { url: { type: 'string', pattern: '^https?://' }, secret: { type: 'string', minLength: 1 }, secret_env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
          },
          file_drop: { type: 'boolean' },
          full_id: { type: 'boolean', default: false },
        },
      },
    },
    outbox_dir: { type: 'string', minLength: 1, default: './outbox/referrals' },
    max_attempts: { type: 'integer', minimum: 1, maximum: 100, default: 6 },
    backoff_ms: { type: 'integer', minimum: 0, maximum: 86_400_000, default: 30_000 },
    monthly_cron: { type: 'string', minLength: 1, default: '0 8 1 * *' },
  },
};

export function referralsConfig(config: FundwatchConfig = {}, env: NodeJS.ProcessEnv = process.env): ReferralsConfig {
  const s = checkSection<Omit<ReferralsConfig, 'departments'> & { departments: Record<string, unknown>[] }>(config, 'referrals', REFERRALS_SCHEMA);
  const departments = s.departments.map((d, i): DepartmentConfig => {
    const where = `referrals.departments[${i}]`;
    const department = d.department as string;
    const regions = d.regions as string[];
    const id = (d.id as string | undefined) ?? `${department}-${regions[0] === '*' ? 'all' : regions[0].replace('*', '')}`;
    let webhook: DepartmentConfig['webhook'];
    const w = d.webhook as { url: string; secret?: string; secret_env?: string } | undefined;
    if (w) {
      const secret = w.secret ?? (w.secret_env ? env[w.secret_env] : undefined);
      if (!secret) throw new Error(`配置项 ${where}.webhook 缺少签名密钥 (secret or secret_env with a value is required)`);
      webhook = { url: w.url, secret };
    }
    const file_drop = Boolean(d.file_drop ?? !webhook);
    return { id, department, regions, webhook, file_drop, full_id: Boolean(d.full_id) };
  });
  const ids = new Set<string>();
  for (const d of departments) {
    if (ids.has(d.id)) throw new Error(`配置项 referrals.departments 中 id 重复 (duplicate id): ${d.id}`);
    ids.add(d.id);
  }
  return { ...s, departments };
}

/** SQL condition: does region column `col` belong to the department? */
export function regionMatchSql(d: DepartmentConfig, col: string): string {
  if (d.regions.includes('*')) return 'TRUE';
  const parts = d.regions.map((r) => (r.endsWith('*') ? `starts_with(${col}, '${esc(r.slice(0, -1))}')` : `${col} = '${esc(r)}'`));
  return `(${parts.join(' OR ')})`;
}

function esc(s: string): string {
  return s.replace(/'/g, "''");
}
