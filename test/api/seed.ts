import { join } from 'node:path';
import { listValue } from '@duckdb/node-api';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../pipeline/store/store.ts';
import { ClaimFixtures } from '../fixtures/claims.ts';
import { updateCases } from '../../pipeline/cases/update.ts';
import { buildServer, type ServerOptions } from '../../api/server.ts';
import { runForwardedCli } from '../../app/cli-runner.ts';
import { addUser, createApiToken } from '../../pipeline/access/users.ts';
import type { Role } from '../../pipeline/access/roles.ts';
import type { RedisSettings } from '../../pipeline/queue/redis.ts';
import type { FundwatchConfig } from '../../pipeline/config.ts';

export const USERS: { name: string; role: Role; region?: string; institution?: string }[] = [
  { name: 'insp', role: 'inspector' },
  { name: 'expert1', role: 'expert' },
  { name: 'super1', role: 'supervisor' },
  { name: 'admin1', role: 'admin' },
  { name: 'audit1', role: 'auditor' },
  { name: 'civil421', role: 'civil_affairs', region: '421000' },
  { name: 'inst-h1', role: 'institution', institution: 'H1' },
];

/**
 * Claims for three providers in two regions, alerts pointing at exact fee lines, the cases updateCases makes
 * of them, two referrals (one per region) and one user (+ API token) per role.
 *   H1 (421000): alert A1 on F1 (120.00) and A2 on F2 (30.50) → provider case, 150.50
 *   H3 (422000): alert A3 on F5 (999.00) → provider case, 999.00
 *   P1 person (421000): alert A4 on F3 (45.00) → person case, 45.00
 */
