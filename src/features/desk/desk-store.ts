import { z } from 'zod';
import { ExpiringMap } from '../../lib/expiring-cache.js';
import { parseStored } from '../../lib/stored-json.js';
import type { StoreKeys } from '../../platform/store/keys.js';
import type { RedisClient } from '../../platform/store/redis-client.js';
import type { ThreadKey } from '../../turn/thread.js';

/**
 * Where a desk question stands: `open` (nobody answered yet), `answered` (by the bot), `waiting_for_human` (handed
 * off), `with_human` (a person took over) and `resolved` (the asker said so).
 */
export const DESK_STATES = ['open', 'answered', 'waiting_for_human', 'with_human', 'resolved'] as const;
export type DeskState = (typeof DESK_STATES)[number];

/** One state change: to what, when, and by whom (the bot, or a person's Slack id). */
export const changeSchema = z.object({
  state: z.enum(DESK_STATES),
  at: z.number(),
  by: z.string(),
  actor: z.enum(['bot', 'person']),
});
export type DeskChange = z.infer<typeof changeSchema>;

/** A resolved desk thread, kept so later questions can cite it. */
export const solvedSchema = z.object({
  question: z.string(),
  answer: z.string(),
  permalink: z.string(),
  at: z.number(),
});
export type SolvedThread = z.infer<typeof solvedSchema>;
/** Resolved threads kept per channel. */
const MAX_SOLVED = 200;

export interface DeskThread {
  state: DeskState;
  asker: string;
  /** The question as asked (cut to 500 characters), for hand-off summaries and the unanswered topics. */
  question: string;
  askedAt: number;
  /** When the SLA clock last started: the question, or the latest hand-off. */
  clockFrom: number;
  firstHumanAt?: number;
}

/** Flags set at most once per thread, across replicas: the first caller wins. */
export type DeskFlag = 'first_human' | `escalated:${number}:${1 | 2}`;

/** Short notes kept with the thread: what the bot already tried, for the hand-off summary. */
export type DeskNote = 'tried';

/** The desk state of each help-channel thread, with its history, kept as long as the thread is remembered. */
export interface DeskStore {
  /** Records a new question; false when the thread already has desk state (a redelivery). */
  open(key: ThreadKey, t: { asker: string; question: string; at: number }, ttlSeconds: number): Promise<boolean>;
  get(key: ThreadKey): Promise<DeskThread | undefined>;
  history(key: ThreadKey): Promise<DeskChange[]>;
  /**
   * Moves the thread to `change.state` when it is in one of `from`; returns the state it left, or undefined when
   * it was not in one of them (or has no desk state). One of two concurrent moves wins.
   */
  move(
    key: ThreadKey,
    from: readonly DeskState[],
    change: DeskChange,
    ttlSeconds: number,
  ): Promise<DeskState | undefined>;
  /** Restarts the SLA clock (a hand-off). */
  restartClock(key: ThreadKey, at: number): Promise<void>;
  /** True for the one caller that sets the flag first. */
  claim(key: ThreadKey, flag: DeskFlag, at: number): Promise<boolean>;
  note(key: ThreadKey, note: DeskNote, text: string): Promise<void>;
  noted(key: ThreadKey, note: DeskNote): Promise<string | undefined>;
  /** The person's latest desk question in a channel, which `/threadwise handoff` acts on. */
  noteLatest(teamId: string, channel: string, user: string, threadTs: string, ttlSeconds: number): Promise<void>;
  latest(teamId: string, channel: string, user: string): Promise<string | undefined>;
  /** Forget-me: the thread is deleted with its history when the person asked it (the question is theirs). */
  forget(key: ThreadKey, userId: string): Promise<boolean>;
  /** Keeps a resolved thread for later questions in the channel (the newest MAX_SOLVED). */
  remember(teamId: string, channel: string, t: SolvedThread, ttlSeconds: number): Promise<void>;
  solved(teamId: string, channel: string): Promise<SolvedThread[]>;
  /** Counts one unprompted answer in the channel this hour; false once `limit` is used up. */
  takeAnswer(teamId: string, channel: string, hour: string, limit: number): Promise<boolean>;
}

// Atomic so that two replicas (or a click and a reply) cannot both move one thread.
const OPEN = `
if redis.call('HSETNX', KEYS[1], 'asker', ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'open', 'question', ARGV[2], 'askedAt', ARGV[3], 'clockFrom', ARGV[3])
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1`;

