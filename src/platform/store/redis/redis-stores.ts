import { withRetry } from '../../../lib/retry.js';
import type { ThreadItem, ThreadKey, ThreadStore } from '../../../turn/thread.js';
import { attachBlobs, blobIdsOf, blobsOf, decodeItems, encodeItem } from '../codec.js';
import type { StoreKeys } from '../keys.js';
import { redactPerson } from '../redact-person.js';
import { type RedisClient, scanKeys } from '../redis-client.js';
import type { ApprovalStore, DedupeStore, ThreadTtl, TurnLedger } from '../types.js';

/** A turn is retried within minutes; a day covers any backlog. */
const LEDGER_TTL_SECONDS = 86_400;
/** 0.25 + 0.5 + 1 + 2 + 4 s of waiting for Redis to come back. */
const APPEND_RETRIES = 5;

/**
 * Appends a turn's items to its thread and stores their file bytes, forgetting the oldest files beyond the bound,
 * atomically; all three keys get the thread's TTL. One command (sent by SHA) instead of MULTI, RPUSH, EXPIRE, an
 * EVAL carrying this script's body, EXEC. KEYS: thread list, files hash, order list. ARGV: ttl seconds, bound,
 * item count n, n items, then id/bytes pairs.
 */
const APPEND_LUA = `
local n = tonumber(ARGV[3])
for i = 4, 3 + n do redis.call('RPUSH', KEYS[1], ARGV[i]) end
redis.call('EXPIRE', KEYS[1], ARGV[1])
for i = 4 + n, #ARGV, 2 do
  if redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) == 1 then redis.call('RPUSH', KEYS[3], ARGV[i]) end
end
local bound = tonumber(ARGV[2])
while redis.call('LLEN', KEYS[3]) > bound do
  redis.call('HDEL', KEYS[2], redis.call('LPOP', KEYS[3]))
end
redis.call('EXPIRE', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[3], ARGV[1])
return 0`;

/** Records a message of a turn's reply and keeps the ledger a day. KEYS: ledger list. ARGV: ts, ttl seconds. */
const RECORD_REPLY_LUA = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 0`;

type Args = Array<string | number | Buffer>;
interface StoreScripts {
  twAppendThread(threadKey: string, filesKey: string, orderKey: string, ...args: Args): Promise<unknown>;
  twRecordReply(ledgerKey: string, ts: string, ttlSeconds: number): Promise<unknown>;
}

/** The scripts as ioredis commands (EVALSHA, falling back to EVAL once per connection when Redis lacks them). */
function storeScripts(redis: RedisClient): StoreScripts {
  redis.defineCommand('twAppendThread', { numberOfKeys: 3, lua: APPEND_LUA });
  redis.defineCommand('twRecordReply', { numberOfKeys: 1, lua: RECORD_REPLY_LUA });
  return redis as unknown as StoreScripts;
}

/** KEYS: thread list, files hash, file order. ARGV: expected length, expected last item, ttl, n, n file ids, items. */
const REPLACE_IF_UNCHANGED_LUA = `
if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[1]) or (redis.call('LINDEX', KEYS[1], -1) or '') ~= ARGV[2] then return 0 end
local ttl = redis.call('TTL', KEYS[1])
if ttl <= 0 then ttl = tonumber(ARGV[3]) end
local n = tonumber(ARGV[4])
for i = 5, 4 + n do
  redis.call('HDEL', KEYS[2], ARGV[i])
  redis.call('LREM', KEYS[3], 0, ARGV[i])
