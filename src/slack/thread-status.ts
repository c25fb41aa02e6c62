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
  private wanted: string | undefined;
  private shown: string | undefined;
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly client: WebClient,
    private readonly target: { channel: string; threadTs: string },
    private readonly log: Logger,
  ) {}

  show(text: string): void {
    if (this.stopped) return;
    this.wanted = text;
    if (this.timer) return;
    const delay = Math.max(0, this.lastAt + MIN_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, delay);
  }

  /** The answer is starting (or the turn ended): no more status writes. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async write(): Promise<void> {
    const text = this.wanted;
    if (this.stopped || !text || text === this.shown) return;
    this.lastAt = Date.now();
    this.shown = text;
    try {
      await this.client.assistant.threads.setStatus({ channel_id: this.target.channel, thread_ts: this.target.threadTs, status: text });
    } catch (err) {
      this.stopped = true;
      this.log.debug({ err: { message: (err as Error).message } }, 'thread status not shown');
    }
  }
}
