import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/**
 * Integration tests need a real Redis. Use TEST_REDIS_URL or 127.0.0.1:6379 when one answers; otherwise start a
 * throw-away redis-server on a free port for this run, so `npm test` works on a machine with redis-server installed.
 */
async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

let child: ChildProcess | undefined;

export async function setup(): Promise<void> {
  const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await answers(url)) {
    process.env.TEST_REDIS_URL = url;
    return;
  }
  const port = await freePort();
  child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  child.on('error', (err) => {
    throw new Error(
      `no Redis answers at ${url} and redis-server could not be started (${err.message}); install redis-server or set TEST_REDIS_URL`,
    );
  });
  const started = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !(await answers(started)); i++) await new Promise((r) => setTimeout(r, 100));
  process.env.TEST_REDIS_URL = started;
}

export async function teardown(): Promise<void> {
  child?.kill();
}
