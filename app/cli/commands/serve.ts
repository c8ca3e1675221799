import type { Command } from 'commander';
import { cliContext, logLine, printLine, UsageError } from '../context.ts';
import { cliInvocation } from '../context.ts';
import { Store } from '../../../pipeline/store/store.ts';
import { findLiveOwner } from '../../../pipeline/owner/owner.ts';

/** `fundwatch serve [--port 8080] [--host 127.0.0.1]`: the long-running owner of the database. */
export function register(program: Command): void {
  program
    .command('serve')
    .description('启动服务 run the API, web console, queues and nightly scheduler (owner of the database)')
    .option('--port <port>', '端口 port', '8080')
    .option('--host <host>', '监听地址 listen address', '127.0.0.1')
    .option('--no-scheduler', '不启动夜间调度 do not schedule nightly runs')
    .action(async (opts: { port: string; host: string; scheduler: boolean }, cmd: Command) => {
      const ctx = cliContext(cmd);
      if (cliInvocation.getStore()) throw new UsageError('serve 不能通过服务进程运行 (serve cannot run inside the owner)');
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port 无效 invalid port "${opts.port}"`);
      const owner = await findLiveOwner(ctx.dbPath);
      if (owner) throw new Error(`数据库已由进程 ${owner.pid} 在端口 ${owner.port} 服务 (already served by pid ${owner.pid} on port ${owner.port})`);
      const { startOwnerServer } = await import('../../serve.ts');
      const store = await Store.open(ctx.dbPath);
      const server = await startOwnerServer({ store, dbPath: ctx.dbPath, config: ctx.config(), port, host: opts.host, scheduler: opts.scheduler, log: (m) => logLine(ctx, m) });
      printLine(ctx, `FundWatch 服务已启动 listening on ${server.url}  (控制台 console: ${server.url}/ · API 文档 docs: ${server.url}/docs)`);
      await new Promise<void>((resolveStop) => {
        const stop = () => {
          logLine(ctx, '正在停止服务 shutting down…');
          void server.close().finally(() => {
            store.close();
            resolveStop();
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
