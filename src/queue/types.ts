import type { SlackFile } from '../slack/files/slack-file.js';
import type { ThreadKey } from '../store/types.js';

/** Everything a worker needs to answer one Slack message, serializable for a durable queue. */
export interface TurnJob {
  /** Slack's event_id: unique per delivery target, stable across retries. */
  id: string;
  key: ThreadKey;
  isDm: boolean;
  userId: string;
  messageTs: string;
  text: string;
  /** Slack file objects of the message; downloaded by the worker, not the handler, so Slack gets its ack fast. */
  files?: SlackFile[];
  receivedAt: number;
}

export interface TurnQueue {
  /** Resolves once the job is accepted; rejects if it could not be queued (the caller answers 5xx). */
  enqueue(job: TurnJob): Promise<void>;
  /** Stops taking jobs and waits up to `timeoutMs` for running ones. */
  close(timeoutMs: number): Promise<void>;
  /** Jobs waiting or running. */
  depth(): number;
  /** Whether the queue takes new jobs right now: not shutting down, and its backing service (if any) answers. */
  ready(): Promise<boolean>;
}

export type TurnProcessor = (job: TurnJob) => Promise<void>;
