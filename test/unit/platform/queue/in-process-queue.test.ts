import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { InProcessTurnQueue } from '../../../../src/platform/queue/in-process-queue.js';
import type { TurnJob } from '../../../../src/platform/queue/types.js';

const job = (id: string, threadTs: string): TurnJob => ({
  id,
  key: { teamId: 'T', channel: 'C', threadTs },
  isDm: false,
  userId: 'U',
  messageTs: id,
  text: id,
  receivedAt: 0,
});
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('turn queue', () => {
  it('answers two messages of one thread in arrival order, one at a time', async () => {
    const log: string[] = [];
    const q = new InProcessTurnQueue(
      async (j) => {
        log.push(`start ${j.id}`);
        await tick(j.id === 'a' ? 30 : 1);
        log.push(`end ${j.id}`);
      },
      10,
      pino({ level: 'silent' }),
    );
    await q.enqueue(job('a', '1'));
    await q.enqueue(job('b', '1'));
    await q.close(1000);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('runs different threads concurrently up to the limit', async () => {
    let running = 0;
    let peak = 0;
    const q = new InProcessTurnQueue(
      async () => {
        peak = Math.max(peak, ++running);
        await tick(10);
        running--;
      },
      3,
      pino({ level: 'silent' }),
    );
    for (let i = 0; i < 10; i++) await q.enqueue(job(`j${i}`, String(i)));
    expect(await q.depth()).toBe(10);
    await q.close(2000);
    expect(peak).toBe(3);
    expect(await q.depth()).toBe(0);
  });

  it('refuses new work once closing, so the caller can answer 5xx', async () => {
    const q = new InProcessTurnQueue(async () => {}, 1, pino({ level: 'silent' }));
    await q.close(10);
    await expect(q.enqueue(job('x', '1'))).rejects.toThrow(/shutting down/);
  });
});
