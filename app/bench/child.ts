import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** DuckDB memory_limit of every bench child process (peak RSS is measured per process). */
export const BENCH_MEMORY_LIMIT = process.env.FUNDWATCH_BENCH_MEMORY_LIMIT ?? '3GB';

/**
 * Runs one bench child script (`app/bench/<script>`) in its own Node process through the tsx loader and
 * returns the JSON object on the last line of its stdout. A non-zero exit rejects with the last lines of stderr.
 * `echoStderr` passes the child's stderr through as it comes (e.g. phase timings).
 */
export function runBenchChild<T>(script: string, args: string[], label: string, echoStderr = false): Promise<T> {
  const runTs = fileURLToPath(new URL('../cli/run-ts.js', import.meta.url));
  const child = fileURLToPath(new URL(`./${script}`, import.meta.url));
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [runTs, child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c) => (out += c));
    p.stderr.on('data', (c) => {
      err += c;
      if (echoStderr) process.stderr.write(c);
    });
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench child ${label} exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as T);
    });
  });
}
