import { ExpiringMap } from '../../lib/expiring-cache.js';
import type { StoreKeys } from '../../platform/store/keys.js';
import type { RedisClient } from '../../platform/store/redis-client.js';

/**
 * Who tells the admins about a problem, shared by every replica: `claimed` (this caller sends), `sending`
 * (another replica is sending right now) or `sent` (they were told within the window).
 */
export interface AlertLedger {
  claim(team: string, problem: string, ttlSeconds: number): Promise<'claimed' | 'sending' | 'sent'>;
  /** The claimed alert reached someone: later callers may say so. */
  sent(team: string, problem: string, ttlSeconds: number): Promise<void>;
  /** The claimed alert reached nobody: the next caller tries again. */
  release(team: string, problem: string): Promise<void>;
}

/** SET NX EX: one replica wins the claim for the window; the value says whether its alert got through. */
export class RedisAlertLedger implements AlertLedger {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
  ) {}

  async claim(team: string, problem: string, ttlSeconds: number): Promise<'claimed' | 'sending' | 'sent'> {
    const key = this.keys.adminAlert(team, problem);
    if ((await this.redis.set(key, 'sending', 'EX', ttlSeconds, 'NX')) === 'OK') return 'claimed';
    return (await this.redis.get(key)) === 'sent' ? 'sent' : 'sending';
  }

  async sent(team: string, problem: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.keys.adminAlert(team, problem), 'sent', 'EX', ttlSeconds);
  }

  async release(team: string, problem: string): Promise<void> {
    await this.redis.del(this.keys.adminAlert(team, problem));
  }
}

export class MemoryAlertLedger implements AlertLedger {
  private readonly state: ExpiringMap<'sending' | 'sent'>;

  constructor(
    private readonly keys: StoreKeys,
    now?: () => number,
  ) {
    this.state = new ExpiringMap(now);
  }

  async claim(team: string, problem: string, ttlSeconds: number): Promise<'claimed' | 'sending' | 'sent'> {
    const key = this.keys.adminAlert(team, problem);
    const current = this.state.get(key);
    if (current) return current;
    this.state.set(key, 'sending', ttlSeconds);
    return 'claimed';
  }

  async sent(team: string, problem: string, ttlSeconds: number): Promise<void> {
    this.state.set(this.keys.adminAlert(team, problem), 'sent', ttlSeconds);
  }

  async release(team: string, problem: string): Promise<void> {
    this.state.delete(this.keys.adminAlert(team, problem));
  }
}