const MOVE = `
local current = redis.call('HGET', KEYS[1], 'state')
if not current then return false end
local allowed = false
for s in string.gmatch(ARGV[2], '[^,]+') do if s == current then allowed = true end end
if not allowed then return false end
redis.call('HSET', KEYS[1], 'state', ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return current`;

const ttl = (s: number) => Math.max(1, Math.round(s));
const clip = (s: string) => (s.length > 500 ? `${s.slice(0, 499)}…` : s);

function toThread(h: Record<string, string>): DeskThread | undefined {
  const state = DESK_STATES.find((s) => s === h.state);
  if (!state || !h.asker) return undefined;
  return {
    state,
    asker: h.asker,
    question: h.question ?? '',
    askedAt: Number(h.askedAt) || 0,
    clockFrom: Number(h.clockFrom) || Number(h.askedAt) || 0,
    ...(h.first_human ? { firstHumanAt: Number(h.first_human) } : {}),
  };
}

export class RedisDeskStore implements DeskStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
  ) {}

  async open(key: ThreadKey, t: { asker: string; question: string; at: number }, ttlSeconds: number) {
    const entry: DeskChange = { state: 'open', at: t.at, by: t.asker, actor: 'person' };
    const created = await this.redis.eval(
      OPEN,
      2,
      this.keys.deskThread(key),
      this.keys.deskHistory(key),
      t.asker,
      clip(t.question),
      String(t.at),
      JSON.stringify(entry),
      String(ttl(ttlSeconds)),
    );
    return created === 1;
  }

  async get(key: ThreadKey) {
    return toThread(await this.redis.hgetall(this.keys.deskThread(key)));
  }

  async history(key: ThreadKey) {
    const raw = await this.redis.lrange(this.keys.deskHistory(key), 0, -1);
    return raw.flatMap((r) => parseStored(changeSchema, r) ?? []);
  }

  async move(key: ThreadKey, from: readonly DeskState[], change: DeskChange, ttlSeconds: number) {
    const left = await this.redis.eval(
      MOVE,
      2,
      this.keys.deskThread(key),
      this.keys.deskHistory(key),
      change.state,
      from.join(','),
      JSON.stringify(change),
      String(ttl(ttlSeconds)),
    );
    return DESK_STATES.find((s) => s === left);
  }

  async restartClock(key: ThreadKey, at: number) {
    await this.redis.hset(this.keys.deskThread(key), 'clockFrom', String(at));
  }

  async claim(key: ThreadKey, flag: DeskFlag, at: number) {
    return (await this.redis.hsetnx(this.keys.deskThread(key), flag, String(at))) === 1;
  }

  async note(key: ThreadKey, note: DeskNote, text: string) {
    await this.redis.hset(this.keys.deskThread(key), `note:${note}`, text);
  }

  async noted(key: ThreadKey, note: DeskNote) {
    return (await this.redis.hget(this.keys.deskThread(key), `note:${note}`)) ?? undefined;
  }

  async noteLatest(teamId: string, channel: string, user: string, threadTs: string, ttlSeconds: number) {
    await this.redis.set(this.keys.deskLatest(teamId, channel, user), threadTs, 'EX', ttl(ttlSeconds));
  }

  async latest(teamId: string, channel: string, user: string) {
    return (await this.redis.get(this.keys.deskLatest(teamId, channel, user))) ?? undefined;
  }

  async forget(key: ThreadKey, userId: string) {
    if ((await this.get(key))?.asker !== userId) return false;
    await this.redis.del(this.keys.deskThread(key), this.keys.deskHistory(key));
    return true;
  }

  async remember(teamId: string, channel: string, t: SolvedThread, ttlSeconds: number) {
    const k = this.keys.deskSolved(teamId, channel);
    await this.redis
      .multi()
      .lpush(k, JSON.stringify(t))
      .ltrim(k, 0, MAX_SOLVED - 1)
      .expire(k, ttl(ttlSeconds))
      .exec();
  }

  async solved(teamId: string, channel: string) {
    const raw = await this.redis.lrange(this.keys.deskSolved(teamId, channel), 0, -1);
    return raw.flatMap((r) => parseStored(solvedSchema, r) ?? []);
  }

  async takeAnswer(teamId: string, channel: string, hour: string, limit: number) {
    const k = this.keys.deskRate(teamId, channel, hour);
    const [[, n]] = (await this.redis.multi().incr(k).expire(k, 7_200).exec()) as [[unknown, number]];
    return n <= limit;
  }
}

