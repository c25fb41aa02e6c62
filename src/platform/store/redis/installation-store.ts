import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import { z } from 'zod';
import { isSealed, type SecretBox } from '../../../lib/secret-box.js';
import { parseStored } from '../../../lib/stored-json.js';
import type { StoreKeys } from '../keys.js';
import { type RedisClient, scanKeys } from '../redis-client.js';

/** The fields the bot relies on; everything else Bolt stores passes through unchanged. */
const installationSchema = z.looseObject({
  team: z.looseObject({ id: z.string() }).optional(),
  enterprise: z.looseObject({ id: z.string() }).optional(),
  isEnterpriseInstall: z.boolean().optional(),
  bot: z
    .looseObject({ token: z.string().regex(/^xoxb-/), userId: z.string(), id: z.string(), scopes: z.array(z.string()) })
    .optional(),
});

/** KEYS: the record. ARGV: the value read, the value to write instead. 1 when written. */
const COMPARE_AND_SET = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0`;

/** What the start-up sweep found and did. */
export interface SealSweep {
  records: number;
  /** Written again under the current key: plain records from before encryption, or sealed with the previous key. */
  resealed: number;
}

/**
 * OAuth installations in Redis, one key per workspace (or per org for org-wide installs), shared by every
 * replica. With a secret box (THREADWISE_ENCRYPTION_KEY) each record is sealed whole with AES-256-GCM, bound to its
 * key name, and carries the id of the key that sealed it; without one, records are stored as Slack returned them.
 */
export class RedisInstallationStore implements InstallationStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
    private readonly box?: SecretBox,
  ) {}

  private keyFor(q: { isEnterpriseInstall?: boolean; enterpriseId?: string; teamId?: string }): string {
    if (q.isEnterpriseInstall && q.enterpriseId) return this.keys.installation('enterprise', q.enterpriseId);
    if (q.teamId) return this.keys.installation('team', q.teamId);
    throw new Error('an installation needs a team id (or an enterprise id for org-wide installs)');
  }

  async storeInstallation(installation: Installation): Promise<void> {
    const key = this.keyFor({
      isEnterpriseInstall: installation.isEnterpriseInstall,
      enterpriseId: installation.enterprise?.id,
      teamId: installation.team?.id,
    });
    await this.redis.set(key, this.encode(key, JSON.stringify(installationSchema.parse(installation))));
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation<'v1' | 'v2', boolean>> {
    const key = this.keyFor(query);
    const raw = await this.redis.get(key);
    const who = query.teamId ?? query.enterpriseId;
    if (!raw) throw new Error(`no installation for workspace ${who}`);
    const parsed = parseStored(installationSchema, this.decode(key, raw));
    if (!parsed) throw new Error(`the stored installation for ${who} is unreadable`);
    return parsed as unknown as Installation<'v1' | 'v2', boolean>;
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    await this.redis.del(this.keyFor(query));
  }

  /**
   * Start-up: every installation must open with the configured keys, and each is left sealed under the current
   * one (a rotation: THREADWISE_ENCRYPTION_KEY new, _PREVIOUS old). Throws, saying what to set, when sealed records
   * exist but no key is configured, or when a record was sealed with a key that is not.
   */
  async checkSealing(): Promise<SealSweep> {
    const sweep: SealSweep = { records: 0, resealed: 0 };
    for (const key of await this.installationKeys()) {
      const raw = await this.redis.get(key);
      if (raw === null) continue;
      sweep.records++;
      if (!this.box) {
        if (isSealed(raw))
          throw new Error(
            'installations in Redis are encrypted, but THREADWISE_ENCRYPTION_KEY is not set: set it to the key they were sealed with',
          );
        continue;
      }
      let plain: string;
      try {
        plain = this.decode(key, raw);
      } catch (err) {
        throw new Error(
          `an installation in Redis cannot be decrypted (${(err as Error).message}): set THREADWISE_ENCRYPTION_KEY, or THREADWISE_ENCRYPTION_KEY_PREVIOUS during a rotation, to the key that sealed it`,
        );
      }
      if (!isSealed(raw) || this.box.needsReseal(raw)) {
        // Only if nobody replaced it meanwhile (another replica's sweep, a new install).
        if (await this.redis.eval(COMPARE_AND_SET, 1, key, raw, this.encode(key, plain))) sweep.resealed++;
      }
    }
    return sweep;
  }

  private async installationKeys(): Promise<string[]> {
    const found: string[] = [];
    const pattern = `${this.keys.installation('team', '*').replace(/team:\*$/, '*')}`;
    // Every master of a Cluster holds some installations.
    for await (const batch of scanKeys(this.redis, pattern, 500)) found.push(...batch);
    return found;
  }

  private encode(key: string, json: string): string {
    return this.box ? this.box.seal(json, key) : json;
  }

  private decode(key: string, raw: string): string {
    if (!isSealed(raw)) return raw;
    if (!this.box) throw new Error('this installation is encrypted and THREADWISE_ENCRYPTION_KEY is not set');
    return this.box.open(raw, key);
  }
}
