import { randomUUID } from 'node:crypto';
import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { settlesWithin } from '../../lib/deadline.js';
import { parseStored } from '../../lib/stored-json.js';
import type { ThreadKey } from '../../turn/thread.js';
import type { StoreKeys } from '../store/keys.js';
import { type ConnectionOptions, type RedisClient, redisAnswers } from '../store/redis-client.js';
import { CLOSE_STEP_MS, closeQueueConnections } from './close-connections.js';
import type { ThreadSequencer } from './thread-sequencer.js';
import { TurnHandler } from './turn-handler.js';
import type { TurnLeases } from './turn-leases.js';
import {
  type Enqueued,
  type EnqueueOptions,
  QueueUnavailableError,
  type TurnJob,
  type TurnProcessor,
  type TurnQueue,
  turnJobSchema,
} from './types.js';

export const QUEUE_NAME = 'turns';
/**
 * The job name of a turn that has a recovery record (ThreadSequencer.accept): it is over once the record is gone.
 * Jobs named 'turn' were queued before records existed and are run as before.
 */
const RECORDED = 'recorded-turn';
/** Leases one sweep takes over at most; the rest wait for the next sweep. */
const SWEEP_LIMIT = 100;
/** Slack wants an answer within 3 s; an enqueue that takes longer is reported as failed (it is idempotent). */
const ENQUEUE_DEADLINE_MS = 1_500;
/** Unexpected failures (not model errors, which end as a notice) are retried this many times in all. */
const ATTEMPTS = 4;

export interface BullTurnQueueOptions {
  /** A new connection to the deployment's Redis (one server, Sentinel or Cluster) with these options. */
  connect: (options: ConnectionOptions) => RedisClient;
  keys: StoreKeys;
  sequencer: ThreadSequencer;
  /** On the sequencer's connection (the store's), so they fail over with it. */
  leases: TurnLeases;
  concurrency: number;
  /** Job and thread lock duration; a crashed replica's turn is taken over after about this long. */
  lockMs: number;
  stalledCheckMs: number;
  log: Logger;
}

type JobData = TurnJob;

/**
 * Durable turns in Redis. Accepting a turn is one round trip before Slack's ack (ThreadSequencer.accept: the
 * message's claim, the turn's recovery record, its place in its thread's line and, with a free slot, the thread's
 * lock; beside it the record's lease). A turn that got the lock starts here at once, with no BullMQ job: its
 * replica keeps the lease running while it runs and drops the record when it is over. Every other turn (its thread
 * is busy, or every slot is) becomes a BullMQ job, and so does a started turn whose lease ran out (its replica died:
 * any replica's sweep finds it) or that failed (a retry). The Slack event id is the job id, so a delivery that
 * reaches two replicas queues one job; a job whose record is gone is over. A replica that dies mid-turn leaves the
 * lock to lapse; the job's turn then takes over the half-written reply.
 */
