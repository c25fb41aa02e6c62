import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { settlesWithin } from '../../lib/deadline.js';
import type { ConnectionOptions, RedisClient } from '../store/redis-client.js';
import { CLOSE_STEP_MS, closeQueueConnections } from './close-connections.js';

/** Runs a due job; a rejection is retried (BullMQ) or logged (in process). */
export type DueHandler<T> = (data: T) => Promise<void>;

/**
 * Work due at a set time (SLA timers). `schedule` with the same id twice keeps the first; `cancel` drops a job
 * that has not run yet.
 */
export interface DelayedJobs<T> {
  schedule(id: string, dueAt: number, data: T): Promise<void>;
  cancel(id: string): Promise<void>;
  start(): void;
  close(): Promise<void>;
}

export interface BullDelayedJobsOptions<T> {
  /** A new connection to the deployment's Redis (one server, Sentinel or Cluster) with these options. */
  connect: (options: ConnectionOptions) => RedisClient;
  /** BullMQ's key prefix (keys.bull). */
  prefix: string;
  queueName: string;
  /** Data read back from Redis is checked: another version may have written it. */
  schema: z.ZodType<T>;
  log: Logger;
}

/** BullMQ reserves ':' in custom ids. */
const jobIdFor = (id: string) => id.replaceAll(':', '_');

/**
 * Delayed jobs in Redis through BullMQ: they survive restarts (the job waits in Redis, not in a process), and each
 * runs on exactly one replica (BullMQ hands a job to one worker, which holds its lock while it runs).
 */
export class BullDelayedJobs<T> implements DelayedJobs<T> {
  private readonly producer: RedisClient;
  private readonly consumer: RedisClient;
  private readonly queue: Queue;
  private readonly worker: Worker;

  constructor(
    handler: DueHandler<T>,
    private readonly opts: BullDelayedJobsOptions<T>,
  ) {
    const { log } = opts;
    this.producer = opts.connect({ maxRetriesPerRequest: 1 });
    this.consumer = opts.connect({ maxRetriesPerRequest: null });
    for (const conn of [this.producer, this.consumer])
      conn.on('error', (err) => log.debug({ err: { message: err.message } }, 'delayed jobs redis connection problem'));
    this.queue = new Queue(opts.queueName, {
      connection: this.producer,
      prefix: opts.prefix,
      defaultJobOptions: {
        attempts: 5,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: { age: 86_400, count: 10_000 },
        removeOnFail: { age: 7 * 86_400 },
      },
    });
    this.worker = new Worker(
      opts.queueName,
      async (job) => {
        const parsed = opts.schema.safeParse(job.data);
        if (!parsed.success) {
          log.warn({ job: job.id }, 'dropping a delayed job this version cannot read');
          return;
        }
        await handler(parsed.data);
      },
      { connection: this.consumer, prefix: opts.prefix, autorun: false, concurrency: 8 },
    );
    this.queue.on('error', (err) => log.debug({ err: { message: err.message } }, 'delayed jobs queue error'));
    this.worker.on('error', (err) => log.warn({ err: { message: err.message } }, 'delayed jobs worker problem'));
    this.worker.on('failed', (job, err) => log.error({ job: job?.id, err }, 'delayed job failed'));
  }

  async schedule(id: string, dueAt: number, data: T): Promise<void> {
    await this.queue.add(this.opts.queueName, data, { jobId: jobIdFor(id), delay: Math.max(0, dueAt - Date.now()) });
  }

  async cancel(id: string): Promise<void> {
    // A job that is running right now is locked and stays; its handler re-reads the state and does nothing.
    await this.queue.remove(jobIdFor(id)).catch(() => undefined);
  }

  start(): void {
    this.worker.run().catch((err: Error) => this.opts.log.error({ err }, 'delayed jobs worker stopped'));
  }

  async close(): Promise<void> {
    // A due job that is running keeps its lock and runs again elsewhere; a close stuck on a dead connection is cut.
    if (!(await settlesWithin(this.worker.close(), CLOSE_STEP_MS)))
      await settlesWithin(this.worker.disconnect(), CLOSE_STEP_MS);
    await closeQueueConnections(this.queue, [this.producer, this.consumer]);
  }
}

/** Without Redis: timers in this process (lost on restart, like the rest of the in-memory state). */
export class InProcessDelayedJobs<T> implements DelayedJobs<T> {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly pending = new Map<string, { dueAt: number; data: T }>();
  private started = false;

  constructor(
    private readonly handler: DueHandler<T>,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async schedule(id: string, dueAt: number, data: T): Promise<void> {
    if (this.pending.has(id)) return;
    this.pending.set(id, { dueAt, data });
    if (this.started) this.arm(id);
  }

  async cancel(id: string): Promise<void> {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.pending.delete(id);
  }

  start(): void {
    this.started = true;
    for (const id of this.pending.keys()) this.arm(id);
  }

  async close(): Promise<void> {
    this.started = false;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private arm(id: string): void {
    const job = this.pending.get(id);
    if (!job || this.timers.has(id)) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(id);
        this.pending.delete(id);
        this.handler(job.data).catch((err: Error) => this.log.error({ err, job: id }, 'delayed job failed'));
      },
      Math.max(0, job.dueAt - this.now()),
    );
    timer.unref();
    this.timers.set(id, timer);
  }
}
