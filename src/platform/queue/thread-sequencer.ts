import type { ThreadKey } from '../../turn/thread.js';
import type { StoreKeys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import type { TurnJob } from './types.js';

/** What a turn may do now: run, or wait because it is not admitted yet, is not first in line, or the thread is busy. */
export type Admission =
  | { kind: 'run' }
  | { kind: 'unadmitted' }
  | { kind: 'behind'; head: string }
  | { kind: 'locked' }
  /** The job's recovery record is gone: its turn was answered (by the replica that started it) or given up. */
  | { kind: 'over' };

/**
 * What accepting a turn did: `duplicate` (its message was claimed by another delivery; nothing written), `known`
 * (this job is on record already: a redelivery after a failed ack), `run` (placed, recorded and the thread's lock
 * taken for this replica: start it now) or `queued` (placed and recorded; it waits for its thread or a slot).
 */
export type Acceptance = 'duplicate' | 'known' | 'run' | 'queued';

/** A thread's line is forgotten a day after its last arrival. */
const LINE_TTL_SECONDS = 86_400;

/**
 * A place this young may belong to a job whose add is still on its way (the two are written side by side before
 * Slack's ack), so it is not dropped as the place of a job that is over.
 */
export const FRESH_PLACE_MS = 2_000;

// Places the job in the thread's line once (a redelivered event must not queue twice), by its message's time, and
// notes when (Redis's clock, the same for every replica).
const PLACE = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  local t = redis.call('TIME')
  redis.call('HSET', KEYS[2], ARGV[1], t[1] * 1000 + math.floor(t[2] / 1000))
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])`;

const ADMIT = `${PLACE}
return 1`;

// One step before Slack's ack: claim the message (once across retries and the app_mention + message double),
// write the job's recovery record, place it in its line (PLACE) and, when this replica has a free slot, take the
// thread's lock if the job heads its line and nobody holds it. A duplicate writes nothing.
const ACCEPT = `
if ARGV[4] ~= '0' and not redis.call('SET', KEYS[5], ARGV[1], 'EX', ARGV[4], 'NX') then return 'duplicate' end
if redis.call('HSETNX', KEYS[4], ARGV[1], ARGV[5]) == 0 then return 'known' end
redis.call('EXPIRE', KEYS[4], ARGV[2])
${PLACE}
if ARGV[6] == '' then return 'queued' end
if redis.call('ZRANGE', KEYS[1], 0, 0)[1] ~= ARGV[1] then return 'queued' end
if redis.call('SET', KEYS[3], ARGV[6], 'PX', ARGV[7], 'NX') then return 'run' end
return 'queued'`;

// Only the head of the line may take the lock; the lock holder's token is unique per attempt. A job that must have a
// recovery record (every job since records exist) is over when its record is gone.
const TRY = `
if ARGV[4] == '1' and redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 then return {'over', ''} end
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if not rank then return {'unadmitted', ''} end
if rank ~= 0 then return {'behind', redis.call('ZRANGE', KEYS[1], 0, 0)[1]} end
local holder = redis.call('GET', KEYS[2])
if holder == ARGV[2] then redis.call('PEXPIRE', KEYS[2], ARGV[3]) return {'run', ''} end
if holder then return {'locked', ''} end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return {'run', ''}`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

// Compare-and-delete: a lock that expired and was taken by another replica is not ours to free.
const RELEASE = `
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
if ARGV[3] == '1' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('HDEL', KEYS[4], ARGV[1])
end
return 1`;

// Undoes an accept whose job could not be queued (the event then fails and Slack delivers it again).
const WITHDRAW = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if redis.call('GET', KEYS[4]) == ARGV[1] then redis.call('DEL', KEYS[4]) end
return 1`;

// Only a head that has been in line for a while: a fresh place's job may not have been added yet.
const DROP_HEAD = `
if redis.call('ZRANGE', KEYS[1], 0, 0)[1] ~= ARGV[1] then return 0 end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local placed = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if now - placed < tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1`;

/**
 * A Slack ts ("1700000000.000100") as whole microseconds: exact in a double (below 2^53), so two messages a
 * microsecond apart still sort apart.
 */
export function tsScore(ts: string): number {
  const [seconds = '0', micros = ''] = ts.split('.');
  return Number(seconds) * 1_000_000 + Number(micros.padEnd(6, '0').slice(0, 6));
}

/**
 * Per-thread ordering across replicas: every thread has a line of job ids ordered by when their messages were
 * written (events can arrive out of order, and at different replicas) and a lock.
 * A turn runs only when it heads its line and holds the lock; the lock is renewed while it runs and
 * expires on its own when the process holding it dies.
 */
type Script = (...args: Array<string | number>) => Promise<unknown>;
interface SequencerScripts {
  twAccept: Script;
  twWithdraw: Script;
  twAdmit: Script;
  twTryRun: Script;
  twRenew: Script;
  twRelease: Script;
  twDropHead: Script;
}

export class ThreadSequencer {
  /** The scripts as ioredis commands: sent by SHA (EVALSHA), so Redis neither receives nor hashes the body per call. */
  private readonly scripts: SequencerScripts;
  private readonly redis: RedisClient;

