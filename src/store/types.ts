import type { FeedbackStore } from './feedback.js';
import type { UserStateStore } from './user-state.js';

/** Where a conversation lives in Slack: one thread (or one DM thread) of one workspace. */
export interface ThreadKey {
  teamId: string;
  channel: string;
  threadTs: string;
}

export type ImageDetail = 'low' | 'high' | 'auto';

/**
 * A file from a Slack message, prepared for the model. Images and PDFs carry their bytes in `data` while in
 * memory; stores keep those bytes under their own keys (bounded per thread) and leave `data` out when the
 * bytes have been forgotten, so a later turn can say the file is no longer available.
 */
export type Attachment =
  | {
      kind: 'image';
      /** Unique within the thread; names the stored bytes. */
      id: string;
      name: string;
      mime: 'image/png' | 'image/jpeg';
      width: number;
      height: number;
      detail: ImageDetail;
      /** Something the model should know, e.g. that only the first frame of an animation is shown. */
      note?: string;
      data?: Uint8Array;
    }
  | { kind: 'pdf'; id: string; name: string; bytes: number; data?: Uint8Array }
  | { kind: 'text'; name: string; text: string; totalChars: number; truncated: boolean };

/** An attachment that was not given to the model, and why (shown to the user and told to the model). */
export interface SkippedFile {
  name: string;
  reason: string;
}

/** One entry of a thread's conversation as the model saw it, oldest first. */
export type ThreadItem =
  | { type: 'user'; ts: string; userId: string; userName: string; text: string; attachments?: Attachment[]; skipped?: SkippedFile[] }
  | { type: 'assistant'; ts?: string; text: string; responseId?: string; model?: string }
  | { type: 'function_call'; callId: string; name: string; arguments: string }
  | { type: 'function_call_output'; callId: string; output: string };

export interface ThreadStore {
  load(key: ThreadKey): Promise<ThreadItem[]>;
  /** Appends in order and extends the thread's time to live. */
  append(key: ThreadKey, items: readonly ThreadItem[]): Promise<void>;
  /** Whether the bot has taken part in this thread (it has stored items). */
  has(key: ThreadKey): Promise<boolean>;
  clear(key: ThreadKey): Promise<void>;
  /** Removes one person's messages (and tool results fetched for them) from a shared thread; returns how many items changed. */
  redactPerson(key: ThreadKey, userId: string): Promise<number>;
}

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
  dedupe: DedupeStore;
  approvals: ApprovalStore;
  turns: TurnLedger;
  /** Votes on answers (the feedback buttons). */
  feedback: FeedbackStore;
  /** Viewing context and the per-person thread index. */
  userState: UserStateStore;
  /** Whether the backing service answers right now (for readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
