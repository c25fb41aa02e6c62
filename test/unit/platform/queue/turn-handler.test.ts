import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FRESH_PLACE_MS } from '../../../../src/platform/queue/thread-sequencer.js';
import { ADMIT_GRACE_MS, type QueuedTurn, TurnHandler, WAIT_MS } from '../../../../src/platform/queue/turn-handler.js';
import type { TurnJob } from '../../../../src/platform/queue/types.js';
import { FakeThreadSequencer } from '../../../support/fake-thread-sequencer.js';

const LOCK_MS = 3_000;
const key = { teamId: 'T1', channel: 'C1', threadTs: '1700000000.000100' };
const turn = (id: string, messageTs: string): TurnJob => ({
  id,
  key,
  isDm: false,
  userId: 'U1',
  messageTs,
  text: `question ${id}`,
  receivedAt: 0,
});

/** A job as BullMQ hands it over, recording when it was asked to come back. */
const queued = (data: unknown, extra: Partial<QueuedTurn> = {}) => {
  const delays: number[] = [];
  const job: QueuedTurn & { delays: number[] } = {
    id: (data as TurnJob).id,
    data,
    addedAt: Date.now(),
    attemptsMade: 0,
    attempts: 4,
    delayUntil: async (at) => void delays.push(at),
    delays,
    ...extra,
  };
  return job;
};

let seq: FakeThreadSequencer;
let ran: string[];
let over: Set<string>;
const handler = (process?: (job: TurnJob) => Promise<void>) =>
  new TurnHandler(process ?? (async (job) => void ran.push(job.id)), {
    sequencer: seq,
    lockMs: LOCK_MS,
    instance: 'replica-b',
    isOver: async (_key, jobId) => over.has(jobId),
    log: pino({ level: 'silent' }),
  });

