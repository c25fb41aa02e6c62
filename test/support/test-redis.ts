import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';

/** The real Redis of this run: the one the global set-up (`test/setup/redis.ts`) found or started. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestRedis {
  /** Every key the file writes starts with it (`twtest:<random>:`), so files running side by side never meet. */
  readonly prefix: string;
  /** The file's connection, opened on first use. */
  readonly redis: Redis;
  /** A prefix of its own under `prefix`: an empty keyspace for one test, cleaned with the rest. */
  fresh(): string;
  /** Another connection (a second replica's), closed with the rest. */
  connect(): Redis;
}

/**
 * A real Redis for one test file under a random key prefix. Call it at the top of the file: once the file's tests
 * are done, every key under the prefix is deleted and the connections it opened are closed.
 */
export function testRedis(): TestRedis {
  const prefix = `twtest:${randomBytes(4).toString('hex')}:`;
  const opened: Redis[] = [];
  let main: Redis | undefined;
  const connect = () => {
    const conn = new Redis(REDIS_URL);
    opened.push(conn);
    return conn;
  };
  afterAll(async () => {
    // Nothing opened, nothing written; a connection a test ended itself is not closed twice.
    if (!opened.length) return;
    const cleaner = connect();
    const left = await cleaner.keys(`${prefix}*`);
    if (left.length) await cleaner.del(...left);
    await Promise.all(opened.filter((c) => c.status !== 'end').map((c) => c.quit()));
  });
  return {
    prefix,
    get redis() {
      main ??= connect();
      return main;
    },
    fresh: () => `${prefix}${randomBytes(3).toString('hex')}:`,
    connect,
  };
}