export async function seedStore(store: Store): Promise<{ cases: Record<string, string>; tokens: Record<Role, string>; passwords: Record<string, string> }> {
  const c = new ClaimFixtures(store);
  c.person({ psn_no: 'P1', psn_name: '张三丰', certno: '110101199003074514', insu_admdvs: '421000' });
  c.person({ psn_no: 'P2', psn_name: '李四', certno: '420102198501011234', insu_admdvs: '422000' });
  c.provider({ fixmedins_code: 'H1', fixmedins_name: '第一医院', admdvs: '421000', hosp_lv: '01' });
  c.provider({ fixmedins_code: 'H2', fixmedins_name: '第二医院', admdvs: '421000', hosp_lv: '01' });
  c.provider({ fixmedins_code: 'H3', fixmedins_name: '第三医院', admdvs: '422000', hosp_lv: '01' });
  c.visit({ mdtrt_id: 'V1', psn_no: 'P1', fixmedins_code: 'H1', begntime: '2026-01-05 09:00:00' });
  c.visit({ mdtrt_id: 'V2', psn_no: 'P1', fixmedins_code: 'H2', begntime: '2026-01-12 09:00:00' });
  c.visit({ mdtrt_id: 'V3', psn_no: 'P2', fixmedins_code: 'H3', begntime: '2026-01-07 09:00:00' });
  c.fee({ feedetl_sn: 'F1', mdtrt_id: 'V1', setl_id: 'S1', cnt: 2, pric: 60 });
  c.fee({ feedetl_sn: 'F2', mdtrt_id: 'V1', setl_id: 'S1', cnt: 1, pric: 30.5 });
  c.fee({ feedetl_sn: 'F6', mdtrt_id: 'V1', setl_id: 'S1', cnt: 1, pric: 8 });
  c.fee({ feedetl_sn: 'F3', mdtrt_id: 'V2', setl_id: 'S2', cnt: 3, pric: 15 });
  c.fee({ feedetl_sn: 'F4', mdtrt_id: 'V2', setl_id: 'S2', cnt: 1, pric: 5 });
  c.fee({ feedetl_sn: 'F5', mdtrt_id: 'V3', setl_id: 'S3', cnt: 1, pric: 999 });
  c.settlement({ setl_id: 'S1', mdtrt_id: 'V1' });
  c.settlement({ setl_id: 'S2', mdtrt_id: 'V2' });
  c.settlement({ setl_id: 'S3', mdtrt_id: 'V3' });
  await c.flush();

  const alerts: [string, string, string, string | null, string, string[], number][] = [
    ['A1', 'provider', 'H1', null, '421000', ['F1'], 120],
    ['A2', 'provider', 'H1', null, '421000', ['F2'], 30.5],
    ['A3', 'provider', 'H3', null, '422000', ['F5'], 999],
    ['A4', 'person', 'H2', 'P1', '421000', ['F3'], 45],
  ];
  for (const [id, subject, fix, psn, admdvs, lines, amount] of alerts) {
    await store.run(
      `INSERT INTO alerts (alert_id, run_id, last_run_id, family, detector_id, detector_version, gz_code, result_type, title_zh,
         subject_type, psn_no, fixmedins_code, bilg_dr_codg, mdtrt_id, setl_id, feedetl_sn, admdvs, measured, threshold, peer,
         amount_at_risk, params, params_hash, legal_basis, activity_date, status, status_reason, created_at, updated_at)
       VALUES ($1, 'R1', 'R1', 'billing', 'gender_restricted_item', 1, 'GZ-T', 'violation', '限性别项目', $2, $3,
         CASE WHEN $2 = 'person' THEN NULL ELSE $4 END, NULL, NULL, NULL, $5, $6, '{"n": 1}', '{"max": 0}', NULL,
         $7, '{}', 'h', '《医疗保障基金使用监督管理条例》第三十八条', DATE '2026-01-05', 'open', NULL, now(), now())`,
      [id, subject, psn, fix, listValue(lines), admdvs, amount],
    );
  }
  await updateCases(store, { runId: 'R1' });
  const rows = await store.all<{ case_id: string; key: string }>(
    `SELECT case_id, coalesce(psn_no, fixmedins_code) AS key FROM cases ORDER BY key`,
  );
  const cases = Object.fromEntries(rows.map((r) => [r.key, r.case_id]));

  for (const [rid, psn, name, certno, admdvs] of [['RF1', 'P1', '张三丰', '110101199003074514', '421000'], ['RF2', 'P2', '李四', '420102198501011234', '422000']]) {
    await store.run(
      `INSERT INTO referrals VALUES ($1, 'R1', '2026-01', 'ytd', 1, $2, $3, $4, $5, 'subsistence', 5000, 20000, 12000, 1000, 500, 6500, 6500, 2, ['J18.900'], NULL, NULL, now())`,
      [rid!, psn!, name!, certno!, admdvs!],
    );
    await store.run(`INSERT INTO referral_deliveries (referral_id, department_id, department, channels, status, created_at) VALUES ($1, $2, 'civil_affairs', ['webhook'], 'pending', now())`, [rid!, `civil_affairs-${admdvs}`]);
  }

  const tokens = {} as Record<Role, string>;
  const passwords: Record<string, string> = {};
  for (const u of USERS) {
    const r = await addUser(store, u, 'test');
    passwords[u.name] = r.password;
    tokens[u.role] = (await createApiToken(store, u.name, 'test', 'test')).token;
  }
  return { cases, tokens, passwords };
}

export async function testServer(store: Store, dir: string, redis: RedisSettings, opts: ServerOptions & { config?: FundwatchConfig; localToken?: string; evidenceStale?: () => void } = {}): Promise<FastifyInstance> {
  return buildServer(
    { store, config: { redis: { prefix: redis.prefix }, ...(opts.config ?? {}) }, redis, dbPath: join(dir, 'test.duckdb'), inboxDir: join(dir, 'inbox'), localToken: opts.localToken, evidenceStale: opts.evidenceStale,
      runCommand: (argv, who) => runForwardedCli(store, argv, who) },
    { loginLimits: opts.loginLimits, bullBoard: opts.bullBoard ?? false },
  );
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
