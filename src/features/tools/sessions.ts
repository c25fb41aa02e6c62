import type { Logger } from 'pino';
import type { SettingsSource } from '../../config/live-settings.js';
import { channelSettings } from '../../config/settings.js';
import type { PeopleDirectory } from '../../platform/slack/people.js';
import type { ToolRegistry, ToolSession } from '../../platform/tools/runner.js';
import type { ToolContext } from '../../platform/tools/types.js';
import type { AuditTrail } from '../audit/trail.js';

/**
 * The one way to get tools for a conversation, for the model's turns and for buttons alike: the configured tools
 * narrowed to the channel's `tools` list, under `tools.timeout_ms` and `tools.max_output_chars`, as the settings
 * are now; the asker's roles (an agent through a user group, say) are resolved here, by the server.
 */
export class ConversationTools {
  constructor(
    private readonly registry: ToolRegistry,
    private readonly settings: SettingsSource,
    private readonly envModel: string,
    private readonly people?: Pick<PeopleDirectory, 'includes'>,
    private readonly audit?: Pick<AuditTrail, 'toolCall'>,
  ) {}

  /** Whether a tool may run in a conversation: it is configured and on the channel's list. */
  offers(name: string, where: { channel: string; isDm: boolean }): boolean {
    const { tools: allowed } = channelSettings(this.settings.current(), this.envModel, where.channel, where.isDm);
    return this.registry.usable(allowed).some((t) => t.name === name);
  }

  /** Whether a conversation offers any tool at all (its turns then need the asker's identity before the call). */
  offersAny(where: { channel: string; isDm: boolean }): boolean {
    const { tools: allowed } = channelSettings(this.settings.current(), this.envModel, where.channel, where.isDm);
    return this.registry.definitionsFor(allowed).length > 0;
  }

  /** The asker's session in their conversation; undefined when the conversation has no tools at all. */
  async session(ctx: ToolContext, log: Logger): Promise<ToolSession | undefined> {
    const file = this.settings.current();
    const { tools: allowed } = channelSettings(file, this.envModel, ctx.channel, ctx.isDm);
    if (!this.registry.definitionsFor(allowed).length) return undefined;
    const limits = { timeoutMs: file.tools.timeout_ms, maxOutputChars: file.tools.max_output_chars };
    const agent = this.people ? await this.people.includes(ctx.teamId, file.access.agents, ctx.user.id) : false;
    const asker = { ...ctx, ...(agent ? { agent } : {}) };
    const audit = this.audit;
    return this.registry.session(asker, limits, log, allowed, audit && ((r) => void audit.toolCall(asker, r)));
  }
}
