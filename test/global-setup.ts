import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';

/** Tests talk to the real Redis on 127.0.0.1:6379; start it if it is installed but not running. */
export default async function setup(): Promise<void> {
  if (await redisAnswers()) return;
  try {
    execFileSync('redis-server', ['--daemonize', 'yes', '--port', '6379', '--save', ''], { stdio: 'ignore' });
  } catch {
    throw new Error('Redis is not answering on 127.0.0.1:6379 and redis-server is not installed (apt-get install redis-server)');
  }
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('redis-server was started but does not answer on 127.0.0.1:6379');
}

async function redisAnswers(): Promise<boolean> {
  const r = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}
