// Slack Web API rate limits as the fake enforces them when `rateLimits: 'tiers'`.
//
// Tiers are per method, per workspace (per app): Tier 1 = 1+/min, Tier 2 = 20+/min, Tier 3 = 50+/min,
// Tier 4 = 100+/min; the fake uses the published floors as hard limits over a sliding window and
// allows bursts up to the per-window number (https://docs.slack.dev/apis/web-api/rate-limits).
// chat.postMessage is "special": about 1 message per second per channel with short bursts; modelled
// as a token bucket of 2 refilled at 1/s. assistant.threads.setStatus is "special"; treated as 600/min.
// Method tiers come from slackapi/java-slack-sdk MethodsRateLimits.java and the docs pages
// (chat.startStream/stopStream Tier 2, chat.appendStream Tier 4).

export const TIER_PER_MINUTE = { 1: 1, 2: 20, 3: 50, 4: 100 } as const;

export type MethodLimit = { perMinute: number } | 'postMessage';

export const METHOD_LIMITS: Record<string, MethodLimit> = {
  'chat.postMessage': 'postMessage',
  'chat.startStream': { perMinute: TIER_PER_MINUTE[2] },
  'chat.stopStream': { perMinute: TIER_PER_MINUTE[2] },
  'chat.appendStream': { perMinute: TIER_PER_MINUTE[4] },
  'chat.update': { perMinute: TIER_PER_MINUTE[3] },
  'chat.delete': { perMinute: TIER_PER_MINUTE[3] },
  'chat.postEphemeral': { perMinute: TIER_PER_MINUTE[4] },
  'users.info': { perMinute: TIER_PER_MINUTE[4] },
  'conversations.info': { perMinute: TIER_PER_MINUTE[3] },
  'conversations.replies': { perMinute: TIER_PER_MINUTE[3] },
  'conversations.history': { perMinute: TIER_PER_MINUTE[3] },
  'assistant.threads.setStatus': { perMinute: 600 },
  'assistant.threads.setSuggestedPrompts': { perMinute: TIER_PER_MINUTE[3] },
  'assistant.threads.setTitle': { perMinute: TIER_PER_MINUTE[3] },
  // Tier 3 both (slackapi/java-slack-sdk#1633, MethodsRateLimits).
  'agents.sessions.setStatus': { perMinute: TIER_PER_MINUTE[3] },
  'agents.sessions.rename': { perMinute: TIER_PER_MINUTE[3] },
  'chat.unfurl': { perMinute: TIER_PER_MINUTE[3] },
  'views.publish': { perMinute: TIER_PER_MINUTE[4] },
  'views.open': { perMinute: TIER_PER_MINUTE[4] },
  'views.update': { perMinute: TIER_PER_MINUTE[4] },
  'files.info': { perMinute: TIER_PER_MINUTE[4] },
  // "10+ requests per minute" for most teams (docs.slack.dev assistant.search.context): enforced even when the
  // tiers are off, because answers must live with it (ALWAYS_LIMITED).
  'assistant.search.context': { perMinute: 10 },
  // auth.test ("special", generous) and apps.connections.open (Tier 1, but reconnects in tests
  // would trip it) are deliberately not limited.
};

export interface RateLimitOptions {
  mode: 'off' | 'tiers';
  /** Multiplies every allowed rate (0.1 => Tier 2 allows 2 per minute). */
  tierScale: number;
  /**
   * Runs Slack's rate clock this many times faster (default 1): the per-minute window lasts 60/timeScale s
   * with the same allowance, and chat.postMessage refills timeScale tokens per second. A load of N calls in
   * 60/timeScale s then meets exactly the limits N calls per minute meet on real Slack. Retry-After stays in
   * whole seconds (at least 1), as Slack sends it, so a client waits somewhat longer than strictly needed.
   */
  timeScale?: number;
}

const MINUTE_MS = 60_000;

/** Methods whose special limit is so low that the app must be built around it: limited in every mode. */
const ALWAYS_LIMITED = new Set(['assistant.search.context']);

export type RateDecision = { limited: false } | { limited: true; retryAfterSec: number };

export class RateLimiter {
  private windows = new Map<string, number[]>();
  private buckets = new Map<string, { tokens: number; at: number }>();
  limitedCount = 0;
  readonly limitedByMethod = new Map<string, number>();

  constructor(private readonly opts: RateLimitOptions) {}

  /** Allowed calls per window for a method, after tierScale. */
  allowance(method: string): number | undefined {
    const limit = METHOD_LIMITS[method];
    if (!limit || limit === 'postMessage') return undefined;
    return Math.max(1, Math.floor(limit.perMinute * this.opts.tierScale));
  }

  /** Records the call if allowed; otherwise returns the Retry-After to send. */
  check(method: string, teamId: string, channel: string | undefined, now: number): RateDecision {
    if (this.opts.mode === 'off' && !ALWAYS_LIMITED.has(method)) return { limited: false };
    const limit = METHOD_LIMITS[method];
    if (!limit) return { limited: false };
    const decision =
      limit === 'postMessage' ? this.bucket(`${teamId}:${channel ?? ''}`, now) : this.window(method, teamId, now);
    if (decision.limited) {
      this.limitedCount += 1;
      this.limitedByMethod.set(method, (this.limitedByMethod.get(method) ?? 0) + 1);
    }
    return decision;
  }

  private window(method: string, teamId: string, now: number): RateDecision {
    const key = `${teamId}:${method}`;
    const allowed = this.allowance(method) ?? Infinity;
    const windowMs = MINUTE_MS / (this.opts.timeScale ?? 1);
    const since = now - windowMs;
    const hits = (this.windows.get(key) ?? []).filter((t) => t > since);
    if (hits.length >= allowed) {
      this.windows.set(key, hits);
      const oldest = hits[0] ?? now;
      return { limited: true, retryAfterSec: Math.max(1, Math.ceil((oldest + windowMs - now) / 1000)) };
    }
    hits.push(now);
    this.windows.set(key, hits);
    return { limited: false };
  }

  private bucket(key: string, now: number): RateDecision {
    const capacity = 2;
    const perMs = (this.opts.tierScale * (this.opts.timeScale ?? 1)) / 1000;
    const b = this.buckets.get(key) ?? { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + (now - b.at) * perMs);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) {
      return { limited: true, retryAfterSec: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)) };
    }
    b.tokens -= 1;
    return { limited: false };
  }

  reset(): void {
    this.windows.clear();
    this.buckets.clear();
    this.limitedCount = 0;
    this.limitedByMethod.clear();
  }
}
