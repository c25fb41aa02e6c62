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
    // Usage keys of one workspace share the {team} hash tag, so one Lua script may touch them all in a cluster.
    usageUserDay: (team: string, user: string, day: string) => `${prefix}usage:{${team}}:user:${user}:day:${day}`,
    usageUserMonth: (team: string, user: string, month: string) => `${prefix}usage:{${team}}:user:${user}:month:${month}`,
    usageWorkspaceMonth: (team: string, month: string) => `${prefix}usage:{${team}}:ws:month:${month}`,
    usageTopMonth: (team: string, month: string) => `${prefix}usage:{${team}}:top:month:${month}`,
    holdsUserDay: (team: string, user: string, day: string) => `${prefix}usage:{${team}}:holds:user:${user}:day:${day}`,
    holdsWorkspaceMonth: (team: string, month: string) => `${prefix}usage:{${team}}:holds:ws:month:${month}`,
    approval: (id: string) => `${prefix}approval:${id}`,
  };
}
export type StoreKeys = ReturnType<typeof storeKeys>;
