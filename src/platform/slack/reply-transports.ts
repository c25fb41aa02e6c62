import type { Block, KnownBlock, TaskUpdateChunk } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { SessionStatus } from './agent-session.js';
import { plainPreview } from './mrkdwn.js';

export type Blocks = (KnownBlock | Block)[];

export interface ReplyTarget {
  channel: string;
  threadTs: string;
  /** The asking user, and the team they belong to (in Slack Connect, not necessarily the workspace of the event). */
  recipientUserId: string;
  recipientTeamId: string;
  /**
   * Also show the answer in the channel (reply_broadcast on its first message). Slack's streaming methods cannot
   * broadcast, so such answers are posted and edited instead of streamed.
   */
  broadcast?: boolean;
  /** How Slack lays out the task_update chunks of a stream (thinking steps). */
  taskDisplayMode?: 'timeline' | 'plan';
}

/**
 * How one message of a reply reaches Slack: opened with its first piece, grown piece by piece, then closed. The
 * calls throw Slack's errors as they are; deciding what a failure means is the writer's job.
 */
export interface ReplyTransport {
  readonly kind: 'stream' | 'post';
  /** The method that opens a message. */
  readonly opens: string;
  /** The method that adds to an open message. */
  readonly adds: string;
  /** The method that closes a message. */
  readonly closes: string;
  /** Opens a message showing `text`; resolves with its ts. `first`: the first message of the answer. */
  open(text: string, first: boolean): Promise<string>;
  /** Adds `piece` to the open message `ts`, which shows `sent` so far. */
  add(ts: string, sent: string, piece: string): Promise<void>;
  /** Whether closing needs a call at all (a posted message is complete as it stands). */
  needsClose(tail: string, blocks: Blocks): boolean;
  /**
   * Closes `ts` (showing `sent`) with `tail` added to it and `blocks` under it; a stream's stop also sets the thread's
   * agent session to `session` when given.
   */
  close(ts: string, sent: string, tail: string, blocks: Blocks, session?: SessionStatus): Promise<void>;
}

/** Native streaming: chat.startStream, chat.appendStream, chat.stopStream. */
export class StreamTransport implements ReplyTransport {
  readonly kind = 'stream';
  readonly opens = 'chat.startStream';
  readonly adds = 'chat.appendStream';
  readonly closes = 'chat.stopStream';

  constructor(
    private readonly client: WebClient,
    private readonly target: ReplyTarget,
  ) {}

  async open(text: string): Promise<string> {
    return this.start({ markdown_text: text });
  }

  async add(ts: string, _sent: string, piece: string): Promise<void> {
    await this.client.chat.appendStream({ channel: this.target.channel, ts, markdown_text: piece });
  }

  /** Opens a stream showing only steps (a tool runs before the first words). */
  async openSteps(chunks: TaskUpdateChunk[]): Promise<string> {
    return this.start({ chunks });
  }

  async addSteps(ts: string, chunks: TaskUpdateChunk[]): Promise<void> {
    await this.client.chat.appendStream({ channel: this.target.channel, ts, chunks });
  }

  private async start(content: { markdown_text: string } | { chunks: TaskUpdateChunk[] }): Promise<string> {
    const { channel, threadTs, recipientUserId, recipientTeamId, taskDisplayMode } = this.target;
    const res = await this.client.chat.startStream({
      channel,
      thread_ts: threadTs,
      ...content,
      recipient_user_id: recipientUserId,
      recipient_team_id: recipientTeamId,
      ...(taskDisplayMode ? { task_display_mode: taskDisplayMode } : {}),
    });
    return String(res.ts);
  }

  needsClose(): boolean {
    return true;
  }

  async close(ts: string, _sent: string, tail: string, blocks: Blocks, session?: SessionStatus): Promise<void> {
    await this.client.chat.stopStream({
      channel: this.target.channel,
      ts,
      ...(tail ? { markdown_text: tail } : {}),
      ...(blocks.length ? { blocks } : {}),
      ...(session ? { session_status: session } : {}),
    });
  }
}

/** A posted message edited as the answer grows: chat.postMessage, then chat.update with the whole text. */
export class PostTransport implements ReplyTransport {
  readonly kind = 'post';
  readonly opens = 'chat.postMessage';
  readonly adds = 'chat.update';
  readonly closes = 'chat.update';

  constructor(
    private readonly client: WebClient,
    private readonly target: ReplyTarget,
  ) {}

  async open(text: string, first: boolean): Promise<string> {
    const { channel, threadTs } = this.target;
    const broadcast = this.target.broadcast && first ? { reply_broadcast: true } : {};
    const res = await this.client.chat.postMessage({ channel, thread_ts: threadTs, markdown_text: text, ...broadcast });
    return String(res.ts);
  }

  async add(ts: string, sent: string, piece: string): Promise<void> {
    await this.client.chat.update({ channel: this.target.channel, ts, markdown_text: sent + piece });
  }

  /** Deletes a message of the reply (one an interrupted attempt left behind). */
  async remove(ts: string): Promise<void> {
    await this.client.chat.delete({ channel: this.target.channel, ts });
  }

  needsClose(tail: string, blocks: Blocks): boolean {
    return tail.length > 0 || blocks.length > 0;
  }

  async close(ts: string, sent: string, tail: string, blocks: Blocks): Promise<void> {
    const { channel } = this.target;
    const text = sent + tail;
    // markdown_text cannot be combined with blocks: buttons need the text as a markdown block.
    await (blocks.length
      ? this.client.chat.update({
          channel,
          ts,
          text: plainPreview(text, 300),
          blocks: [{ type: 'markdown', text }, ...blocks],
        })
      : this.client.chat.update({ channel, ts, markdown_text: text }));
  }
}
