import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RedisSettings } from '../../pipeline/queue/redis.ts';

/** Each test its own queue prefix on the real Redis; `cleanup` deletes every key under it. */
export function testRedis(): { settings: RedisSettings; deleteKeys: () => Promise<number>; cleanup: () => Promise<void> } {
  const settings: RedisSettings = { host: '127.0.0.1', port: 6379, db: 0, prefix: `fwtest-${randomUUID().slice(0, 8)}` };
  const deleteKeys = async () => {
    const r = new Redis({ host: settings.host, port: settings.port, db: settings.db });
    let n = 0;
    try {
      let cursor = '0';
      do {
        const [next, keys] = await r.scan(cursor, 'MATCH', `${settings.prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) n += await r.del(...keys);
      } while (cursor !== '0');
    } finally {
      r.disconnect();
    }
    return n;
  };
  return { settings, deleteKeys, cleanup: async () => void (await deleteKeys()) };
}
