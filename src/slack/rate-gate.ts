import { sleep } from '../llm/backoff.js';

/**
 * Slack rate limits are per method, per workspace, per app. One gate per workspace is shared by every reply
 * in flight, so a 429 on one answer holds back the same method for all of them until Retry-After passes.
 */
export class SlackRateGate {
  private readonly blockedUntil = new Map<string, number>();
  constructor(private readonly now: () => number = Date.now) {}

  readyAt(method: string): number {
    return this.blockedUntil.get(method) ?? 0;
  }

  limited(method: string, retryAfterSeconds: number): void {
    const until = this.now() + Math.max(1, retryAfterSeconds) * 1000;
    if (until > this.readyAt(method)) this.blockedUntil.set(method, until);
  }

  async wait(method: string): Promise<void> {
    const delay = this.readyAt(method) - this.now();
    if (delay > 0) await sleep(delay);
  }
}

/** One gate per workspace. */
export class SlackRateGates {
  private readonly gates = new Map<string, SlackRateGate>();
  for(teamId: string): SlackRateGate {
    let gate = this.gates.get(teamId);
    if (!gate) this.gates.set(teamId, (gate = new SlackRateGate()));
    return gate;
  }
}
