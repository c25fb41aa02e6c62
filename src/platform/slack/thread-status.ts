import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';

/** Minimum time between two status writes for one reply; the newest text wins. */
const MIN_INTERVAL_MS = 2_000;

/**
 * A transient line under the thread ("Threadwise is busy — you're #3 in line…") via assistant.threads.setStatus,
 * which Slack clears by itself when the answer is posted. Writes are coalesced, and a workspace that refuses
 * the method (missing scope, old plan) just gets no status: it never delays or breaks the answer.
 */
export class ThreadStatus {
  private wanted: { text: string; loading?: readonly string[] } | undefined;
  private shown: string | undefined;
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly client: WebClient,
    private readonly target: { channel: string; threadTs: string },
    private readonly log: Logger,
  ) {}

  /**
   * `loading`: messages Slack rotates in place of the status (at most 10). `now`: skip the coalescing wait (for
   * rare, telling changes such as a tool starting; frequent ones like queue positions are coalesced).
   */
  show(text: string, loading?: readonly string[], now = false): void {
    if (this.stopped) return;
    this.wanted = { text, ...(loading?.length ? { loading: loading.slice(0, 10) } : {}) };
    if (now) {
      clearTimeout(this.timer);
      this.timer = undefined;
      // After the write in flight, so statuses never land out of order.
      this.writing = (this.writing ?? Promise.resolve()).then(() => this.write());
      return;
    }
    if (this.timer) return;
    const delay = Math.max(0, this.lastAt + MIN_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, delay);
  }

  /**
   * The bot's reply opened a message: Slack replaces the status with it (a posted message and a stream's start
   * both do), so a status shown before needs no clearing call. A status write still in flight may land after the
   * message, so it stays to be cleared.
   */
  replacedByReply(): void {
    if (!this.writing) this.shown = undefined;
  }

  /**
   * The turn ended: no more status writes, and a status still showing is removed: one set after the reply opened
   * (Slack does not drop it under a reply that was already streaming when it was set).
   */
  async clear(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    if (!this.shown) return;
    this.shown = undefined;
    await this.send('');
  }

  private write(): Promise<void> {
    const wanted = this.wanted;
    const id = wanted && JSON.stringify(wanted);
    if (this.stopped || !wanted || id === this.shown) return Promise.resolve();
    this.lastAt = Date.now();
    this.shown = id;
    this.writing = this.send(wanted.text, wanted.loading).finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private async send(status: string, loading?: readonly string[]): Promise<void> {
    try {
      await this.client.assistant.threads.setStatus({
        channel_id: this.target.channel,
        thread_ts: this.target.threadTs,
        status,
        ...(loading ? { loading_messages: [...loading] } : {}),
      });
    } catch (err) {
      // A workspace that refuses statuses (scope, plan) gets none for the rest of this turn.
      this.stopped = true;
      this.log.debug({ err: { message: (err as Error).message } }, 'thread status not shown');
    }
  }
}
