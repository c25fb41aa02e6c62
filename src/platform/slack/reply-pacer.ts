/** How far this reply's own interval may stretch after Slack pushed back. */
const MAX_INTERVAL_MS = 8_000;
/**
 * How long a write that is due waits in case the answer ends meanwhile, as a share of the interval: the closing
 * call then carries those words instead of a write followed moments later by the close. An answer that arrives a
 * little past a whole second (a 2-second answer under load comes in 2.1 s) would otherwise spend a write more.
 */
const GRACE_SHARE = 0.25;

export interface PacerOptions {
  /** How long the first words gather before they are shown (0: on the first token). */
  firstFlushMs: number;
  /** The least time between two writes of one reply while it streams. */
  intervalMs: number;
}

/**
 * When a streaming reply may write next. The first words go out as soon as they arrive; after that at most one
 * write per interval and a short grace, measured from when the last write began, so a two-second answer takes
 * three writes (first words, one in between, the closing one), also when it runs a little long. Every time Slack
 * rate-limits this reply its interval doubles, so a reply that was pushed back writes less often for the rest of
 * its life, not only until Retry-After passes.
 */
export class ReplyPacer {
  private firstTextAt: number | undefined;
  private lastWriteAt: number | undefined;
  private interval: number;

  constructor(
    private readonly options: PacerOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.interval = options.intervalMs;
  }

  textArrived(): void {
    this.firstTextAt ??= this.now();
  }

  /** A write is starting now. */
  writing(): void {
    this.lastWriteAt = this.now();
  }

  /** Slack answered a write of this reply with a rate limit. */
  pushedBack(): void {
    this.interval = Math.min(MAX_INTERVAL_MS, this.interval * 2);
  }

  /**
   * When the next write is due (epoch ms), given what Slack allows: `readyAt`, until when the method is held
   * back (Retry-After), and `spacing`, the least gap when replies share a workspace's budget after a 429.
   */
  dueAt(slack: { readyAt: number; spacing: number }): number {
    const paced =
      this.lastWriteAt === undefined
        ? (this.firstTextAt ?? this.now()) + this.options.firstFlushMs
        : this.lastWriteAt + Math.max(this.interval, slack.spacing) + this.options.intervalMs * GRACE_SHARE;
    // While Slack holds the method back, text keeps gathering and goes out in one write when it allows.
    return Math.max(paced, slack.readyAt);
  }
}
