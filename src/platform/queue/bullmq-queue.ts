import { randomUUID } from 'node:crypto';
import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { settlesWithin } from '../../lib/deadline.js';
import type { StoreKeys } from '../store/keys.js';
import { type ConnectionOptions, type RedisClient, redisAnswers } from '../store/redis-client.js';
import { CLOSE_STEP_MS, closeQueueConnections } from './close-connections.js';
import type { ThreadSequencer } from './thread-sequencer.js';
import { TurnHandler } from './turn-handler.js';
import { type Enqueued, QueueUnavailableError, type TurnJob, type TurnProcessor, type TurnQueue } from './types.js';

export const QUEUE_NAME = 'turns';
/** Slack wants an answer within 3 s; an enqueue that takes longer is reported as failed (it is idempotent). */
const ENQUEUE_DEADLINE_MS = 1_500;
/** Unexpected failures (not model errors, which end as a notice) are retried this many times in all. */
const ATTEMPTS = 4;

export interface BullTurnQueueOptions {
  /** A new connection to the deployment's Redis (one server, Sentinel or Cluster) with these options. */
  connect: (options: ConnectionOptions) => RedisClient;
  keys: StoreKeys;
  sequencer: ThreadSequencer;
  concurrency: number;
  /** Job and thread lock duration; a crashed replica's turn is taken over after about this long. */
  lockMs: number;
  stalledCheckMs: number;
  log: Logger;
}

type JobData = TurnJob;

/**
 * Durable turns in Redis through BullMQ. The Slack event id is the job id, so a delivery that reaches two
 * replicas queues one job. A replica that dies mid-turn leaves the job locked until its lock lapses; BullMQ's
 * stalled check then hands it to a live replica, which takes over the half-written reply.
 */
export class BullTurnQueue implements TurnQueue {
  private readonly producer: RedisClient;
  private readonly consumer: RedisClient;
  private readonly queue: Queue<JobData>;
  private readonly worker: Worker<JobData>;
  private readonly instance = randomUUID().slice(0, 8);
  private readonly handler: TurnHandler;
  private closed = false;
  /** Jobs this replica's worker holds now (each takes one of its `concurrency` slots). */
  private inFlight = 0;

  constructor(
    process: TurnProcessor,
    private readonly opts: BullTurnQueueOptions,
  ) {
    const log = opts.log;
    this.handler = new TurnHandler(process, {
      sequencer: opts.sequencer,
      lockMs: opts.lockMs,
      instance: this.instance,
      isOver: (jobId) => this.isOver(jobId),
      log,
    });
    // Adding a job must fail fast while Redis is away (the event then gets a 5xx and Slack retries): one retry
    // per command and a deadline in enqueue(). BullMQ needs the offline queue while it connects, so it stays on.
    // The worker's blocking connection instead waits for Redis to return, as BullMQ requires.
    this.producer = opts.connect({ maxRetriesPerRequest: 1 });
    this.consumer = opts.connect({ maxRetriesPerRequest: null });
    for (const conn of [this.producer, this.consumer])
      conn.on('error', (err) => log.debug({ err: { message: err.message } }, 'queue redis connection problem'));
    this.queue = new Queue<JobData>(QUEUE_NAME, {
      connection: this.producer,
      prefix: opts.keys.bull,
      defaultJobOptions: {
        attempts: ATTEMPTS,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: { age: 3_600, count: 10_000 },
        removeOnFail: { age: 7 * 86_400 },
      },
    });
    this.worker = new Worker<JobData>(QUEUE_NAME, (job, token) => this.handle(job, token), {
      connection: this.consumer,
      prefix: opts.keys.bull,
      autorun: false,
      concurrency: opts.concurrency,
      lockDuration: opts.lockMs,
      stalledInterval: opts.stalledCheckMs,
      // A turn may be interrupted by more than one crash or deploy before it completes.
      maxStalledCount: 3,
      name: `threadwise-${this.instance}`,
    });
    this.queue.on('error', (err) => log.debug({ err: { message: err.message } }, 'queue error'));
    this.worker.on('error', (err) => log.warn({ err: { message: err.message } }, 'turn worker problem'));
    this.worker.on('stalled', (jobId) =>
      log.warn({ job: jobId }, 'a turn lost its worker (crash or overload); another attempt takes it over'),
    );
    this.worker.on('failed', (job, err) => {
      if (job && !(err instanceof DelayedError))
        log.error({ job: job.id, attempts: job.attemptsMade, err }, 'turn failed');
    });
  }

