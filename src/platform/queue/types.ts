import { z } from 'zod';
import type { ThreadKey } from '../../turn/thread.js';
import { type SlackFile, slackFileSchema } from '../slack/files/slack-file.js';

/** "Triage this" on one Slack message, as the shortcut asked for it (queued like a turn, so it survives a crash). */
export interface TriageRequest {
  teamId: string;
  channel: string;
  userId: string;
  message: { ts: string; threadTs: string; text: string; files?: SlackFile[] };
}

/** Everything a worker needs to answer one Slack message, serializable for a durable queue. */
export interface TurnJob {
  /** Slack's event_id: unique per delivery target, stable across retries. */
  id: string;
  key: ThreadKey;
  isDm: boolean;
  userId: string;
  /** The asker's own team when Slack names it (a Slack Connect guest's organisation); else the thread's team. */
  userTeamId?: string;
  messageTs: string;
  text: string;
  /** Slack file objects of the message; downloaded by the worker, not the handler, so Slack gets its ack fast. */
  files?: SlackFile[];
  /** Set for a "Triage this" request: the worker triages the message instead of answering it. */
  triage?: TriageRequest;
  /**
   * Slack's short-lived Real-time Search token from the message event: lets this turn search earlier messages as
   * the asker. It lives only as long as the job (dropped from the job's stored data when the turn ends) and is
   * never logged.
   */
  actionToken?: string;
  receivedAt: number;
  /** How the question arrived: typed as a message (default), via /threadwise ask, or via a message shortcut. */
  origin?: 'message' | 'command' | 'shortcut' | 'approval';
  /** A top-level question in a help-desk channel: the desk decides whether the bot answers it. */
  desk?: true;
  /** Set when the asker decided on a hosted MCP call's card: the turn continues with that decision, not a message. */
  approval?: { requestId: string; approve: boolean };
}

/** A job read back from Redis is checked like any other input: another version may have written it. */
export const turnJobSchema = z.object({
  id: z.string().min(1),
  key: z.object({ teamId: z.string(), channel: z.string().min(1), threadTs: z.string().min(1) }),
  isDm: z.boolean(),
  userId: z.string(),
  userTeamId: z.string().min(1).optional(),
  messageTs: z.string(),
  text: z.string(),
  files: z.array(slackFileSchema).optional(),
  triage: z
    .object({
      teamId: z.string(),
      channel: z.string(),
      userId: z.string(),
      message: z.object({
        ts: z.string(),
        threadTs: z.string(),
        text: z.string(),
        files: z.array(slackFileSchema).optional(),
      }),
    })
    .optional(),
  actionToken: z.string().min(1).optional(),
  receivedAt: z.number(),
  origin: z.enum(['message', 'command', 'shortcut', 'approval']).optional(),
  desk: z.literal(true).optional(),
  approval: z.object({ requestId: z.string().min(1), approve: z.boolean() }).optional(),
}) satisfies z.ZodType<TurnJob>;

/** What the queue knows about a job it just accepted. */
export interface Enqueued {
  /**
   * Its place in line (1: next) when every turn slot of this replica is busy, so the turn waits for one to free up;
   * absent when it can start at once.
   */
  position?: number;
  /** Another delivery of the same message was accepted already (Slack's retry, or its app_mention + message double). */
  duplicate?: true;
}

export interface EnqueueOptions {
  /**
   * Accept the job only if this message was not accepted before (the claim lasts `ttlSeconds`): the claim is written
   * in the same step as the job, so a duplicate writes nothing.
   */
  once?: { messageId: string; ttlSeconds: number };
}

export interface TurnQueue {
  /** Starts pulling work (after the app is listening). */
  start(): void;
  /** Resolves once the job is accepted (or known as a duplicate); rejects if it could not be queued (answer 5xx). */
  enqueue(job: TurnJob, opts?: EnqueueOptions): Promise<Enqueued>;
  /** Stops taking jobs and waits up to `timeoutMs` for running ones. */
  close(timeoutMs: number): Promise<void>;
  /**
   * Turns waiting or running: in this process for the in-process queue; in the shared Redis queue (every replica,
   * including turns waiting for their thread or for a retry) for the durable one.
   */
  depth(): Promise<number>;
  /** One pass over what a turn's queueing uses (its scripts and connections), changing nothing; for start-up. */
  warmUp(): Promise<void>;
  /** Whether the queue takes new jobs right now: not shutting down, and its backing service (if any) answers. */
  ready(): Promise<boolean>;
}

export type TurnProcessor = (job: TurnJob) => Promise<void>;

/** The queue cannot take work right now (shutting down, or its store is unreachable): Slack should retry. */
export class QueueUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueueUnavailableError';
  }
}
