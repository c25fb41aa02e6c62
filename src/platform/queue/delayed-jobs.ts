import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { RedisTarget } from '../../config/redis-env.js';
import { settlesWithin } from '../../lib/deadline.js';
import { type ConnectionOptions, connectRedis, type RedisClient } from '../store/redis-client.js';
import { CLOSE_STEP_MS, closeQueueConnections } from './close-connections.js';

/** Runs a due job; a rejection is retried (BullMQ) or logged (in process). */
export type DueHandler<T> = (data: T) => Promise<void>;

/**
 * Work due at a set time (SLA timers) or again and again (a sync schedule). `schedule` with the same id twice keeps
 * the first; `cancel` drops a job that has not run yet; `repeat` with the same id again only updates its interval.
 */
export interface DelayedJobs<T> {
  schedule(id: string, dueAt: number, data: T): Promise<void>;
  cancel(id: string): Promise<void>;
  /** Runs `data` every `everyMs`, first after one interval; one schedule per id however many replicas ask. */
  repeat(id: string, everyMs: number, data: T): Promise<void>;
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

  async repeat(id: string, everyMs: number, data: T): Promise<void> {
    // A job scheduler is one record per id in Redis: every replica upserting it at start leaves one schedule, and
    // each of its jobs runs on one replica.
    await this.queue.upsertJobScheduler(
      jobIdFor(id),
      { every: everyMs, startDate: Date.now() + everyMs },
      { name: this.opts.queueName, data },
    );
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
  private readonly repeating = new Map<string, { everyMs: number; data: T }>();
  private readonly intervals = new Map<string, NodeJS.Timeout>();
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

  async repeat(id: string, everyMs: number, data: T): Promise<void> {
    this.repeating.set(id, { everyMs, data });
    if (this.started) this.armRepeat(id);
  }

  start(): void {
    this.started = true;
    for (const id of this.pending.keys()) this.arm(id);
    for (const id of this.repeating.keys()) this.armRepeat(id);
  }

  async close(): Promise<void> {
    this.started = false;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const t of this.intervals.values()) clearInterval(t);
    this.intervals.clear();
  }

  private armRepeat(id: string): void {
    const job = this.repeating.get(id);
    if (!job) return;
    clearInterval(this.intervals.get(id));
    const timer = setInterval(() => {
      this.handler(job.data).catch((err: Error) => this.log.error({ err, job: id }, 'repeating job failed'));
    }, job.everyMs);
    timer.unref();
    this.intervals.set(id, timer);
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

export interface DelayedJobsOptions<T> extends Omit<BullDelayedJobsOptions<T>, 'connect'> {
  /** The deployment's Redis (`redisTarget(env)`); without one the jobs are timers in this process. */
  redis: RedisTarget | undefined;
}

/**
 * A feature's delayed jobs: in Redis through BullMQ when the deployment has Redis (durable, one replica runs each),
 * else timers in this process. The one place that choice is made.
 */
export function createDelayedJobs<T>(handler: DueHandler<T>, opts: DelayedJobsOptions<T>): DelayedJobs<T> {
  const { redis, ...bull } = opts;
  if (!redis) return new InProcessDelayedJobs(handler, opts.log);
  return new BullDelayedJobs(handler, { ...bull, connect: (options) => connectRedis(redis, options) });
}
