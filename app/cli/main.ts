import { Command, CommanderError } from 'commander';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError, cliContext, cliInvocation, commandPath, reportError } from './context.ts';
import { validateConfig } from '../../pipeline/config-schema.ts';
import { SERVER_SCHEMA } from '../../api/server-config.ts';
import { requireCommand } from '../../pipeline/access/policy.ts';
import { forwardIfOwner } from './forward.ts';

/**
 * `fundwatch` CLI. Each command lives in `commands/<name>.ts` and exports `register(program)`;
 * commands are discovered from that folder so features add commands without touching this file.
 */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('fundwatch')
    .description('FundWatch 医保基金监测 — 医保基金欺诈与异常监测 (medical-insurance fund surveillance)')
    .option('--db <path>', '数据库文件 DuckDB file (env FUNDWATCH_DB)', process.env.FUNDWATCH_DB || './fundwatch.duckdb')
    .option('--config <path>', '配置文件 config file (default ./fundwatch.config.json if present)')
    .option('--json', '以 JSON 输出 machine-readable output (JSON Lines for lists)')
    .option('--user <name>', '以该用户身份登录 sign in as this user (password from FUNDWATCH_PASSWORD or the terminal; else the API token in FUNDWATCH_TOKEN; else the local administrator)')
    .showHelpAfterError()
    .exitOverride();
  // A command forwarded to the owner runs as the user the owner authenticated: the policy decides before it starts
  // (a local command is checked once it has opened the store and signed its user in — context.ts withCliStore).
  program.hook('preAction', async (_root, action) => {
    const who = cliInvocation.getStore()?.principal;
    if (who) requireCommand(who, commandPath(action));
    // The whole config file is checked once, before any command uses a section of it.
    const ctx = cliContext(action);
    if (ctx.configPath) await validateConfig(ctx.config(), { server: SERVER_SCHEMA });
  });
  const dir = fileURLToPath(new URL('./commands/', import.meta.url));
  const all = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
  // Loading every command pulls in exceljs, fastify, bullmq…; the command named on the line is enough
  // (help, or a word that is no command, still loads them all for the listing and the suggestion).
  const named = argv.find((a) => !a.startsWith('-') && all.includes(`${a}.ts`));
  const files = named && !argv.includes('help') ? [`${named}.ts`] : all;
  for (const f of files) {
    const mod = (await import(new URL(`./commands/${f}`, import.meta.url).href)) as {
      register?: (p: Command) => void;
    };
    mod.register?.(program);
  }
  return program;
}

export async function runCli(): Promise<void> {
  // Everything FundWatch writes — the database and its WAL, backups, reports, referral files, ingest copies — holds
  // personal data: readable by the owning account only.
  process.umask(0o077);
  // `fundwatch alerts --json | head -1`: the reader went away; stop quietly instead of crashing on EPIPE.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  // A live owner (`fundwatch serve`) holds the database: run the command there (app/cli/forward.ts).
  let forwarded: number | null;
  try {
    forwarded = await forwardIfOwner(process.argv.slice(2));
  } catch (err) {
    reportError(err);
    process.exit(1);
  }
  if (forwarded !== null) process.exit(forwarded);
  const program = await buildProgram(process.argv.slice(2));
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        process.exit(0);
      }
      process.exit(2);
    }
    if (err instanceof UsageError) {
      process.stderr.write(`用法错误 usage: ${err.message}\n`);
      process.exit(2);
    }
    reportError(err);
    process.exit(1);
  }
}
