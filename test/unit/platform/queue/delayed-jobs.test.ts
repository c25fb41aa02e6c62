import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InProcessDelayedJobs } from '../../../../src/platform/queue/delayed-jobs.js';

afterEach(() => vi.useRealTimers());

describe('in-process delayed jobs (no REDIS_URL)', () => {
  it('runs each job once when due, keeps the first of two schedules with one id, and drops cancelled ones', async () => {
    vi.useFakeTimers({ now: 0 });
    const ran: string[] = [];
    const jobs = new InProcessDelayedJobs<string>(async (d) => void ran.push(d), pino({ level: 'silent' }));
    await jobs.schedule('a', 3_000, 'first');
    await jobs.schedule('a', 1_000, 'second');
    await jobs.schedule('b', 6_000, 'b');
    await jobs.schedule('c', 2_000, 'c');
    jobs.start();
    await jobs.cancel('c');
    await vi.advanceTimersByTimeAsync(2_999);
    expect(ran).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(ran).toEqual(['first']);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(ran).toEqual(['first', 'b']);
    await jobs.close();
  });

  it('a fractional-minute SLA (0.05 min) falls due after 3 s', async () => {
    vi.useFakeTimers({ now: 1_000 });
    const ran: number[] = [];
    const jobs = new InProcessDelayedJobs<number>(async (d) => void ran.push(d), pino({ level: 'silent' }));
    jobs.start();
    await jobs.schedule('sla', 1_000 + 0.05 * 60_000, 1);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(ran).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(ran).toEqual([1]);
  });

  it('a repeating job runs every interval after start, one schedule per id (a second repeat only changes it), until closed', async () => {
    vi.useFakeTimers({ now: 0 });
    const ran: string[] = [];
    const jobs = new InProcessDelayedJobs<string>(async (d) => void ran.push(d), pino({ level: 'silent' }));
    await jobs.repeat('tick', 60_000, 'old');
    await jobs.repeat('tick', 60_000, 'tick');
    jobs.start();
    await vi.advanceTimersByTimeAsync(59_999);
    expect(ran).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(ran).toEqual(['tick']);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(ran).toEqual(['tick', 'tick', 'tick']);
    await jobs.close();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(ran).toHaveLength(3);
  });
});
