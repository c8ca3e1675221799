import { createInterface } from 'node:readline';
import type { Credentials } from '../../pipeline/access/identity.ts';

export class CredentialsError extends Error {}

/**
 * How the CLI user signs in: `--user NAME` with the password from FUNDWATCH_PASSWORD or typed at the terminal,
 * else the API token in FUNDWATCH_TOKEN, else nothing (the local administrator: whoever holds the database file).
 */
export async function readCredentials(user: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Credentials> {
  if (user) return { user, password: env.FUNDWATCH_PASSWORD ?? (await promptPassword(user)) };
  if (env.FUNDWATCH_TOKEN) return { token: env.FUNDWATCH_TOKEN };
  return {};
}

/** `--user NAME` / `--user=NAME` in argv (before commander has parsed it: the CLI forwards argv as given). */
export function userFromArgv(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--user' && argv[i + 1]) return argv[i + 1];
    if (argv[i]!.startsWith('--user=')) return argv[i]!.slice(7);
  }
  return undefined;
}

async function promptPassword(user: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new CredentialsError(`需要 ${user} 的密码：请设置 FUNDWATCH_PASSWORD，或在终端中运行 (password needed: set FUNDWATCH_PASSWORD or run in a terminal)`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
  let prompted = false;
  muted._writeToOutput = (s: string) => {
    if (!prompted) {
      muted.output.write(s);
      prompted = true;
    }
  };
  try {
    return await new Promise<string>((resolve) => rl.question(`${user} 的密码 password: `, resolve));
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}