beforeEach(() => {
  vi.useFakeTimers();
  seq = new FakeThreadSequencer();
  ran = [];
  over = new Set();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the queue decides when a turn runs', () => {
  it('runs a turn that heads its line, then takes it out of the line and frees the thread', async () => {
    const a = turn('Ev1', '1700000000.000200');
    await seq.admit(key, a.id, a.messageTs);

    expect(await handler().handle(queued(a))).toBe('ran');
    expect(ran).toEqual(['Ev1']);
    expect(seq.line(key)).toEqual([]);
    expect(seq.holder(key)).toBeUndefined();
  });

  it('drops a job it cannot read instead of running something made up', async () => {
    const job = queued({ id: 'Ev1', key, text: 42 });
    expect(await handler().handle(job)).toBe('dropped');
    expect(ran).toEqual([]);
    expect(job.delays).toEqual([]);
  });

  it('keeps a later message waiting behind an earlier one of the same thread', async () => {
    const first = turn('Ev1', '1700000000.000200');
    const second = turn('Ev2', '1700000000.000300');
    // The follow-up's event arrived first; its place is still after the message written before it.
    await seq.admit(key, second.id, second.messageTs);
    await seq.admit(key, first.id, first.messageTs);

    const job = queued(second);
    expect(await handler().handle(job)).toBe('delayed');
    expect(job.delays).toEqual([expect.any(Number)]);
    expect(job.delays[0]! - Date.now()).toBeGreaterThanOrEqual(WAIT_MS);
    expect(job.delays[0]! - Date.now()).toBeLessThan(2 * WAIT_MS);
    expect(await handler().handle(queued(first))).toBe('ran');
    expect(await handler().handle(queued(second))).toBe('ran');
    expect(ran).toEqual(['Ev1', 'Ev2']);
  });

  it('moves the line past a head whose job is over, so the thread does not stay stuck', async () => {
    const gone = turn('Ev1', '1700000000.000200');
    const next = turn('Ev2', '1700000000.000300');
    await seq.admit(key, gone.id, gone.messageTs);
    await seq.admit(key, next.id, next.messageTs);
    over.add('Ev1');
    vi.advanceTimersByTime(FRESH_PLACE_MS);

    expect(await handler().handle(queued(next))).toBe('delayed');
    expect(seq.line(key)).toEqual(['Ev2']);
    expect(await handler().handle(queued(next))).toBe('ran');
  });

  it('keeps a place written a moment ago though its job is not there yet (the add is still on its way)', async () => {
    const first = turn('Ev1', '1700000000.000200');
    const next = turn('Ev2', '1700000000.000300');
    await seq.admit(key, first.id, first.messageTs);
    await seq.admit(key, next.id, next.messageTs);
    over.add('Ev1'); // what the queue says of a job it does not have yet

    expect(await handler().handle(queued(next))).toBe('delayed');
    expect(seq.line(key)).toEqual(['Ev1', 'Ev2']);
  });

  it('does not drop a head that is still waiting or running', async () => {
    await seq.admit(key, 'Ev1', '1700000000.000200');
    await seq.admit(key, 'Ev2', '1700000000.000300');
    expect(await handler().handle(queued(turn('Ev2', '1700000000.000300')))).toBe('delayed');
    expect(seq.line(key)).toEqual(['Ev1', 'Ev2']);
  });

  it('runs a job picked up a moment before its place in line was written, without parking it', async () => {
    const a = turn('Ev1', '1700000000.000200');
    setTimeout(() => void seq.admit(key, a.id, a.messageTs), 8);

    const handled = handler().handle(queued(a));
    await vi.advanceTimersByTimeAsync(50);
    expect(await handled).toBe('ran');
  });

  it('places a job that lost its place in line (Redis failed after the add) and lets it wait its turn', async () => {
    await seq.admit(key, 'Ev1', '1700000000.000200');
    const late = turn('Ev0', '1700000000.000100');
    const job = queued(late, { addedAt: Date.now() - ADMIT_GRACE_MS - 1 });

    expect(await handler().handle(job)).toBe('delayed');
    // Its message was written first, so it now heads the line.
    expect(seq.line(key)).toEqual(['Ev0', 'Ev1']);
    expect(await handler().handle(job)).toBe('ran');
  });

  it('waits while a dead replica still holds the thread, and takes its turn over once that lock lapses', async () => {
    const a = turn('Ev1', '1700000000.000200');
    await seq.admit(key, a.id, a.messageTs);
    // Replica A took the turn and died without releasing the lock.
    expect(await seq.tryRun(key, a.id, 'replica-a:attempt-1', LOCK_MS)).toEqual({ kind: 'run' });

    const retry = queued(a, { attemptsMade: 1 });
    expect(await handler().handle(retry)).toBe('delayed');
    expect(ran).toEqual([]);
    await vi.advanceTimersByTimeAsync(LOCK_MS + 1);
    expect(await handler().handle(retry)).toBe('ran');
    expect(ran).toEqual(['Ev1']);
  });

  it('keeps the thread locked for a long turn by renewing the lock, so no second attempt runs alongside', async () => {
    const a = turn('Ev1', '1700000000.000200');
    await seq.admit(key, a.id, a.messageTs);
    let finish!: () => void;
    const long = handler(() => new Promise<void>((resolve) => (finish = resolve)));
    const running = long.handle(queued(a));
    await vi.advanceTimersByTimeAsync(0);
    expect(long.running).toBe(1);

    await vi.advanceTimersByTimeAsync(3 * LOCK_MS);
    // BullMQ thought the first worker stalled and hands the job to another.
    expect(await handler().handle(queued(a, { attemptsMade: 1 }))).toBe('delayed');
    finish();
    expect(await running).toBe('ran');
    expect(long.running).toBe(0);
    expect(seq.line(key)).toEqual([]);
  });

  it('keeps a failed turn in line for its retry, and lets the line move on after the last attempt', async () => {
    const a = turn('Ev1', '1700000000.000200');
    await seq.admit(key, a.id, a.messageTs);
    const failing = handler(async () => {
      throw new Error('Slack is down');
    });

    await expect(failing.handle(queued(a, { attemptsMade: 0, attempts: 2 }))).rejects.toThrow('Slack is down');
    expect(seq.line(key)).toEqual(['Ev1']);
    expect(seq.holder(key)).toBeUndefined();
    await expect(failing.handle(queued(a, { attemptsMade: 1, attempts: 2 }))).rejects.toThrow('Slack is down');
    expect(seq.line(key)).toEqual([]);
  });
});