  constructor(
    redis: RedisClient,
    private readonly keys: StoreKeys,
  ) {
    redis.defineCommand('twAccept', { numberOfKeys: 5, lua: ACCEPT });
    redis.defineCommand('twWithdraw', { numberOfKeys: 4, lua: WITHDRAW });
    redis.defineCommand('twAdmit', { numberOfKeys: 2, lua: ADMIT });
    redis.defineCommand('twTryRun', { numberOfKeys: 3, lua: TRY });
    redis.defineCommand('twRenew', { numberOfKeys: 1, lua: RENEW });
    redis.defineCommand('twRelease', { numberOfKeys: 4, lua: RELEASE });
    redis.defineCommand('twDropHead', { numberOfKeys: 2, lua: DROP_HEAD });
    this.scripts = redis as unknown as SequencerScripts;
    this.redis = redis;
  }

  /**
   * Accepts a turn in one round trip (see ACCEPT). `claim` names the message once across deliveries (absent: the
   * caller made sure of that); `lockToken` asks for the thread's lock for this replica.
   */
  async accept(
    job: TurnJob,
    opts: { claim?: { messageId: string; ttlSeconds: number }; lockToken?: string; lockMs: number },
  ): Promise<Acceptance> {
    const key = job.key;
    const verdict = await this.scripts.twAccept(
      this.keys.threadQueue(key),
      this.keys.threadPlaced(key),
      this.keys.threadLock(key),
      this.keys.turnRecords(key),
      this.keys.messageClaim(key, opts.claim?.messageId ?? job.id),
      job.id,
      LINE_TTL_SECONDS,
      tsScore(job.messageTs),
      opts.claim ? Math.max(1, Math.round(opts.claim.ttlSeconds)) : 0,
      JSON.stringify(job),
      opts.lockToken ?? '',
      opts.lockMs,
    );
    if (verdict === 'duplicate' || verdict === 'known' || verdict === 'run' || verdict === 'queued') return verdict;
    throw new Error(`unexpected acceptance ${String(verdict)}`);
  }

  /** Takes back an accept whose job could not be queued: its record, its place and its message's claim. */
  async withdraw(job: TurnJob, claimedMessageId?: string): Promise<void> {
    const key = job.key;
    await this.scripts.twWithdraw(
      this.keys.threadQueue(key),
      this.keys.threadPlaced(key),
      this.keys.turnRecords(key),
      this.keys.messageClaim(key, claimedMessageId ?? job.id),
      job.id,
    );
  }

  /** The job on record for an unfinished turn (JSON, read back through turnJobSchema), or null once it is over. */
  async record(key: ThreadKey, jobId: string): Promise<string | null> {
    return this.redis.hget(this.keys.turnRecords(key), jobId);
  }

  async admit(key: ThreadKey, jobId: string, messageTs: string): Promise<void> {
    await this.scripts.twAdmit(
      this.keys.threadQueue(key),
      this.keys.threadPlaced(key),
      jobId,
      LINE_TTL_SECONDS,
      tsScore(messageTs),
    );
  }

  /** `recorded`: the job has a recovery record (every job accepted by `accept`), and is over once that is gone. */
  async tryRun(key: ThreadKey, jobId: string, token: string, ttlMs: number, recorded = false): Promise<Admission> {
    const [kind, head] = (await this.scripts.twTryRun(
      this.keys.threadQueue(key),
      this.keys.threadLock(key),
      this.keys.turnRecords(key),
      jobId,
      token,
      ttlMs,
      recorded ? '1' : '0',
    )) as [string, string];
    if (kind === 'behind') return { kind, head };
    if (kind === 'run' || kind === 'unadmitted' || kind === 'locked' || kind === 'over') return { kind };
    throw new Error(`unexpected admission ${kind}`);
  }

  /** False when the lock is no longer ours (it expired and may be held by another replica). */
  async renew(key: ThreadKey, token: string, ttlMs: number): Promise<boolean> {
    return (await this.scripts.twRenew(this.keys.threadLock(key), token, ttlMs)) === 1;
  }

  /**
   * Frees the lock; `done` also takes the job out of the line and drops its recovery record (a turn that will be
   * retried keeps both).
   */
  async release(key: ThreadKey, jobId: string, token: string, done: boolean): Promise<void> {
    await this.scripts.twRelease(
      this.keys.threadQueue(key),
      this.keys.threadLock(key),
      this.keys.threadPlaced(key),
      this.keys.turnRecords(key),
      jobId,
      token,
      done ? '1' : '0',
    );
  }

  /**
   * Removes a head whose job is over (e.g. failed after its process died repeatedly), so the line moves on; false
   * when it is not the head, or took its place less than FRESH_PLACE_MS ago (its job may still be being added).
   */
  async dropHead(key: ThreadKey, jobId: string): Promise<boolean> {
    const placed = this.keys.threadPlaced(key);
    return (await this.scripts.twDropHead(this.keys.threadQueue(key), placed, jobId, FRESH_PLACE_MS)) === 1;
  }
}
