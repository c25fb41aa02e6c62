import type { ThreadKey, ThreadStore } from '../../turn/thread.js';
import type { AuditLog } from './audit-log.js';
import type { OverrideStore } from './channel-overrides.js';
import type { FeedbackStore } from './feedback.js';
import type { ParticipationStore } from './participation.js';
import type { TurnStops } from './turn-stops.js';
import type { UserStateStore } from './user-state.js';

/** How long a thread is remembered after its last message, in seconds: one for all, or per thread. */
export type ThreadTtl = number | ((key: ThreadKey) => number);

export interface DedupeStore {
  /** True the first time an id is claimed within the TTL; false for every repeat, across replicas. */
  claim(id: string, ttlSeconds: number): Promise<boolean>;
  /** Gives a claim back, when the work it guarded could not be taken on (so a redelivery may try again). */
  release(id: string): Promise<void>;
}

/** Pending write approvals (serialized by their owner), which expire on their own. */
export interface ApprovalStore {
  put(id: string, value: string, ttlSeconds: number): Promise<void>;
  get(id: string): Promise<string | undefined>;
  /** Reads and deletes in one step: of two concurrent clicks, exactly one gets the value. */
  take(id: string): Promise<string | undefined>;
  /** Deletes every pending entry whose value matches (rare: forget-me); returns how many went. */
  deleteWhere(matches: (value: string) => boolean): Promise<number>;
}

/** Which Slack messages each turn's reply has opened, recorded as the reply progresses. */
export interface TurnLedger {
  replies(turnId: string): Promise<string[]>;
  recordReply(turnId: string, ts: string): Promise<void>;
}

export interface Stores {
  threads: ThreadStore;
  /** Threads the bot accepted a question in (before anything of them is stored). */
  participation: ParticipationStore;
  dedupe: DedupeStore;
  approvals: ApprovalStore;
  /** Per-person MCP sign-ins (tokens sealed by the secret box) and OAuth flows in progress, each with a TTL. */
  signIns: ApprovalStore;
  turns: TurnLedger;
  /** Votes on answers (the feedback buttons). */
  feedback: FeedbackStore;
  /** Viewing context and the per-person thread index. */
  userState: UserStateStore;
  /** What the bot did on whose behalf. */
  audit: AuditLog;
  /** Per-channel settings admins changed from Slack. */
  overrides: OverrideStore;
  /** "Stop" pressed on a thread, reaching the replica that runs its turn. */
  stops: TurnStops;
  /** Whether the backing service answers right now (for readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
