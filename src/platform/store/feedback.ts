import { z } from 'zod';
import { parseStored } from '../../lib/stored-json.js';
import type { StoreKeys } from './keys.js';
import type { RedisClient } from './redis-client.js';

/** One person's verdict on one answer of the bot (the feedback buttons under an answer). */
const feedbackSchema = z.object({
  teamId: z.string(),
  channel: z.string(),
  threadTs: z.string(),
  /** The rated answer's message ts. */
  messageTs: z.string(),
  userId: z.string(),
  value: z.enum(['positive', 'negative']),
  /** When it was given, in ms since the epoch. */
  at: z.number(),
});
export type Feedback = z.infer<typeof feedbackSchema>;

export interface FeedbackStore {
  /** Stores a vote; a later vote by the same person on the same answer replaces the earlier one. */
  record(feedback: Feedback): Promise<void>;
  /** Votes given at or after `since` (ms), oldest first. */
  listSince(since: number): Promise<Feedback[]>;
  /** Deletes every vote one person gave in a workspace; returns how many. */
  forgetUser(teamId: string, userId: string): Promise<number>;
}

const voteId = (f: Feedback) => `${f.teamId}:${f.channel}:${f.messageTs}:${f.userId}`;

export class RedisFeedbackStore implements FeedbackStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
  ) {}

  async record(feedback: Feedback): Promise<void> {
    const id = voteId(feedback);
    await this.redis
      .multi()
      .hset(this.keys.feedbackItems, id, JSON.stringify(feedbackSchema.parse(feedback)))
      .zadd(this.keys.feedbackByTime, feedback.at, id)
      .exec();
  }

  async listSince(since: number): Promise<Feedback[]> {
    const ids = await this.redis.zrangebyscore(this.keys.feedbackByTime, since, '+inf');
    if (!ids.length) return [];
    const raw = await this.redis.hmget(this.keys.feedbackItems, ...ids);
    return raw.flatMap((r) => parseStored(feedbackSchema, r) ?? []);
  }

  async forgetUser(teamId: string, userId: string): Promise<number> {
    const ids: string[] = [];
    // Vote ids are "<team>:<channel>:<ts>:<user>"; ids and Slack ids contain no glob characters.
    const match = `${teamId}:*:${userId}`;
    let cursor = '0';
    do {
      const [next, fields] = await this.redis.hscan(this.keys.feedbackItems, cursor, 'MATCH', match, 'COUNT', 500);
      cursor = next;
      for (let i = 0; i < fields.length; i += 2) ids.push(fields[i]!);
    } while (cursor !== '0');
    if (!ids.length) return 0;
    await this.redis
      .multi()
      .hdel(this.keys.feedbackItems, ...ids)
      .zrem(this.keys.feedbackByTime, ...ids)
      .exec();
    return ids.length;
  }
}

export class MemoryFeedbackStore implements FeedbackStore {
  private readonly votes = new Map<string, Feedback>();

  async record(feedback: Feedback): Promise<void> {
    const id = voteId(feedback);
    this.votes.delete(id); // re-insert so iteration order stays "by time of the latest vote"
    this.votes.set(id, structuredClone(feedbackSchema.parse(feedback)));
  }

  async listSince(since: number): Promise<Feedback[]> {
    return [...this.votes.values()].filter((f) => f.at >= since).sort((a, b) => a.at - b.at);
  }

  async forgetUser(teamId: string, userId: string): Promise<number> {
    let n = 0;
    for (const [id, f] of this.votes) {
      if (f.teamId === teamId && f.userId === userId) {
        this.votes.delete(id);
        n++;
      }
    }
    return n;
  }
}
