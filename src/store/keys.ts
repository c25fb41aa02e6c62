import type { ThreadKey } from './types.js';

/** Every key name in one place, so prefixes and layouts cannot drift between stores. */
export function storeKeys(prefix: string) {
  return {
    thread: (k: ThreadKey) => `${prefix}thread:${k.teamId}:${k.channel}:${k.threadTs}`,
    dedupe: (id: string) => `${prefix}dedupe:${id}`,
    approval: (id: string) => `${prefix}approval:${id}`,
  };
}
export type StoreKeys = ReturnType<typeof storeKeys>;
