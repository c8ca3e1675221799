import type { Command } from 'commander';
import { existsSync, renameSync } from 'node:fs';
import { resolve } from 'node:path';
import { cliContext, printJsonLine, printLine, UsageError } from '../context.ts';
import { restoreStore } from '../../../pipeline/owner/backup.ts';
import { findLiveOwner } from '../../../pipeline/owner/owner.ts';

/** `fundwatch restore DIR [--force]`: a new database file from a backup (IMPORT DATABASE). Never through the owner. */
export function register(program: Command): void {
  program
    .command('restore')
    .description('从备份恢复数据库 restore the database file from a backup directory (stop `fundwatch serve` first)')
    .argument('<dir>', '备份目录 backup directory')
    .option('--force', '数据库文件已存在时改名保留后恢复 (move an existing database file aside and restore)')
    .action(async (dir: string, opts: { force?: boolean }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const source = resolve(dir);
      if (!existsSync(resolve(source, 'schema.sql'))) throw new UsageError(`不是备份目录（缺少 schema.sql）not a backup directory: ${source}`);
      const owner = await findLiveOwner(ctx.dbPath);
      if (owner) throw new Error(`服务进程 ${owner.pid} 正在使用数据库，请先停止 fundwatch serve (the owner process is running; stop it first)`);
      let movedTo: string | null = null;
      if (existsSync(ctx.dbPath)) {
        if (!opts.force) throw new UsageError(`数据库文件已存在 database file exists: ${ctx.dbPath} (use --force to move it aside)`);
        movedTo = `${ctx.dbPath}.before-restore-${Date.now()}`;
        renameSync(ctx.dbPath, movedTo);
        if (existsSync(`${ctx.dbPath}.wal`)) renameSync(`${ctx.dbPath}.wal`, `${movedTo}.wal`);
      }
      const r = await restoreStore(source, ctx.dbPath);
      if (ctx.json) printJsonLine(ctx, { ...r, previous_file: movedTo });
      else printLine(ctx, `已恢复 restored ${r.tables} 张表 tables, ${r.rows} 行 rows → ${ctx.dbPath}${movedTo ? `（原文件 previous file: ${movedTo}）` : ''}`);
    });
}
