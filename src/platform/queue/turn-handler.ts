import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { sleep } from '../../lib/backoff.js';
import type { ThreadKey } from '../../turn/thread.js';
import type { ThreadSequencer } from './thread-sequencer.js';
import { type TurnJob, type TurnProcessor, turnJobSchema } from './types.js';

/** How long a turn waits before asking again whether its thread is free. */
export const WAIT_MS = 200;
/** A job found outside its thread's line this long after it was added lost its admission (Redis failed in between). */
export const ADMIT_GRACE_MS = 2_000;

/** What the handler reads of a queued job, and the one move it asks of the queue: run me again later. */
export interface QueuedTurn {
  id: string | undefined;
  data: unknown;
  /** When the job was added (epoch ms). */
  addedAt: number;
  attemptsMade: number;
  attempts: number;
  /** Puts the job back until `at` (epoch ms), keeping its attempt count. */
  delayUntil(at: number): Promise<void>;
  /** The job has a recovery record (accepted by ThreadSequencer.accept): it is over once the record is gone. */
  recorded?: boolean;
}

/** A turn this replica holds the thread's lock for, and how many attempts it has had. */
export interface HeldTurn {
  turn: TurnJob;
  lockToken: string;
  attemptsMade: number;
  attempts: number;
  /** Called with every renewal of the lock (the queue extends the turn's recovery lease with it). */
  onRenew?: () => void;
}

/**
 * `delayed`: the job waits its thread's turn; `dropped`: it could not be read and will never run; `over`: its turn
 * was answered already (started by the replica that received it) or given up.
 */
export type HandleOutcome = 'ran' | 'delayed' | 'dropped' | 'over';

export type TurnSequencer = Pick<ThreadSequencer, 'admit' | 'tryRun' | 'renew' | 'release' | 'dropHead'>;

export interface TurnHandlerOptions {
  sequencer: TurnSequencer;
  /** Thread lock duration; a dead replica's turn is taken over after about this long. */
  lockMs: number;
  /** Names this replica in lock tokens. */
  instance: string;
  /** Whether a job is over (completed, failed for good, or gone), so a line it heads can move on. */
  isOver: (key: ThreadKey, jobId: string) => Promise<boolean>;
  log: Logger;
}

/**
 * Runs a queued turn only when it heads its thread's line and holds the thread's lock, renewing the lock while it
 * runs. Otherwise the job is delayed, after repairing what would keep the line stuck: a job that missed its place
 * is placed, and a head whose job is over is dropped. A dead replica's turn holds its lock until it lapses; the
 * retry then runs (and the processor takes over the half-written reply).
 */
export class TurnHandler {
  /** Turns running in this process now. */
  running = 0;

  constructor(
    private readonly process: TurnProcessor,
    private readonly opts: TurnHandlerOptions,
  ) {}

  async handle(job: QueuedTurn): Promise<HandleOutcome> {
    const parsed = turnJobSchema.safeParse(job.data);
    if (!parsed.success) {
      this.opts.log.error({ job: job.id, issues: parsed.error.issues.length }, 'dropping an unreadable turn job');
      return 'dropped';
    }
    const turn = parsed.data;
    const seq = this.opts.sequencer;
    const lockToken = `${this.opts.instance}:${randomUUID()}`;
    const recorded = job.recorded === true;
    let admission = await seq.tryRun(turn.key, turn.id, lockToken, this.opts.lockMs, recorded);
    // The job is added before its place in line, so a fast worker can see it a moment before it is admitted:
    // look again shortly rather than park it for WAIT_MS.
    for (let i = 1; admission.kind === 'unadmitted' && i <= 4 && Date.now() - job.addedAt < ADMIT_GRACE_MS; i++) {
      await sleep(5 * i);
      admission = await seq.tryRun(turn.key, turn.id, lockToken, this.opts.lockMs, recorded);
    }
    if (admission.kind === 'over') {
      this.opts.log.debug({ job: turn.id }, 'turn already answered elsewhere; its recovery job ends');
      return 'over';
    }
    if (admission.kind !== 'run') {
      if (admission.kind === 'unadmitted' && Date.now() - job.addedAt > ADMIT_GRACE_MS)
        await seq.admit(turn.key, turn.id, turn.messageTs);
      if (admission.kind === 'behind' && (await this.opts.isOver(turn.key, admission.head)))
        await seq.dropHead(turn.key, admission.head);
      await job.delayUntil(Date.now() + WAIT_MS + Math.floor(Math.random() * WAIT_MS));
      return 'delayed';
    }

    return this.runHeld({ turn, lockToken, attemptsMade: job.attemptsMade, attempts: job.attempts });
  }

  /**
   * Runs a turn whose thread lock this replica holds (taken by tryRun, or by the accept before Slack's ack), renewing
   * the lock while it runs and releasing it after. Rejects with the processor's error; the caller decides on a retry.
   */
  async runHeld(held: HeldTurn): Promise<'ran'> {
    const { turn, lockToken } = held;
    const seq = this.opts.sequencer;
    this.running++;
    const renewal = setInterval(
      () => {
        held.onRenew?.();
        seq.renew(turn.key, lockToken, this.opts.lockMs).then(
          (ok) => ok || this.opts.log.warn({ job: turn.id }, 'thread lock lapsed while the turn ran'),
          (err: Error) => this.opts.log.warn({ err: { message: err.message } }, 'could not renew the thread lock'),
        );
      },
      Math.max(250, Math.floor(this.opts.lockMs / 3)),
    );
    let done = false;
    try {
      await this.process(turn);
      done = true;
      return 'ran';
    } finally {
      clearInterval(renewal);
      this.running--;
      // A turn that will be retried keeps its place in line; after its last attempt the line moves on.
      const lastAttempt = held.attemptsMade + 1 >= held.attempts;
      await seq.release(turn.key, turn.id, lockToken, done || lastAttempt).catch((err: Error) => {
        this.opts.log.warn({ err: { message: err.message } }, 'could not release the thread lock; it lapses by itself');
      });
    }
  }
}
