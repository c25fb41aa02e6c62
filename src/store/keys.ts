import type { ThreadKey } from './types.js';

/** Every key name in one place, so prefixes and layouts cannot drift between stores. */
export function storeKeys(prefix: string) {
  const thread = (k: ThreadKey) => `${k.teamId}:${k.channel}:${k.threadTs}`;
  return {
    thread: (k: ThreadKey) => `${prefix}thread:${thread(k)}`,
    /** Hash: attachment id → file bytes (downscaled images, PDFs) of one thread. */
    threadFiles: (k: ThreadKey) => `${prefix}files:${thread(k)}`,
    /** List: attachment ids of one thread, oldest first, to forget the oldest beyond the per-thread bound. */
    threadFileOrder: (k: ThreadKey) => `${prefix}files-order:${thread(k)}`,
    dedupe: (id: string) => `${prefix}dedupe:${id}`,
  };
}
export type StoreKeys = ReturnType<typeof storeKeys>;
