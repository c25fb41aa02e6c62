import type { Logger } from 'pino';
import { settlesWithin } from '../../lib/deadline.js';
import {
  type Enqueued,
  type EnqueueOptions,
  QueueUnavailableError,
  type TurnJob,
  type TurnProcessor,
  type TurnQueue,
} from './types.js';

const threadId = (job: TurnJob) => `${job.key.teamId}:${job.key.channel}:${job.key.threadTs}`;

/**
 * Runs turns in this process: one at a time per thread (in arrival order), up to `concurrency` threads at once.
 * Lost on a crash; the Redis-backed queue is the durable twin with the same interface.
 */
export class InProcessTurnQueue implements TurnQueue {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly waiting: Array<() => void> = [];
  private running = 0;
  private queued = 0;
  private closed = false;

  constructor(
    private readonly process: TurnProcessor,
    private readonly concurrency: number,
    private readonly log: Logger,
    /** Claims a message once (the in-memory dedupe store): `once` in enqueue. */
    private readonly claim: (messageId: string, ttlSeconds: number) => Promise<boolean> = async () => true,
  ) {}

  start(): void {
    // Jobs run as they arrive; nothing to pull.
  }

  async enqueue(job: TurnJob, opts: EnqueueOptions = {}): Promise<Enqueued> {
    if (this.closed) throw new QueueUnavailableError('queue is shutting down');
    if (opts.once && !(await this.claim(opts.once.messageId, opts.once.ttlSeconds))) return { duplicate: true };
    const id = threadId(job);
    // Every slot busy: this turn starts after the ones already waiting for a slot.
    const position = this.running >= this.concurrency ? this.waiting.length + 1 : undefined;
    this.queued++;
    const previous = this.chains.get(id) ?? Promise.resolve();
    const next = previous.then(() => this.run(job));
    this.chains.set(id, next);
    void next.finally(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
    return position === undefined ? {} : { position };
  }

  private async run(job: TurnJob): Promise<void> {
    await this.slot();
    try {
      await this.process(job);
    } catch (err) {
      this.log.error({ err, job: job.id }, 'turn failed unexpectedly');
    } finally {
      this.queued--;
      // Hand the slot straight to the next waiter so a newcomer cannot slip in between.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  private async slot(): Promise<void> {
    if (this.running < this.concurrency) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  async depth(): Promise<number> {
    return this.queued;
  }

  async warmUp(): Promise<void> {
    // Nothing to connect to.
  }

  async ready(): Promise<boolean> {
    return !this.closed;
  }

  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    await settlesWithin(Promise.allSettled([...this.chains.values()]), timeoutMs);
  }
}
