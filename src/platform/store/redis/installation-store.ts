import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { parseStored } from '../../../lib/stored-json.js';
import type { StoreKeys } from '../keys.js';

/** The fields the bot relies on; everything else Bolt stores passes through unchanged. */
const installationSchema = z.looseObject({
  team: z.looseObject({ id: z.string() }).optional(),
  enterprise: z.looseObject({ id: z.string() }).optional(),
  isEnterpriseInstall: z.boolean().optional(),
  bot: z
    .looseObject({ token: z.string().regex(/^xoxb-/), userId: z.string(), id: z.string(), scopes: z.array(z.string()) })
    .optional(),
});

/**
 * OAuth installations in Redis, one key per workspace (or per org for org-wide installs), shared by every
 * replica. Tokens are stored as Slack returned them: protect Redis like any secret store.
 */
export class RedisInstallationStore implements InstallationStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
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
    await this.redis.set(key, JSON.stringify(installationSchema.parse(installation)));
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation<'v1' | 'v2', boolean>> {
    const raw = await this.redis.get(this.keyFor(query));
    if (!raw) throw new Error(`no installation for workspace ${query.teamId ?? query.enterpriseId}`);
    const parsed = parseStored(installationSchema, raw);
    if (!parsed) throw new Error(`the stored installation for ${query.teamId ?? query.enterpriseId} is unreadable`);
    return parsed as unknown as Installation<'v1' | 'v2', boolean>;
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    await this.redis.del(this.keyFor(query));
  }
}
