import type { Command } from 'commander';
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { cliContext, printJsonLine, printLine, UsageError, withCliStore } from '../context.ts';
import { backupStore } from '../../../pipeline/owner/backup.ts';

/** `fundwatch backup DIR`: a consistent copy (EXPORT DATABASE), through the owner when one runs. */
export function register(program: Command): void {
  program
    .command('backup')
    .description('备份数据库 consistent backup of the store into DIR (DuckDB EXPORT DATABASE, parquet)')
    .argument('<dir>', '备份目录（须不存在或为空）backup directory (must not exist or be empty)')
    .action(async (dir: string, _o: unknown, cmd: Command) => {
      const ctx = cliContext(cmd);
      const target = resolve(dir);
      if (existsSync(target) && readdirSync(target).length > 0) throw new UsageError(`备份目录不为空 backup directory is not empty: ${target}`);
      const r = await withCliStore(ctx, (store) => backupStore(store, target, ctx.actor));
      if (ctx.json) printJsonLine(ctx, r);
      else printLine(ctx, `已备份 backed up ${r.tables} 张表 tables, ${r.rows} 行 rows → ${r.dir}`);
    });
}