  start(): void {
    this.worker.run().catch((err: Error) => this.opts.log.error({ err }, 'turn worker stopped'));
  }

  async enqueue(job: TurnJob): Promise<Enqueued> {
    if (this.closed) throw new QueueUnavailableError('queue is shutting down');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${ENQUEUE_DEADLINE_MS} ms`)),
        ENQUEUE_DEADLINE_MS,
      );
    });
    try {
      // The job and its place in the thread's line are written side by side (two connections, one round trip
      // before Slack's ack). Whichever lands first, the other half is not lost: a worker that meets the job before
      // its place waits a moment for it (and places it itself if it never comes), and a fresh place is not taken
      // for the place of a job that is over (FRESH_PLACE_MS). Both writes are idempotent, so Slack's redelivery
      // after a failure here completes whatever half was done. With every slot of this replica busy the job waits
      // in the shared list: its length, read alongside, is the turn's place in line.
      return await Promise.race([
        (async () => {
          const busy = this.inFlight >= this.opts.concurrency;
          const [, , waiting] = await Promise.all([
            this.queue.add('turn', job, { jobId: jobIdFor(job.id) }),
            this.opts.sequencer.admit(job.key, job.id, job.messageTs),
            busy ? this.queue.getWaitingCount() : undefined,
          ]);
          return waiting ? { position: waiting } : {};
        })(),
        deadline,
      ]);
    } catch (err) {
      throw new QueueUnavailableError(`could not queue the turn: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Every unfinished job of the shared queue; a turn waiting for its thread or a retry is a delayed job. */
  async depth(): Promise<number> {
    const counts = await this.queue.getJobCounts('wait', 'prioritized', 'delayed', 'active');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  /**
   * Loads the sequencer's scripts into Redis (asking for the turn of a job that is in no line changes nothing) and
   * runs one of BullMQ's own reads on the producer connection.
   */
  async warmUp(): Promise<void> {
    const thread = { teamId: 'warm-up', channel: 'warm-up', threadTs: '0' };
    await Promise.all([
      this.opts.sequencer.tryRun(thread, 'warm-up', `${this.instance}:warm-up`, 1_000),
      this.queue.getJobCounts('wait'),
    ]);
  }

  /** Taking work: not shutting down, and the queue's own Redis connection answers. */
  async ready(): Promise<boolean> {
    if (this.closed) return false;
    return redisAnswers(this.producer);
  }

  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    if (!(await settlesWithin(this.worker.close(), timeoutMs))) {
      // Unfinished turns keep their lock until it lapses, then another replica takes them over. A second
      // worker.close(true) would only return the graceful close's promise, so the worker's connections are cut
      // instead; that also frees a close stuck on a connection left reconnecting (taskforcesh/bullmq#4656).
      this.opts.log.warn(
        { running: this.handler.running },
        'shutdown grace over: leaving unfinished turns to another replica',
      );
      await settlesWithin(this.worker.disconnect(), CLOSE_STEP_MS);
    }
    await closeQueueConnections(this.queue, [this.producer, this.consumer]);
  }

  /** BullMQ's side of a turn: a delayed job must be moved with the worker's token and end in DelayedError. */
  private async handle(job: Job<JobData>, token: string | undefined): Promise<void> {
    this.inFlight++;
    try {
      const outcome = await this.handler.handle({
        id: job.id,
        data: job.data,
        addedAt: job.timestamp,
        attemptsMade: job.attemptsMade,
        attempts: job.opts.attempts ?? 1,
        delayUntil: (at) => job.moveToDelayed(at, token),
      });
      if (outcome === 'delayed') throw new DelayedError();
    } finally {
      this.inFlight--;
    }
  }

  private async isOver(jobId: string): Promise<boolean> {
    const state = await this.queue.getJobState(jobIdFor(jobId));
    return state === 'completed' || state === 'failed' || state === 'unknown';
  }
}

/** BullMQ reserves ':' in custom ids; Slack event ids never contain one, the fallback message ids do. */
const jobIdFor = (id: string) => id.replaceAll(':', '_');
