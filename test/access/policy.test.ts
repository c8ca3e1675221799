import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../app/cli/main.ts';
import { ACTIONS, AccessDenied, COMMAND_ACTIONS, LOCAL_ADMIN, requireCloser, requireCommand, requireCaseWorker, scopeRegion, type Principal } from '../../pipeline/access/policy.ts';
import { ROLES } from '../../pipeline/access/roles.ts';
import { maskRaw } from '../../pipeline/access/mask.ts';

const user = (role: Principal['role'], extra: Partial<Principal> = {}): Principal => ({ user_id: `${role}1`, role, region: null, institution: null, via: 'token', ...extra });

function commandPaths(cmd: Command, prefix = ''): string[] {
  return cmd.commands.flatMap((c) => {
    const path = prefix ? `${prefix} ${c.name()}` : c.name();
    return [path, ...commandPaths(c, path)];
  });
}

describe('the access policy', () => {
  it('names an action for every CLI command (serve and restore run only locally, never forwarded)', async () => {
    const paths = commandPaths(await buildProgram());
    expect(paths.filter((p) => !COMMAND_ACTIONS[p] && !['serve', 'restore'].includes(p))).toEqual([]);
    for (const a of Object.values(COMMAND_ACTIONS)) expect(Object.keys(ACTIONS)).toContain(a);
    for (const a of Object.values(ACTIONS)) for (const r of a) expect(ROLES).toContain(r);
  });

  it('refuses unlisted commands to everyone but the local administrator', () => {
    expect(() => requireCommand(user('admin'), 'serve')).toThrow(AccessDenied);
    expect(() => requireCommand(LOCAL_ADMIN, 'serve')).not.toThrow();
    expect(() => requireCommand(user('auditor'), 'case decide')).toThrow(/cases.work/);
    expect(() => requireCommand(user('auditor'), 'cases')).not.toThrow();
  });

  it('never widens a region: inside yours is allowed, outside is refused, none means yours', () => {
    const p = user('inspector', { region: '4210' });
    expect(scopeRegion(p, '421002')).toBe('421002');
    expect(scopeRegion(p, undefined)).toBe('4210');
    expect(() => scopeRegion(p, '422000')).toThrow(/outside your region/);
    expect(scopeRegion(user('inspector'), '422000')).toBe('422000');
  });

  it('case work: the assignee or a supervisor; four eyes: a supervisor other than the decider', () => {
    const c = { case_id: 'C1', admdvs: '421000', assignee: 'insp1', decided_by: 'insp1', decision: 'confirmed', confirmed_amount: 60000 };
    expect(() => requireCaseWorker(user('inspector', { user_id: 'insp1' }), c, '决定')).not.toThrow();
    expect(() => requireCaseWorker(user('inspector', { user_id: 'insp2' }), c, '决定')).toThrow(/assignee/);
    expect(() => requireCaseWorker(user('expert'), c, '决定')).toThrow(/assignee/);
    expect(() => requireCaseWorker(user('supervisor'), c, '决定')).not.toThrow();
    expect(() => requireCaseWorker(user('supervisor', { region: '422000' }), c, '决定')).toThrow(/region/);
    expect(() => requireCaseWorker(user('inspector', { user_id: 'insp2' }), { ...c, assignee: null }, '决定')).not.toThrow();
    expect(() => requireCloser(user('inspector', { user_id: 'insp1' }), c, 50000)).toThrow(/four eyes/);
    expect(() => requireCloser(user('supervisor', { user_id: 'insp1' }), c, 50000)).toThrow(/closer must not/);
    expect(() => requireCloser(user('supervisor', { user_id: 'sup1' }), c, 50000)).not.toThrow();
    expect(() => requireCloser(user('inspector', { user_id: 'insp1' }), { ...c, confirmed_amount: 100 }, 50000)).not.toThrow();
    expect(() => requireCloser(user('inspector', { user_id: 'insp2' }), { ...c, confirmed_amount: 100 }, 50000)).toThrow(/assignee/);
  });

  it('masks names and ID numbers in rejected rows, by column name and by shape', () => {
    expect(maskRaw('psn_info', { psn_no: 'P1', psn_name: '欧阳娜娜', certno: '11010119900307451X', tel: '13800000000' })).toEqual({
      psn_no: 'P1', psn_name: '欧***', certno: '110101********451X', tel: '13800000000',
    });
    expect(maskRaw('fee_list_d', { hilist_name: '阿莫西林胶囊', note: '身份证 110101199003074514' })).toEqual({ hilist_name: '阿莫西林胶囊', note: '身份证 110101********4514' });
    expect(maskRaw('psn_info', { csv_line: 'P2,"王小明,420102198501011234' })).toEqual({ csv_line: 'P2,"王**,420102********1234' });
    expect(maskRaw('mdtrt_d', { csv_line: 'V1,P2,"感冒' })).toEqual({ csv_line: 'V1,P2,"感冒' });
  });
});
