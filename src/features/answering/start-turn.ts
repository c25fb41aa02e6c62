import type { Enqueued, EnqueueOptions, TurnJob, TurnQueue } from '../../platform/queue/types.js';
import type { SlackFile } from '../../platform/slack/files/slack-file.js';
import type { ParticipationStore } from '../../platform/store/participation.js';

/**
 * Takes a question on: the thread becomes the bot's, then its turn is queued (rejects when it cannot be queued).
 * `once` makes it a no-op for a message accepted before (resolves `duplicate`).
 */
export type AcceptQuestion = (job: TurnJob, opts?: EnqueueOptions) => Promise<Enqueued>;

export function questionAcceptor(deps: {
  queue: TurnQueue;
  participation: ParticipationStore;
  /** Seconds a thread in this channel is remembered (the mark lives as long as the thread). */
  threadTtlSeconds: (channel: string) => number;
  /** Tells the asker their turn waits for a free slot, `position` 1 being next; best effort, never awaited. */
  tellWaiting?: (job: TurnJob, position: number) => void;
}): AcceptQuestion {
  return async (job, opts) => {
    // Marked by the time Slack has its ack: a follow-up typed while this answer is still waiting or being written
    // is for the bot, though nothing of the thread is stored until the turn ends. (A DM is always the bot's.)
    // The mark and the enqueue go out together, one round trip instead of two; a mark left by an enqueue that
    // failed (or found a duplicate) only makes the bot read follow-ups in a thread it answers in anyway.
    const [, queued] = await Promise.all([
      job.isDm ? undefined : deps.participation.join(job.key, deps.threadTtlSeconds(job.key.channel)),
      deps.queue.enqueue(job, opts),
    ]);
    if (queued.position) deps.tellWaiting?.(job, queued.position);
    return queued;
  };
}

export interface TurnRequest {
  teamId: string;
  channel: string;
  threadTs: string;
  /** The Slack message (or shortcut action) this turn answers; unique within the thread. */
  messageTs: string;
  userId: string;
  /** The asker's own team when Slack names it (Slack Connect); else the thread's. */
  userTeamId?: string;
  text: string;
  files?: SlackFile[];
  origin: 'command' | 'shortcut';
}

/**
 * Questions that do not arrive as a message event (the slash command, message shortcuts) take the same path as
 * typed ones: a job on the turn queue, answered in order with everything else in that thread.
 */
export function turnStarter(accept: AcceptQuestion, now: () => number = Date.now): (r: TurnRequest) => Promise<void> {
  return async (r) => {
    const job: TurnJob = {
      id: `${r.origin}:${r.teamId}:${r.channel}:${r.messageTs}`,
      key: { teamId: r.teamId, channel: r.channel, threadTs: r.threadTs },
      isDm: r.channel.startsWith('D'),
      userId: r.userId,
      ...(r.userTeamId ? { userTeamId: r.userTeamId } : {}),
      messageTs: r.messageTs,
      text: r.text,
      ...(r.files?.length ? { files: r.files } : {}),
      receivedAt: now(),
      origin: r.origin,
    };
    await accept(job);
  };
}
