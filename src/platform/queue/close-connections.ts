import type { Queue } from 'bullmq';
import { settlesWithin } from '../../lib/deadline.js';
import type { RedisClient } from '../store/redis-client.js';

/** How long one closing step may take before its connection is cut: a stop must end even when Redis does not answer. */
export const CLOSE_STEP_MS = 2_000;

/** Closes a BullMQ queue and then its connections, each bounded: an unanswered QUIT becomes a disconnect. */
export async function closeQueueConnections(queue: Queue, connections: RedisClient[]): Promise<void> {
  await settlesWithin(queue.close(), CLOSE_STEP_MS);
  for (const conn of connections) if (!(await settlesWithin(conn.quit(), CLOSE_STEP_MS))) conn.disconnect();
}
