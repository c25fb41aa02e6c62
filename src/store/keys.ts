import type { ThreadKey } from './types.js';

/** Every key name in one place, so prefixes and layouts cannot drift between stores. */
export function storeKeys(prefix: string) {
  return {
    thread: (k: ThreadKey) => `${prefix}thread:${k.teamId}:${k.channel}:${k.threadTs}`,
    dedupe: (id: string) => `${prefix}dedupe:${id}`,
    /** Feedback votes: a hash of records by vote id, and a sorted set of vote ids by time. */
    feedbackItems: `${prefix}feedback:items`,
    feedbackByTime: `${prefix}feedback:by-time`,
  };
}
export type StoreKeys = ReturnType<typeof storeKeys>;