export class BullTurnQueue implements TurnQueue {
  private readonly producer: RedisClient;
  private readonly consumer: RedisClient;
  private readonly queue: Queue<JobData>;
  private readonly worker: Worker<JobData>;
  private readonly instance = randomUUID().slice(0, 8);
  private readonly handler: TurnHandler;
  private closed = false;
  /** Turns this replica runs now, started here or taken by its worker (each takes one of its `concurrency` slots). */
  private inFlight = 0;
  /** Turns started here at their accept, by job id. */
  private readonly local = new Map<string, Promise<void>>();
  private readonly leases: TurnLeases;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    process: TurnProcessor,
    private readonly opts: BullTurnQueueOptions,
  ) {
    const log = opts.log;
    this.leases = opts.leases;
    this.handler = new TurnHandler(process, {
      sequencer: opts.sequencer,
      lockMs: opts.lockMs,
      instance: this.instance,
      isOver: (key, jobId) => this.isOver(key, jobId),
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
    this.sweeper = setInterval(() => {
      this.sweep().catch((err: Error) =>
        this.opts.log.debug({ err: { message: err.message } }, 'could not look for turns whose replica died'),
      );
    }, this.opts.stalledCheckMs);
    this.sweeper.unref();
  }

  async enqueue(job: TurnJob, opts: EnqueueOptions = {}): Promise<Enqueued> {
    if (this.closed) throw new QueueUnavailableError('queue is shutting down');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${ENQUEUE_DEADLINE_MS} ms`)),
        ENQUEUE_DEADLINE_MS,
      );
    });
    try {
      // What Slack hears is decided by the deadline; the accept itself carries on (a turn it started still runs, and
      // Slack's redelivery then finds its message claimed).
      return await Promise.race([this.accept(job, opts), deadline]);
    } catch (err) {
      throw new QueueUnavailableError(`could not queue the turn: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  private async accept(job: TurnJob, opts: EnqueueOptions): Promise<Enqueued> {
    const busy = this.inFlight >= this.opts.concurrency;
    const lockToken = busy ? undefined : `${this.instance}:${randomUUID()}`;
    const turn = { key: job.key, jobId: job.id };
    // The lease goes beside the accept (its own hash slot). A lease without a record (a duplicate's) is dropped by
    // the sweep; a record whose lease write failed gets it with the next renewal, or from Slack's redelivery.
    const [verdict] = await Promise.all([
      this.opts.sequencer.accept(job, {
        ...(opts.once ? { claim: opts.once } : {}),
        ...(lockToken ? { lockToken } : {}),
        lockMs: this.opts.lockMs,
      }),
      this.leases
        .lease(turn, this.opts.lockMs)
        .catch((err: Error) => this.opts.log.debug({ err: { message: err.message } }, 'could not lease a turn')),
    ]);
    if (verdict === 'duplicate') return { duplicate: true };
    if (verdict === 'known') return {};
    if (verdict === 'run' && lockToken) {
      this.startHere(job, lockToken);
      return {};
    }
    // Its thread is busy or every slot is: a job for whichever replica's worker gets to it, added before the ack.
    // With every slot of this replica busy the job waits in the shared list: its length is the turn's place in line.
    try {
      const [, waiting] = await Promise.all([
        this.queue.add(RECORDED, job, { jobId: jobIdFor(job.id) }),
        busy ? this.queue.getWaitingCount() : undefined,
      ]);
      return waiting ? { position: waiting } : {};
    } catch (err) {
      // Slack delivers the event again: its message must be claimable then.
      await Promise.all([this.opts.sequencer.withdraw(job, opts.once?.messageId), this.leases.forget(turn)]).catch(
        () => undefined,
      );
      throw err;
    }
  }

  /**
   * Runs a turn whose thread lock the accept took, once Slack has its ack (the turn's first CPU work must not delay
   * the acks being written in this tick). A failure is retried as a BullMQ job, after BullMQ's first backoff.
   */
  private startHere(job: TurnJob, lockToken: string): void {
    const turn = { key: job.key, jobId: job.id };
    const lease = () =>
      this.leases
        .lease(turn, this.opts.lockMs)
        .catch((err: Error) => this.opts.log.warn({ err: { message: err.message } }, 'could not renew a turn lease'));
    this.took();
    const run = (async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      try {
        await this.handler.runHeld({ turn: job, lockToken, attemptsMade: 0, attempts: ATTEMPTS, onRenew: lease });
        await this.leases.forget(turn).catch(() => undefined);
      } catch (err) {
        this.opts.log.error({ job: job.id, attempts: 1, err }, 'turn failed');
        // If this add fails too, the lease runs out and a sweep queues the retry.
        await this.queue
          .add(RECORDED, job, { jobId: jobIdFor(job.id), attempts: ATTEMPTS - 1, delay: 1_000 })
          .catch((e: Error) =>
            this.opts.log.warn({ job: job.id, err: { message: e.message } }, 'could not queue the retry of a turn'),
          );
      } finally {
        this.local.delete(job.id);
        this.freed();
      }
    })();
    this.local.set(job.id, run);
  }

  /** A slot taken by a turn started here: the worker takes that many fewer jobs (it keeps one), so both share `concurrency`. */
  private took(): void {
    this.inFlight++;
    this.worker.concurrency = Math.max(1, this.opts.concurrency - this.local.size - 1);
  }

  private freed(): void {
    this.inFlight--;
    this.worker.concurrency = Math.max(1, this.opts.concurrency - this.local.size);
  }

  /**
   * Turns whose lease ran out: their replica died (or stalled for longer than a lock lasts). Each still on record
   * becomes a BullMQ job (one per turn: the job id is the turn's), whose run takes over the half-written reply once
   * the dead replica's thread lock has lapsed. A lease whose record is gone belonged to a turn that is over.
   */
  private async sweep(): Promise<void> {
    if (this.closed) return;
    const due = await this.leases.takeDue(this.opts.lockMs, SWEEP_LIMIT);
    for (const turn of due) {
      if (this.local.has(turn.jobId)) continue; // ours and still running: the renewal was late, takeDue extended it
      const data = await this.opts.sequencer.record(turn.key, turn.jobId);
      if (data === null) {
        await this.leases.forget(turn);
        continue;
      }
      const state = await this.queue.getJobState(jobIdFor(turn.jobId));
      if (state === 'completed' || state === 'failed') {
        // Its job ended, but ending it could not drop the record (Redis failed then): the turn is over.
        await this.opts.sequencer.release(turn.key, turn.jobId, '', true);
        await this.leases.forget(turn);
        continue;
      }
      if (state !== 'unknown') continue; // a job has it already (waiting, delayed or running)
      const recorded = parseStored(turnJobSchema, data);
      if (!recorded) {
        this.opts.log.error({ job: turn.jobId }, 'dropping an unreadable turn record');
        await this.opts.sequencer.release(turn.key, turn.jobId, '', true);
        await this.leases.forget(turn);
        continue;
      }
      await this.queue.add(RECORDED, recorded, { jobId: jobIdFor(turn.jobId) });
      this.opts.log.warn(
        { job: turn.jobId },
        'a turn lost its replica (crash or overload); another attempt takes it over',
      );
    }
  }

  /**
   * Every unfinished turn across the replicas: the lease index holds one entry per turn from its accept to its end,
   * whether it runs where it arrived or as a BullMQ job (a delivery of a message already claimed adds an entry that
   * the next sweep drops, within one lock's time).
   */
  async depth(): Promise<number> {
    return this.leases.count();
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
    clearInterval(this.sweeper);
    const finished = Promise.all([this.worker.close(), Promise.allSettled([...this.local.values()])]);
    if (!(await settlesWithin(finished, timeoutMs))) {
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
        recorded: job.name === RECORDED,
      });
      if (outcome === 'delayed') throw new DelayedError();
      // Over: the lease index counts only unfinished turns (depth()); without this the entry lasted until a sweep.
      await Promise.all([
        this.forgetActionToken(job),
        this.leases.forget({ key: job.data.key, jobId: job.data.id }).catch(() => undefined),
      ]);
    } catch (err) {
      if (!(err instanceof DelayedError)) await this.forgetActionToken(job);
      throw err;
    } finally {
      this.inFlight--;
    }
  }

  /**
   * Slack's action token may live only as long as the turn: a finished (or failed) job stays in Redis for a while,
   * so its copy of the token is removed first. A retry then simply searches no earlier threads.
   */
  private async forgetActionToken(job: Job<JobData>): Promise<void> {
    if (!job.data.actionToken) return;
    const { actionToken: _dropped, ...rest } = job.data;
    await job
      .updateData(rest)
      .catch((err: Error) =>
        this.opts.log.warn({ job: job.id, err: { message: err.message } }, 'could not drop the action token of a job'),
      );
  }

  /** A turn on record is not over, whether a job has it or the replica that started it still runs it. */
  private async isOver(key: ThreadKey, jobId: string): Promise<boolean> {
    if ((await this.opts.sequencer.record(key, jobId)) !== null) return false;
    const state = await this.queue.getJobState(jobIdFor(jobId));
    return state === 'completed' || state === 'failed' || state === 'unknown';
  }
}

/** BullMQ reserves ':' in custom ids; Slack event ids never contain one, the fallback message ids do. */
const jobIdFor = (id: string) => id.replaceAll(':', '_');
