import type { Logger } from 'pino';
import type { StoreKeys } from './keys.js';
import { type RedisClient, scanKeys } from './redis-client.js';

/** Set once the keys below carry their Cluster hash tags; a later start skips the scan. */
const LAYOUT = 'cluster-tags-1';

/**
 * Before Cluster support, kept data lived under untagged names (`tw:thread:T1:C1:1700…`). This renames what outlives
 * a deploy to the tagged names of keys.ts, once per Redis: conversations and their files, which threads the bot is
 * in, a person's thread index and app context, and the feedback log. Turn-queue state (BullMQ jobs, thread lines and
 * locks) is not moved: it lives minutes, and docs/deployment.md says to deploy with an empty queue.
 * RENAMENX never overwrites a key the new version already wrote. The old names are spelled here, the one place that
 * still needs them.
 */
export async function migrateKeyLayout(
  redis: RedisClient,
  prefix: string,
  keys: StoreKeys,
  log: Logger,
): Promise<void> {
  if ((await redis.get(keys.keyLayout)) === LAYOUT) return;
  const threadKey = (rest: string) => {
    const [teamId, channel, threadTs, extra] = rest.split(':');
    return teamId && channel && threadTs && extra === undefined ? { teamId, channel, threadTs } : undefined;
  };
  const userKey = (rest: string) => {
    const [team, user, extra] = rest.split(':');
    return team && user && extra === undefined ? ([team, user] as const) : undefined;
  };
  const moves: Array<[string, (rest: string) => string | undefined]> = [
    ['thread:', (r) => mapped(threadKey(r), keys.thread)],
    ['files:', (r) => mapped(threadKey(r), keys.threadFiles)],
    ['files-order:', (r) => mapped(threadKey(r), keys.threadFileOrder)],
    ['joined:', (r) => mapped(threadKey(r), keys.participation)],
    ['app-context:', (r) => mapped(userKey(r), (u) => keys.appContext(...u))],
    ['user-threads:', (r) => mapped(userKey(r), (u) => keys.userThreads(...u))],
  ];
  let moved = 0;
  let kept = 0;
  const rename = async (from: string, to: string) => {
    if (from === to) return;
    if ((await redis.renamenx(from, to).catch(() => 0)) === 1) moved++;
    else if ((await redis.exists(from)) === 1) kept++;
  };
  for (const [kind, target] of moves) {
    // Old names have no braces; tagged names of the same kind also match the pattern and are left alone.
    for await (const batch of scanKeys(redis, `${prefix}${kind}*`, 500)) {
      for (const old of batch) {
        const to = old.includes('{') ? undefined : target(old.slice(prefix.length + kind.length));
        if (to) await rename(old, to);
      }
    }
  }
  await rename(`${prefix}feedback:items`, keys.feedbackItems);
  await rename(`${prefix}feedback:by-time`, keys.feedbackByTime);
  await redis.set(keys.keyLayout, LAYOUT);
  if (moved || kept)
    log.info({ moved, kept_old: kept }, 'renamed stored keys to their Redis Cluster names (once per Redis)');
}

const mapped = <T>(parsed: T | undefined, name: (v: T) => string) => (parsed === undefined ? undefined : name(parsed));
