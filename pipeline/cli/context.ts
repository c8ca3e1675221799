import { existsSync } from 'node:fs';
import type { Command } from 'commander';

export interface CliContext {
  dbPath: string;
  configPath: string | undefined;
  json: boolean;
}

/** The global options (`--db`, `--config`, `--json`), accepted after any command. */
export function cliContext(cmd: Command): CliContext {
  const o = cmd.optsWithGlobals() as { db?: string; config?: string; json?: boolean };
  const configPath = o.config ?? (existsSync('./fundwatch.config.json') ? './fundwatch.config.json' : undefined);
  return { dbPath: o.db ?? process.env.FUNDWATCH_DB ?? './fundwatch.duckdb', configPath, json: Boolean(o.json) };
}

/** Bad usage: exit code 2. */
export class UsageError extends Error {}

/** Prints one JSON value per line (JSON Lines); bigint-safe. */
export function printJsonLine(value: unknown): void {
  process.stdout.write(JSON.stringify(value, jsonReplacer) + '\n');
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

export function reportError(err: unknown): void {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`错误 error: ${msg}\n`);
  if (process.env.FUNDWATCH_DEBUG && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
}
