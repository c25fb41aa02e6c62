import { z } from 'zod';
import { parseStored } from '../../../lib/stored-json.js';
import type { StoreKeys } from '../../../platform/store/keys.js';
import type { RedisClient } from '../../../platform/store/redis-client.js';

/** An answer an editor approved: what the thread asked, what they wrote, where it came from, who saved it when. */
export const approvedAnswerSchema = z.object({
  id: z.string().min(1),
  teamId: z.string(),
  channel: z.string().min(1),
  threadTs: z.string().min(1),
  question: z.string().min(1),
  answer: z.string().min(1),
  /** The thread's permalink: where the citation links. */
  permalink: z.string().min(1),
  /** The editor who pressed save. */
  editor: z.string().min(1),
  savedAt: z.number(),
});
export type ApprovedAnswer = z.infer<typeof approvedAnswerSchema>;

/**
 * The built-in "approved" source: saved answers, shared by every replica (a Redis hash, one field per answer). A
 * record that no longer validates is skipped when read, never served.
 */
export interface ApprovedStore {
  /** Adds the answer, or replaces the one with the same id (saving a thread again corrects it). */
  save(answer: ApprovedAnswer): Promise<void>;
  get(id: string): Promise<ApprovedAnswer | undefined>;
  /** Removes it; returns what was removed (undefined: there was nothing to remove). */
  delete(id: string): Promise<ApprovedAnswer | undefined>;
  /** Every answer (of one workspace, when given), newest first. */
  list(teamId?: string): Promise<ApprovedAnswer[]>;
  /** forget-me: the person's id leaves the answers they saved (the answers stay, team knowledge); returns how many. */
  forgetEditor(teamId: string, userId: string): Promise<number>;
}

/** Who saved an answer, once they ran forget-me. */
export const FORGOTTEN_EDITOR = 'a forgotten editor';

const newestFirst = (list: ApprovedAnswer[], teamId?: string) =>
  list.filter((a) => teamId === undefined || a.teamId === teamId).sort((a, b) => b.savedAt - a.savedAt);

export class RedisApprovedStore implements ApprovedStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
  ) {}

  async save(answer: ApprovedAnswer): Promise<void> {
    await this.redis.hset(this.keys.approvedAnswers, answer.id, JSON.stringify(answer));
  }

  async get(id: string): Promise<ApprovedAnswer | undefined> {
    return parseStored(approvedAnswerSchema, await this.redis.hget(this.keys.approvedAnswers, id));
  }

  async delete(id: string): Promise<ApprovedAnswer | undefined> {
    const before = await this.get(id);
    // HDEL's count says whether this call removed it (two editors deleting at once: one of them did).
    const removed = await this.redis.hdel(this.keys.approvedAnswers, id);
    return removed ? before : undefined;
  }

  async list(teamId?: string): Promise<ApprovedAnswer[]> {
    const raw = await this.redis.hgetall(this.keys.approvedAnswers);
    return newestFirst(
      Object.values(raw).flatMap((v) => parseStored(approvedAnswerSchema, v) ?? []),
      teamId,
    );
  }

  async forgetEditor(teamId: string, userId: string): Promise<number> {
    const theirs = (await this.list(teamId)).filter((a) => a.editor === userId);
    for (const a of theirs) await this.save({ ...a, editor: FORGOTTEN_EDITOR });
    return theirs.length;
  }
}

export class MemoryApprovedStore implements ApprovedStore {
  private readonly byId = new Map<string, ApprovedAnswer>();

  async save(answer: ApprovedAnswer): Promise<void> {
    this.byId.set(answer.id, structuredClone(answer));
  }

  async get(id: string): Promise<ApprovedAnswer | undefined> {
    const a = this.byId.get(id);
    return a && structuredClone(a);
  }

  async delete(id: string): Promise<ApprovedAnswer | undefined> {
    const a = this.byId.get(id);
    this.byId.delete(id);
    return a;
  }

  async list(teamId?: string): Promise<ApprovedAnswer[]> {
    return newestFirst(structuredClone([...this.byId.values()]), teamId);
  }

  async forgetEditor(teamId: string, userId: string): Promise<number> {
    const theirs = [...this.byId.values()].filter((a) => a.teamId === teamId && a.editor === userId);
    for (const a of theirs) a.editor = FORGOTTEN_EDITOR;
    return theirs.length;
  }
}

export function createApprovedStore(p: { redis?: RedisClient; keys: StoreKeys }): ApprovedStore {
  return p.redis ? new RedisApprovedStore(p.redis, p.keys) : new MemoryApprovedStore();
}
