import type { Command } from 'commander';
import { cliContext, printJsonLine, printLine, UsageError, withCliStore } from '../context.ts';
import { addUser, createApiToken, listUsers, UserInputError } from '../../../pipeline/access/users.ts';
import { ROLES, ROLE_ZH } from '../../../pipeline/access/roles.ts';

/** `fundwatch users add|list|token`: accounts for the console and API. */
export function register(program: Command): void {
  const users = program.command('users').description('用户与令牌 users and API tokens');

  users.command('add')
    .description('新建用户，生成的密码只显示一次 (create a user; the generated password is printed once)')
    .requiredOption('--name <name>', '登录名 login name')
    .requiredOption('--role <role>', `角色 role: ${ROLES.join(' | ')}`)
    .option('--region <admdvs>', '所属区划 region (civil_affairs: required)')
    .option('--institution <code>', '机构编码 fixmedins_code (institution: required)')
    .action(async (opts: { name: string; role: string; region?: string; institution?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const r = await withCliStore(ctx, (store) => addUser(store, opts, ctx.actor)).catch((e: unknown) => {
        throw e instanceof UserInputError ? new UsageError(e.message) : e;
      });
      if (ctx.json) return printJsonLine(ctx, { ...r.user, password: r.password });
      printLine(ctx, `已创建用户 created ${r.user.user_id}（${ROLE_ZH[r.user.role]} ${r.user.role}）`);
      printLine(ctx, `初始密码 password (只显示这一次 shown once): ${r.password}`);
    });

  users.command('list')
    .description('列出用户 list users')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = cliContext(cmd);
      const rows = await withCliStore(ctx, (store) => listUsers(store));
      for (const u of rows) {
        if (ctx.json) printJsonLine(ctx, u);
        else printLine(ctx, `${u.user_id}\t${u.role}\t${u.region ?? ''}\t${u.institution ?? ''}${u.disabled ? '\t(停用 disabled)' : ''}`);
      }
    });

  users.command('token')
    .description('为系统账号签发 API 令牌，只显示一次 (issue an API token; printed once)')
    .requiredOption('--name <name>', '用户 user')
    .option('--label <label>', '说明 label')
    .action(async (opts: { name: string; label?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const r = await withCliStore(ctx, (store) => createApiToken(store, opts.name, opts.label ?? null, ctx.actor)).catch((e: unknown) => {
        throw e instanceof UserInputError ? new UsageError(e.message) : e;
      });
      if (ctx.json) return printJsonLine(ctx, r);
      printLine(ctx, `API 令牌 token (只显示这一次 shown once): ${r.token}`);
    });
}
