/**
 * The app-level OpenAI limiter: at most `maxConcurrent` model calls in flight, and calls start only while the
 * organisation's token and request budgets (learned from x-ratelimit-* headers) have room, in arrival order.
 * Waiting here is cheap and visible (queue positions); firing into 429s is neither.
 */

/** A budget that refills continuously to `limit` over one minute, as OpenAI's per-minute limits do. */
class Bucket {
  limit: number | undefined;
  private available = 0;
  private at = 0;

  constructor(limitPerMinute?: number, now = 0) {
    if (limitPerMinute) this.set(limitPerMinute, limitPerMinute, now);
  }

  /**
   * Headers only ever lower what we think is left: a header can be older than calls we already started (which
   * we have counted and OpenAI may not have yet), while something else spending from the same organisation
   * shows up as a lower `remaining`.
   */
  set(limit: number, remaining: number, now: number): void {
    const known = this.limit === undefined ? Infinity : this.level(now);
    this.limit = limit;
    this.available = Math.min(limit, known, Math.max(0, remaining));
    this.at = now;
  }

  level(now: number): number {
    if (this.limit === undefined) return Infinity;
    return Math.min(this.limit, this.available + ((now - this.at) * this.limit) / 60_000);
  }

  take(amount: number, now: number): void {
    if (this.limit === undefined) return;
    this.available = this.level(now) - amount;
    this.at = now;
  }

  /** Milliseconds until `amount` is available (a request larger than the whole limit waits for a full bucket). */
  waitFor(amount: number, now: number): number {
    if (this.limit === undefined) return 0;
    const need = Math.min(amount, this.limit) - this.level(now);
    return need <= 0 ? 0 : Math.ceil((need * 60_000) / this.limit);
  }
}

export interface LimiterOptions {
  maxConcurrent: number;
  /** Assumed tokens per minute until headers tell the real limit. */
  tokensPerMinute?: number;
  now?: () => number;
}

export interface Ticket {
  /** Resolves when the call may start; call the function it gives when the call has ended. */
  granted: Promise<() => void>;
  /** Resolves with the next queue position (1 = next), or undefined once granted or cancelled. */
  nextPosition(): Promise<number | undefined>;
  cancel(): void;
}

interface Waiter {
  tokens: number;
  grant: (release: () => void) => void;
  positions: number[];
  notify: (() => void) | undefined;
  done: boolean;
}

export class OpenAIRateLimiter {
  private readonly tokens: Bucket;
  private readonly requests = new Bucket();
  private readonly waiting: Waiter[] = [];
  private running = 0;
  private peak = 0;
  private blockedUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: LimiterOptions) {
    this.now = options.now ?? Date.now;
    this.tokens = new Bucket(options.tokensPerMinute, this.now());
  }

  /**
   * Runs `work` once the line lets a call of about `tokens` through, and gives the slot back when it ends. An abort
   * while still waiting leaves the line at once.
   */
  async inLine<T>(tokens: number, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const ticket = this.acquire(tokens);
    const onAbort = () => ticket.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    let release: (() => void) | undefined;
    try {
      release = await ticket.granted;
      return await work();
    } finally {
      signal?.removeEventListener('abort', onAbort);
      ticket.cancel();
      release?.();
    }
  }

  /** Queues a call that will use about `tokens` (input estimate plus the output cap, as OpenAI counts it). */
  acquire(tokens: number): Ticket {
    let grant!: (release: () => void) => void;
    const granted = new Promise<() => void>((resolve) => (grant = resolve));
    const waiter: Waiter = { tokens, grant, positions: [], notify: undefined, done: false };
    this.waiting.push(waiter);
    this.pump();
    if (!waiter.done) this.announce();
    return {
      granted,
      nextPosition: () =>
        new Promise((resolve) => {
          const take = () => resolve(waiter.done ? undefined : waiter.positions.pop());
          if (waiter.done || waiter.positions.length) return take();
          waiter.notify = take;
        }),
      cancel: () => {
        if (waiter.done) return;
        waiter.done = true;
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        waiter.notify?.();
        this.announce();
      },
    };
  }

  /** Learns the organisation's real limits and what is left of them from a response (success or error). */
  observe(headers: Headers): void {
    const num = (name: string) => {
      const v = Number.parseFloat(headers.get(name) ?? '');
      return Number.isFinite(v) ? v : undefined;
    };
    const now = this.now();
    const limitTokens = num('x-ratelimit-limit-tokens');
    const remainingTokens = num('x-ratelimit-remaining-tokens');
    if (limitTokens !== undefined && remainingTokens !== undefined) this.tokens.set(limitTokens, remainingTokens, now);
    const limitRequests = num('x-ratelimit-limit-requests');
    const remainingRequests = num('x-ratelimit-remaining-requests');
    if (limitRequests !== undefined && remainingRequests !== undefined)
      this.requests.set(limitRequests, remainingRequests, now);
    this.pump();
  }

  /** After a 429: nobody starts before OpenAI said to try again. */
  pause(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.now() + ms);
    this.pump();
  }

  stats(): { running: number; waiting: number; peak: number } {
    return { running: this.running, waiting: this.waiting.length, peak: this.peak };
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    let changed = false;
    while (this.waiting.length && this.running < this.options.maxConcurrent) {
      const head = this.waiting[0]!;
      const now = this.now();
      const wait = Math.max(
        this.blockedUntil - now,
        this.tokens.waitFor(head.tokens, now),
        this.requests.waitFor(1, now),
      );
      if (wait > 0) {
        this.timer = setTimeout(() => this.pump(), wait);
        this.timer.unref?.();
        break;
      }
      this.waiting.shift();
      this.tokens.take(head.tokens, now);
      this.requests.take(1, now);
      this.running++;
      this.peak = Math.max(this.peak, this.running);
      head.done = true;
      head.notify?.();
      let released = false;
      head.grant(() => {
        if (released) return;
        released = true;
        this.running--;
        this.pump();
      });
      changed = true;
    }
    if (changed) this.announce();
  }

  private announce(): void {
    this.waiting.forEach((w, i) => {
      w.positions = [i + 1];
      const notify = w.notify;
      w.notify = undefined;
      notify?.();
    });
  }
}
