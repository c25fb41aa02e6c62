import type { TurnJob, TurnQueue } from '../../platform/queue/types.js';
import type { SlackFile } from '../../platform/slack/files/slack-file.js';

export interface TurnRequest {
  teamId: string;
  channel: string;
  threadTs: string;
  /** The Slack message (or shortcut action) this turn answers; unique within the thread. */
  messageTs: string;
  userId: string;
  text: string;
  files?: SlackFile[];
  origin: 'command' | 'shortcut';
}

/**
 * Questions that do not arrive as a message event (the slash command, message shortcuts) take the same path as
 * typed ones: a job on the turn queue, answered in order with everything else in that thread.
 */
export function turnStarter(queue: TurnQueue, now: () => number = Date.now): (r: TurnRequest) => Promise<void> {
  return async (r) => {
    const job: TurnJob = {
      id: `${r.origin}:${r.teamId}:${r.channel}:${r.messageTs}`,
      key: { teamId: r.teamId, channel: r.channel, threadTs: r.threadTs },
      isDm: r.channel.startsWith('D'),
      userId: r.userId,
      messageTs: r.messageTs,
      text: r.text,
      ...(r.files?.length ? { files: r.files } : {}),
      receivedAt: now(),
      origin: r.origin,
    };
    await queue.enqueue(job);
  };
}
