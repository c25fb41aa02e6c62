/** Where a conversation lives in Slack: one thread (or one DM thread) of one workspace. */
export interface ThreadKey {
  teamId: string;
  channel: string;
  threadTs: string;
}

/** One entry of a thread's conversation as the model saw it, oldest first. */
export type ThreadItem =
  | { type: 'user'; ts: string; userId: string; userName: string; text: string }
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
}

export interface DedupeStore {
  /** True the first time an id is claimed within the TTL; false for every repeat, across replicas. */
  claim(id: string, ttlSeconds: number): Promise<boolean>;
  /** Gives a claim back, when the work it guarded could not be taken on (so a redelivery may try again). */
  release(id: string): Promise<void>;
}

/** Which Slack messages each turn's reply has opened, recorded as the reply progresses. */
export interface TurnLedger {
  replies(turnId: string): Promise<string[]>;
  recordReply(turnId: string, ts: string): Promise<void>;
}

export interface Stores {
  threads: ThreadStore;
  dedupe: DedupeStore;
  turns: TurnLedger;
  /** Whether the backing service answers right now (for readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
