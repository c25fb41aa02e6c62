import { sleep } from '../llm/backoff.js';

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
export class SlackRateGate {
  private readonly blockedUntil = new Map<string, number>();
  constructor(
    private readonly now: () => number = Date.now,
    private readonly share?: { teamId: string; store: RateShare; onError: (err: Error) => void },
  ) {}

  readyAt(method: string): number {
    return this.blockedUntil.get(method) ?? 0;
  }

  limited(method: string, retryAfterSeconds: number): void {
    const until = this.now() + Math.max(1, retryAfterSeconds) * 1000;
    this.note(method, until);
    this.share?.store.publish(this.share.teamId, method, until).catch(this.share.onError);
  }

  async wait(method: string): Promise<void> {
    if (this.share) {
      const { store, teamId, onError } = this.share;
      this.note(method, await store.until(teamId, method).catch((err: Error) => (onError(err), 0)));
    }
    const delay = this.readyAt(method) - this.now();
    if (delay > 0) await sleep(delay);
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
    if (!gate) this.gates.set(teamId, (gate = new SlackRateGate(Date.now, this.share && { teamId, ...this.share })));
    return gate;
  }
}