end
redis.call('DEL', KEYS[1])
for i = 5 + n, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
redis.call('EXPIRE', KEYS[1], ttl)
return 1`;

export class RedisThreadStore implements ThreadStore {
  private readonly scripts: StoreScripts;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
    /** Seconds a thread is remembered after its last message: one for all, or per thread (state.channels). */
    private readonly ttl: ThreadTtl,
    private readonly maxFilesPerThread: number,
  ) {
    this.scripts = storeScripts(redis);
  }

  private ttlOf(key: ThreadKey): number {
    return Math.max(1, Math.round(typeof this.ttl === 'number' ? this.ttl : this.ttl(key)));
  }

  async load(key: ThreadKey): Promise<ThreadItem[]> {
    const items = decodeItems(await this.redis.lrange(this.keys.thread(key), 0, -1));
    const ids = blobIdsOf(items);
    if (!ids.length) return items;
    const found = await this.redis.hmgetBuffer(this.keys.threadFiles(key), ...ids);
    const blobs = new Map<string, Uint8Array>();
    ids.forEach((id, i) => {
      const data = found[i];
      if (data) blobs.set(id, data);
    });
    return attachBlobs(items, blobs);
  }

  /**
   * Rides out a short Redis blip (a few seconds of reconnecting): this write ends a turn whose answer Slack
   * already shows, and losing it would make the retried turn answer the question all over again.
   */
  async append(key: ThreadKey, items: readonly ThreadItem[]): Promise<void> {
    if (!items.length) return;
    const files = blobsOf(items).flatMap((b) => [
      b.id,
      Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength),
    ]);
    const encoded = items.map(encodeItem);
    const ttl = this.ttlOf(key);
    // A short Redis blip must not lose an answer the user has already seen: retry with backoff before giving up.
    await withRetry(
      () =>
        this.scripts.twAppendThread(
          this.keys.thread(key),
          this.keys.threadFiles(key),
          this.keys.threadFileOrder(key),
          ttl,
          this.maxFilesPerThread,
          encoded.length,
          ...encoded,
          ...files,
        ),
      { attempts: APPEND_RETRIES + 1, delayFor: (_err, attempt) => 250 * 2 ** (attempt - 1) },
    );
  }

  async has(key: ThreadKey): Promise<boolean> {
    return (await this.redis.exists(this.keys.thread(key))) === 1;
  }

  async clear(key: ThreadKey): Promise<void> {
    await this.redis.del(this.keys.thread(key), this.keys.threadFiles(key), this.keys.threadFileOrder(key));
  }

  /**
   * Rewrites the thread only if it is unchanged since it was read (same length, same last item), so a turn
   * appending meanwhile makes the rewrite start over instead of being lost. The connection is shared: no WATCH.
   */
  async redactPerson(key: ThreadKey, userId: string): Promise<number> {
    const k = this.keys.thread(key);
    for (let attempt = 0; attempt < 5; attempt++) {
      const raw = await this.redis.lrange(k, 0, -1);
      const items = decodeItems(raw);
      const { items: kept, changed } = redactPerson(items, userId);
      if (!changed) return 0;
      const gone = blobIdsOf(items).filter((id) => !blobIdsOf(kept).includes(id));
      const replaced = await this.redis.eval(
        REPLACE_IF_UNCHANGED_LUA,
        3,
        k,
        this.keys.threadFiles(key),
        this.keys.threadFileOrder(key),
        raw.length,
        raw.at(-1) ?? '',
        this.ttlOf(key),
        gone.length,
        ...gone,
        ...kept.map(encodeItem),
      );
      if (replaced === 1) return changed;
    }
    throw new Error('the thread kept changing while a person was being removed from it');
  }
}

export class RedisDedupeStore implements DedupeStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
  ) {}

  async claim(id: string, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.set(this.keys.dedupe(id), '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  async release(id: string): Promise<void> {
    await this.redis.del(this.keys.dedupe(id));
  }
}

export class RedisApprovalStore implements ApprovalStore {
  constructor(
    private readonly redis: RedisClient,
    keys: StoreKeys,
    /** Where each entry lives; the same store shape also keeps MCP sign-ins under their own keys. */
    private readonly keyOf: (id: string) => string = keys.approval,
  ) {}

  async put(id: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.keyOf(id), value, 'EX', Math.max(1, Math.round(ttlSeconds)));
  }

  async get(id: string): Promise<string | undefined> {
    return (await this.redis.get(this.keyOf(id))) ?? undefined;
  }

  async take(id: string): Promise<string | undefined> {
    // GETDEL (Redis 6.2+) is atomic, so a double click cannot run the approved write twice.
    return (await this.redis.getdel(this.keyOf(id))) ?? undefined;
  }

  async deleteWhere(matches: (value: string) => boolean): Promise<number> {
    let deleted = 0;
    // Entries are few (pending approvals live a day, sign-ins one per person and server); a SCAN suits a rare request.
    // Each entry is its own key (in a Cluster in its own slot), so they are read and deleted one key per command.
    for await (const keys of scanKeys(this.redis, this.keyOf('*'))) {
      const values = await Promise.all(keys.map((k) => this.redis.get(k)));
      const doomed = keys.filter((_, i) => values[i] != null && matches(values[i]!));
      const counts = await Promise.all(doomed.map((k) => this.redis.del(k)));
      deleted += counts.reduce((sum, n) => sum + n, 0);
    }
    return deleted;
  }
}

export class RedisTurnLedger implements TurnLedger {
  private readonly scripts: StoreScripts;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
  ) {
    this.scripts = storeScripts(redis);
  }

  async replies(turnId: string): Promise<string[]> {
    return this.redis.lrange(this.keys.turnReplies(turnId), 0, -1);
  }

  async recordReply(turnId: string, ts: string): Promise<void> {
    await this.scripts.twRecordReply(this.keys.turnReplies(turnId), ts, LEDGER_TTL_SECONDS);
  }
}
