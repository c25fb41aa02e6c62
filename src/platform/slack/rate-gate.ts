import { sleep } from '../../lib/backoff.js';

/** Where replicas share Retry-After deadlines (Redis), so one replica's 429 holds back all of them. */
export interface RateShare {
  /** Until when (epoch ms) the method is limited in the workspace, or 0. */
  until(teamId: string, method: string): Promise<number>;
  publish(teamId: string, method: string, until: number): Promise<void>;
}

/**
 * Slack rate limits are per method, per workspace, per app. One gate per workspace is shared by every reply
 * in flight, so a 429 on one answer holds back the same method for all of them until Retry-After passes;
 * with a RateShare, for every replica too.
 */
/**
 * How stale another replica's limit may be when it is read. Every Slack write waits on the gate, so asking
 * Redis each time would add a round trip per write; a limit another replica hit is seen within this time.
 */
const SHARE_REFRESH_MS = 1_000;

/** Slack's published per-minute floors (per workspace) for the calls a reply repeats while it streams. */
const REPEATED_CALLS_PER_MINUTE: Record<string, number> = { 'chat.appendStream': 100, 'chat.update': 50 };
/** A reply that made such a call this recently counts as one of the writers sharing the budget. */
const ACTIVE_WRITER_MS = 5_000;
/** After a 429 on such a call, replies share the published floor for this long; before one, they write freely. */
const CAREFUL_FOR_MS = 120_000;

export class SlackRateGate {
  private readonly blockedUntil = new Map<string, number>();
  private readonly sharedAt = new Map<string, number>();
  private readonly lookups = new Map<string, Promise<void>>();
  private readonly writers = new Map<string, Map<object, number>>();
  private readonly limitedAt = new Map<string, number>();
  constructor(
    private readonly now: () => number = Date.now,
    private readonly share?: { teamId: string; store: RateShare; onError: (err: Error) => void },
  ) {}

  readyAt(method: string): number {
    return this.blockedUntil.get(method) ?? 0;
  }

  /**
   * Records a repeated call (an append, an edit) by one reply, so the workspace's budget is shared among replies.
   * Writers that made no such call for ACTIVE_WRITER_MS are dropped here, not only when the gate is careful: the
   * map holds the replies themselves, so a process that never met a 429 kept every reply it ever wrote.
   */
  called(method: string, writer: object): void {
    if (!REPEATED_CALLS_PER_MINUTE[method]) return;
    let recent = this.writers.get(method);
    if (!recent) {
      recent = new Map();
      this.writers.set(method, recent);
    }
    // Re-inserted, so the map stays in order of each writer's latest call and the stale ones are at its front.
    recent.delete(writer);
    recent.set(writer, this.now());
    this.forgetIdle(recent);
  }

  private forgetIdle(recent: Map<object, number>): void {
    const cutoff = this.now() - ACTIVE_WRITER_MS;
    for (const [writer, at] of recent) {
      if (at >= cutoff) break;
      recent.delete(writer);
    }
  }

  /**
   * The least time between two such calls by one reply. Slack's tiers are floors and workspaces often allow
   * more, so replies write at their own pace until the method is rate-limited; from then on, for a while, they
   * share the floor so that all of them together stay under it instead of running into more 429s: 20 streams
   * sharing 100 appends a minute get one append every 12 s each, and their text still arrives whole.
   */
  spacing(method: string): number {
    const perMinute = REPEATED_CALLS_PER_MINUTE[method];
    const recent = this.writers.get(method);
    if (!perMinute || !recent || this.now() - (this.limitedAt.get(method) ?? -Infinity) > CAREFUL_FOR_MS) return 0;
    this.forgetIdle(recent);
    return (60_000 / perMinute) * Math.max(1, recent.size);
  }

  limited(method: string, retryAfterSeconds: number): void {
    this.limitedAt.set(method, this.now());
    const until = this.now() + Math.max(1, retryAfterSeconds) * 1000;
    this.note(method, until);
    this.share?.store.publish(this.share.teamId, method, until).catch(this.share.onError);
  }

  /** Whether the method is held back right now (here or, with a RateShare, by another replica's 429): for callers that skip instead of waiting. */
  async isLimited(method: string): Promise<boolean> {
    await this.refresh(method);
    return this.readyAt(method) > this.now();
  }

  async wait(method: string): Promise<void> {
    await this.refresh(method);
    const delay = this.readyAt(method) - this.now();
    if (delay > 0) await sleep(delay);
  }

  /** Reads the replicas' shared limit for a method, at most once per SHARE_REFRESH_MS (concurrent waiters share it). */
  private async refresh(method: string): Promise<void> {
    if (!this.share || this.now() - (this.sharedAt.get(method) ?? -Infinity) < SHARE_REFRESH_MS) return;
    let lookup = this.lookups.get(method);
    if (!lookup) {
      const { store, teamId, onError } = this.share;
      lookup = store
        .until(teamId, method)
        .then((until) => this.note(method, until), onError)
        .finally(() => {
          this.sharedAt.set(method, this.now());
          this.lookups.delete(method);
        });
      this.lookups.set(method, lookup);
    }
    await lookup;
  }

  private note(method: string, until: number): void {
    if (until > this.readyAt(method)) this.blockedUntil.set(method, until);
  }
}

/** One gate per workspace. */
export class SlackRateGates {
  private readonly gates = new Map<string, SlackRateGate>();
  constructor(private readonly share?: { store: RateShare; onError: (err: Error) => void }) {}

  for(teamId: string): SlackRateGate {
    let gate = this.gates.get(teamId);
    if (!gate) {
      gate = new SlackRateGate(Date.now, this.share && { teamId, ...this.share });
      this.gates.set(teamId, gate);
    }
    return gate;
  }
}
