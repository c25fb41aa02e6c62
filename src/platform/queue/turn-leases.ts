import { z } from 'zod';
import { parseStored } from '../../lib/stored-json.js';
import type { ThreadKey } from '../../turn/thread.js';
import type { StoreKeys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';

/** One unfinished turn of the lease index: its thread and job id. */
export interface LeasedTurn {
  key: ThreadKey;
  jobId: string;
}

// Scores are Redis's clock (the same for every replica), in ms.
const LEASE = `
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], t[1] * 1000 + math.floor(t[2] / 1000) + tonumber(ARGV[1]), ARGV[2])
return 1`;

// Takes up to ARGV[2] leases that ran out and extends each by ARGV[1] for the caller, so two replicas sweeping at
// the same moment do not both take one over (the loser sees it again only if the winner's extension runs out too).
const TAKE_DUE = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), m) end
return due`;

type Script = (...args: Array<string | number>) => Promise<unknown>;
interface LeaseScripts {
  twLease: Script;
  twTakeDue: Script;
}

const member = (t: LeasedTurn) => JSON.stringify([t.key.teamId, t.key.channel, t.key.threadTs, t.jobId]);

const memberSchema = z.tuple([z.string(), z.string(), z.string(), z.string()]);

function parseMember(m: string): LeasedTurn | undefined {
  const v = parseStored(memberSchema, m);
  return v && { key: { teamId: v[0], channel: v[1], threadTs: v[2] }, jobId: v[3] };
}

/**
 * The index of recovery records by lease: a replica running a turn it started itself keeps that turn's lease
 * running out in the future; when the replica dies, the lease runs out and any replica's sweep finds the turn.
 * Only an index: the record itself (`turnRecords`, in the thread's hash slot) says whether the turn is over, so an
 * entry whose record is gone is simply dropped. It lives under its own hash tag, so it is written beside the
 * thread's accept script, not inside it.
 */
export class TurnLeases {
  private readonly scripts: LeaseScripts;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
  ) {
    redis.defineCommand('twLease', { numberOfKeys: 1, lua: LEASE });
    redis.defineCommand('twTakeDue', { numberOfKeys: 1, lua: TAKE_DUE });
    this.scripts = redis as unknown as LeaseScripts;
  }

  /** The turn's lease runs out `ms` from now (a new entry, or an extension). */
  async lease(turn: LeasedTurn, ms: number): Promise<void> {
    await this.scripts.twLease(this.keys.turnLeases, ms, member(turn));
  }

  /** How many turns hold a lease (finished ones are forgotten; a dead replica's stay until a sweep takes them). */
  async count(): Promise<number> {
    return this.redis.zcard(this.keys.turnLeases);
  }

  async forget(turn: LeasedTurn): Promise<void> {
    await this.redis.zrem(this.keys.turnLeases, member(turn));
  }

  /** Up to `limit` turns whose lease ran out, each now leased to the caller for `ms`. */
  async takeDue(ms: number, limit: number): Promise<LeasedTurn[]> {
    const due = (await this.scripts.twTakeDue(this.keys.turnLeases, ms, limit)) as string[];
    const turns: LeasedTurn[] = [];
    for (const m of due) {
      const t = parseMember(m);
      if (t) turns.push(t);
      else await this.redis.zrem(this.keys.turnLeases, m);
    }
    return turns;
  }
}
