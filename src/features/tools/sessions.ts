import type { Logger } from 'pino';
import type { SettingsSource } from '../../config/live-settings.js';
import { channelSettings } from '../../config/settings.js';
import type { Phrase } from '../../i18n/phrase.js';
import type { PeopleDirectory } from '../../platform/slack/people.js';
import type { ToolRegistry, ToolSession, TurnExtras, TurnToolSource } from '../../platform/tools/runner.js';
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
    private readonly mcp?: TurnToolSource,
  ) {}

  /** Whether a tool may run in a conversation: it is configured and on the channel's list. */
  offers(name: string, where: { channel: string; isDm: boolean }): boolean {
    const { tools: allowed } = channelSettings(this.settings.current(), this.envModel, where.channel, where.isDm);
    return this.registry.usable(allowed).some((t) => t.name === name);
  }

  /**
   * Whether a conversation offers any tool at all (its turns then need the asker's identity before the call). An
   * MCP server counts wherever one is configured: its tools may act as the asker.
   */
  offersAny(where: { channel: string; isDm: boolean }): boolean {
    const { tools: allowed } = channelSettings(this.settings.current(), this.envModel, where.channel, where.isDm);
    return this.registry.definitionsFor(allowed).length > 0 || this.mcp?.configured === true;
  }

  /** The asker's session in their conversation (built-in tools only); undefined when it has no tools at all. */
  async session(ctx: ToolContext, log: Logger): Promise<ToolSession | undefined> {
    const file = this.settings.current();
    const { tools: allowed } = channelSettings(file, this.envModel, ctx.channel, ctx.isDm);
    if (!this.registry.definitionsFor(allowed).length) return undefined;
    return this.build(ctx, log);
  }

  /**
   * The asker's session for a turn, with the MCP servers this conversation may use (their tools listed, or
   * hosted by the model's server), and a notice for each server that is down or needs the asker to sign in.
   */
  async forTurn(ctx: ToolContext, log: Logger): Promise<{ session?: ToolSession; notices: Phrase[] }> {
    const file = this.settings.current();
    const settings = channelSettings(file, this.envModel, ctx.channel, ctx.isDm);
    const mcp = this.mcp?.configured ? await this.mcp.forTurn(ctx, settings.mcpServers) : undefined;
    const extra: TurnExtras = {
      tools: mcp?.tools ?? [],
      hosted: mcp?.hosted ?? [],
      ...(mcp?.requestHostedApprovals ? { requestHostedApprovals: mcp.requestHostedApprovals } : {}),
    };
    const notices = mcp?.notices ?? [];
    if (!this.registry.definitionsFor(settings.tools).length && !extra.tools.length && !extra.hosted.length)
      return { notices };
    return { session: await this.build(ctx, log, extra), notices };
  }

  /** The server resolves the asker's roles (an agent through a user group) and audits every call. */
  private async build(ctx: ToolContext, log: Logger, extra?: TurnExtras): Promise<ToolSession> {
    const file = this.settings.current();
    const { tools: allowed } = channelSettings(file, this.envModel, ctx.channel, ctx.isDm);
    const limits = { timeoutMs: file.tools.timeout_ms, maxOutputChars: file.tools.max_output_chars };
    const agent = this.people ? await this.people.includes(ctx.teamId, file.access.agents, ctx.user.id) : false;
    const asker = { ...ctx, ...(agent ? { agent } : {}) };
    const audit = this.audit;
    return this.registry.session(asker, limits, log, allowed, audit && ((r) => void audit.toolCall(asker, r)), extra);
  }
}
