import type { ThreadKey } from './types.js';

const threadId = (k: ThreadKey) => `${k.teamId}:${k.channel}:${k.threadTs}`;

/** Every key name in one place, so prefixes and layouts cannot drift between stores. */
export function storeKeys(prefix: string) {
  return {
    thread: (k: ThreadKey) => `${prefix}thread:${threadId(k)}`,
    dedupe: (id: string) => `${prefix}dedupe:${id}`,
    /** Slack messages a turn's reply opened, so a retry after a crash can take them over. */
    turnReplies: (turnId: string) => `${prefix}turn:${turnId}:replies`,
    /** Job ids of a thread's turns in arrival order (the head runs next). */
    threadQueue: (k: ThreadKey) => `${prefix}tq:${threadId(k)}`,
    /** Held by the replica running a thread's turn. */
    threadLock: (k: ThreadKey) => `${prefix}tlock:${threadId(k)}`,
    /** A workspace's (or an org-wide) OAuth installation. */
    installation: (kind: 'team' | 'enterprise', id: string) => `${prefix}install:${kind}:${id}`,
    /** Until when a Slack method is rate limited in a workspace (shared by every replica). */
    slackLimit: (teamId: string, method: string) => `${prefix}slack-limit:${teamId}:${method}`,
    /** BullMQ's own prefix (it appends ":<queue>:…"). */
    bull: `${prefix}bull`,
  };
}
export type StoreKeys = ReturnType<typeof storeKeys>;