/** The same in one process (no REDIS_URL): lost on restart, like the rest of the in-memory state. */
export class MemoryDeskStore implements DeskStore {
  private readonly threads: ExpiringMap<{ fields: Record<string, string>; history: DeskChange[] }>;
  private readonly values: ExpiringMap<string>;
  private readonly counters: ExpiringMap<number>;

  constructor(
    private readonly keys: StoreKeys,
    now?: () => number,
  ) {
    this.threads = new ExpiringMap(now);
    this.values = new ExpiringMap(now);
    this.counters = new ExpiringMap(now);
  }

  async open(key: ThreadKey, t: { asker: string; question: string; at: number }, ttlSeconds: number) {
    const k = this.keys.deskThread(key);
    if (this.threads.get(k)) return false;
    const at = String(t.at);
    this.threads.set(
      k,
      {
        fields: { asker: t.asker, state: 'open', question: clip(t.question), askedAt: at, clockFrom: at },
        history: [{ state: 'open', at: t.at, by: t.asker, actor: 'person' }],
      },
      ttlSeconds,
    );
    return true;
  }

  async get(key: ThreadKey) {
    const t = this.threads.get(this.keys.deskThread(key));
    return t ? toThread(t.fields) : undefined;
  }

  async history(key: ThreadKey) {
    return [...(this.threads.get(this.keys.deskThread(key))?.history ?? [])];
  }

  async move(key: ThreadKey, from: readonly DeskState[], change: DeskChange, ttlSeconds: number) {
    const k = this.keys.deskThread(key);
    const t = this.threads.get(k);
    const current = DESK_STATES.find((s) => s === t?.fields.state);
    if (!t || !current || !from.includes(current)) return undefined;
    t.fields.state = change.state;
    t.history.push(change);
    this.threads.set(k, t, ttlSeconds);
    return current;
  }

  async restartClock(key: ThreadKey, at: number) {
    const t = this.threads.get(this.keys.deskThread(key));
    if (t) t.fields.clockFrom = String(at);
  }

  async claim(key: ThreadKey, flag: DeskFlag, at: number) {
    const t = this.threads.get(this.keys.deskThread(key));
    if (!t || t.fields[flag] !== undefined) return false;
    t.fields[flag] = String(at);
    return true;
  }

  async note(key: ThreadKey, note: DeskNote, text: string) {
    const t = this.threads.get(this.keys.deskThread(key));
    if (t) t.fields[`note:${note}`] = text;
  }

  async noted(key: ThreadKey, note: DeskNote) {
    return this.threads.get(this.keys.deskThread(key))?.fields[`note:${note}`];
  }

  async noteLatest(teamId: string, channel: string, user: string, threadTs: string, ttlSeconds: number) {
    this.values.set(this.keys.deskLatest(teamId, channel, user), threadTs, ttlSeconds);
  }

  async latest(teamId: string, channel: string, user: string) {
    return this.values.get(this.keys.deskLatest(teamId, channel, user));
  }

  private readonly solvedLists = new Map<string, SolvedThread[]>();

  async forget(key: ThreadKey, userId: string) {
    const k = this.keys.deskThread(key);
    if (this.threads.get(k)?.fields.asker !== userId) return false;
    this.threads.delete(k);
    return true;
  }

  async remember(teamId: string, channel: string, t: SolvedThread) {
    const k = this.keys.deskSolved(teamId, channel);
    this.solvedLists.set(k, [t, ...(this.solvedLists.get(k) ?? [])].slice(0, MAX_SOLVED));
  }

  async solved(teamId: string, channel: string) {
    return [...(this.solvedLists.get(this.keys.deskSolved(teamId, channel)) ?? [])];
  }

  async takeAnswer(teamId: string, channel: string, hour: string, limit: number) {
    const k = this.keys.deskRate(teamId, channel, hour);
    const n = (this.counters.get(k) ?? 0) + 1;
    this.counters.set(k, n, 7_200);
    return n <= limit;
  }
}
