import { type Admission, FRESH_PLACE_MS, tsScore } from '../../src/platform/queue/thread-sequencer.js';
import type { TurnSequencer } from '../../src/platform/queue/turn-handler.js';
import type { ThreadKey } from '../../src/turn/thread.js';

const threadOf = (key: ThreadKey) => `${key.teamId}:${key.channel}:${key.threadTs}`;

/**
 * The thread sequencer's Lua scripts over in-memory maps: each thread's line sorted like a Redis sorted set (score,
 * then id), and a lock whose expiry follows Date.now, so fake timers make it lapse like a Redis PX key.
 */
export class FakeThreadSequencer implements TurnSequencer {
  private readonly lines = new Map<string, Array<{ id: string; score: number; placedAt: number }>>();
  private readonly locks = new Map<string, { token: string; expiresAt: number }>();

  /** Job ids in line for a thread, head first. */
  line(key: ThreadKey): string[] {
    return (this.lines.get(threadOf(key)) ?? []).map((e) => e.id);
  }

  /** The live lock holder's token, if any. */
  holder(key: ThreadKey): string | undefined {
    return this.lock(threadOf(key))?.token;
  }

  async admit(key: ThreadKey, jobId: string, messageTs: string): Promise<void> {
    const line = this.lines.get(threadOf(key)) ?? [];
    if (!line.some((e) => e.id === jobId)) line.push({ id: jobId, score: tsScore(messageTs), placedAt: Date.now() });
    line.sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.lines.set(threadOf(key), line);
  }

  async tryRun(key: ThreadKey, jobId: string, token: string, ttlMs: number): Promise<Admission> {
    const t = threadOf(key);
    const line = this.lines.get(t) ?? [];
    const rank = line.findIndex((e) => e.id === jobId);
    if (rank < 0) return { kind: 'unadmitted' };
    if (rank > 0) return { kind: 'behind', head: line[0]!.id };
    const lock = this.lock(t);
    if (lock && lock.token !== token) return { kind: 'locked' };
    this.locks.set(t, { token, expiresAt: Date.now() + ttlMs });
    return { kind: 'run' };
  }

  async renew(key: ThreadKey, token: string, ttlMs: number): Promise<boolean> {
    const t = threadOf(key);
    if (this.lock(t)?.token !== token) return false;
    this.locks.set(t, { token, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async release(key: ThreadKey, jobId: string, token: string, done: boolean): Promise<void> {
    const t = threadOf(key);
    if (this.lock(t)?.token === token) this.locks.delete(t);
    if (done)
      this.lines.set(
        t,
        (this.lines.get(t) ?? []).filter((e) => e.id !== jobId),
      );
  }

  async dropHead(key: ThreadKey, jobId: string): Promise<boolean> {
    const t = threadOf(key);
    const line = this.lines.get(t) ?? [];
    if (line[0]?.id !== jobId || Date.now() - line[0].placedAt < FRESH_PLACE_MS) return false;
    line.shift();
    return true;
  }

  private lock(thread: string): { token: string; expiresAt: number } | undefined {
    const lock = this.locks.get(thread);
    // Like Redis, a key is gone once its expiry time has passed.
    if (lock && lock.expiresAt < Date.now()) this.locks.delete(thread);
    return this.locks.get(thread);
  }
}
