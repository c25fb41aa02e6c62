import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { InProcessTurnQueue } from '../../../../src/platform/queue/in-process-queue.js';
import type { TurnJob } from '../../../../src/platform/queue/types.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { MemoryDedupeStore } from '../../../../src/platform/store/memory/memory-stores.js';

const job = (id: string, threadTs: string): TurnJob => ({
  id,
  key: { teamId: 'T', channel: 'C', threadTs },
  isDm: false,
  userId: 'U',
  messageTs: id,
  text: id,
  receivedAt: 0,
});
/** A promise the test resolves when it wants: jobs wait on it instead of on time. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { opened, open };
}
/** Lets everything already scheduled run (promise callbacks and I/O), without waiting for any time to pass. */
const settle = () => new Promise((r) => setImmediate(r));

describe('turn queue', () => {
  it('answers two messages of one thread in arrival order, one at a time', async () => {
    const log: string[] = [];
    const first = gate();
    const q = new InProcessTurnQueue(
      async (j) => {
        log.push(`start ${j.id}`);
        if (j.id === 'a') await first.opened;
        log.push(`end ${j.id}`);
      },
      10,
      pino({ level: 'silent' }),
    );
    await q.enqueue(job('a', '1'));
    await q.enqueue(job('b', '1'));
    await settle();
    // b is free to start as far as concurrency goes; only its thread's order holds it back.
    expect(log).toEqual(['start a']);
    first.open();
    await q.close(1000);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('runs different threads concurrently up to the limit', async () => {
    let running = 0;
    let peak = 0;
    const busy = gate();
    const q = new InProcessTurnQueue(
      async () => {
        peak = Math.max(peak, ++running);
        await busy.opened;
        running--;
      },
      3,
      pino({ level: 'silent' }),
    );
    for (let i = 0; i < 10; i++) await q.enqueue(job(`j${i}`, String(i)));
    expect(await q.depth()).toBe(10);
    await settle();
    expect(running).toBe(3);
    busy.open();
    await q.close(2000);
    expect(peak).toBe(3);
    expect(await q.depth()).toBe(0);
  });

  it('refuses new work once closing, so the caller can answer 5xx', async () => {
    const q = new InProcessTurnQueue(async () => {}, 1, pino({ level: 'silent' }));
    await q.close(10);
    await expect(q.enqueue(job('x', '1'))).rejects.toThrow(/shutting down/);
  });

  it('runs a message delivered twice (app_mention + message, or a retry) once', async () => {
    const ran: string[] = [];
    const dedupe = new MemoryDedupeStore(storeKeys('t:'));
    const q = new InProcessTurnQueue(
      async (j) => {
        ran.push(j.id);
      },
      10,
      pino({ level: 'silent' }),
      (id, ttl) => dedupe.claim(id, ttl),
    );
    const once = { messageId: 'msg:T:C:1.1', ttlSeconds: 60 };
    expect(await q.enqueue(job('EvMention', '1.1'), { once })).toEqual({});
    expect(await q.enqueue(job('EvMessage', '1.1'), { once })).toEqual({ duplicate: true });
    await q.close(1_000);
    expect(ran).toEqual(['EvMention']);
  });
});
