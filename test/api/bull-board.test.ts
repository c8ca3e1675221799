import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { tempStore } from '../helpers.ts';
import { testRedis } from '../queue/redis-test.ts';
import type { Role } from '../../pipeline/access/roles.ts';
import { bearer, seedStore, testServer } from './seed.ts';

describe('Bull Board at /admin/queues', () => {
  let app: FastifyInstance;
  let cleanup: () => void;
  let tokens: Record<Role, string>;
  const redis = testRedis();

  beforeAll(async () => {
    const t = await tempStore();
    cleanup = t.cleanup;
    tokens = (await seedStore(t.store)).tokens;
    app = await testServer(t.store, t.dir, redis.settings, { bullBoard: true });
  });
  afterAll(async () => {
    await app?.close();
    cleanup();
    await redis.cleanup();
  });

  it('admins only: anonymous 401, other roles 403, admin sees the nightly and region queues', async () => {
    expect((await app.inject('/admin/queues')).statusCode).toBe(401);
    for (const role of ['inspector', 'supervisor', 'auditor', 'civil_affairs'] as Role[]) {
      expect((await app.inject({ url: '/admin/queues', headers: bearer(tokens[role]) })).statusCode, role).toBe(403);
    }
    const page = await app.inject({ url: '/admin/queues', headers: bearer(tokens.admin) });
    expect(page.statusCode).toBe(200);
    const api = await app.inject({ url: '/admin/queues/api/queues', headers: bearer(tokens.admin) });
    expect(api.statusCode).toBe(200);
    expect(api.json().queues.map((q: { name: string }) => q.name).sort()).toEqual(['inspection-421000', 'inspection-422000', 'nightly']);
    expect((await app.inject({ url: '/admin/queues/api/queues', headers: bearer(tokens.inspector) })).statusCode).toBe(403);
  });
});
