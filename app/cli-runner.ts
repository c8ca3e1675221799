import { Writable } from 'node:stream';
import { CommanderError, type Command } from 'commander';
import type { Store } from '../pipeline/store/store.ts';
import type { Principal } from '../pipeline/access/policy.ts';
import { cliInvocation, reportError, UsageError } from './cli/context.ts';
import { buildProgram } from './cli/main.ts';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

function routeOutput(cmd: Command, out: Capture, err: Capture): void {
  cmd.configureOutput({ writeOut: (s) => void out.write(s), writeErr: (s) => void err.write(s) });
  for (const c of cmd.commands) routeOutput(c, out, err);
}

/**
 * Runs a CLI argv forwarded by another process inside this (owner) process: the same commander program,
 * with the owner's open store and captured output. Exit codes as the CLI: 0, 1 failure, 2 bad usage.
 */
export async function runForwardedCli(store: Store, argv: string[], principal: Principal): Promise<{ stdout: string; stderr: string; exit_code: number }> {
  const out = new Capture();
  const err = new Capture();
  const program = await buildProgram();
  routeOutput(program, out, err);
  let exit = 0;
  try {
    await cliInvocation.run({ store, stdout: out, stderr: err, principal }, () => program.parseAsync(argv, { from: 'user' }));
  } catch (e) {
    if (e instanceof CommanderError) {
      exit = e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version' ? 0 : 2;
    } else if (e instanceof UsageError) {
      err.write(`用法错误 usage: ${e.message}\n`);
      exit = 2;
    } else {
      reportError(e, err);
      exit = 1;
    }
  }
  return { stdout: out.text, stderr: err.text, exit_code: exit };
}
