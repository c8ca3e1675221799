import type { FastifyInstance } from 'fastify';
import { Queue } from 'bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { ServerDeps } from '../context.ts';
import { connectionOptions } from '../../pipeline/queue/redis.ts';
import { inspectionQueueName } from '../../pipeline/queue/names.ts';
import { NIGHTLY_QUEUE } from '../../pipeline/nightly/scheduler.ts';

/** Bull Board at /admin/queues; the onRequest hook lets only admins in (its routes name no action, and a route without one is refused). */
export async function registerBullBoard(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  const regions = await deps.store.all<{ admdvs: string }>('SELECT DISTINCT admdvs FROM cases ORDER BY admdvs');
  const names = [NIGHTLY_QUEUE, ...regions.map((r) => inspectionQueueName(r.admdvs))];
  const queues = names.map((n) => new Queue(n, { connection: connectionOptions(deps.redis), prefix: deps.redis.prefix }));
  const adapter = new FastifyAdapter();
  adapter.setBasePath('/admin/queues');
  // Read-only: DuckDB decides what is queued (a retry or removal here would be undone by reconcile), and its UI
  // sends no CSRF token.
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })), serverAdapter: adapter as never });
  await app.register(adapter.registerPlugin(), { prefix: '/admin/queues' });
  app.addHook('onClose', async () => {
    await Promise.all(queues.map((q) => q.close()));
  });
}
