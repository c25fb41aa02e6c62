import type { Logger } from 'pino';
import type { FileConfig } from '../../config/file-schema.js';
import { channelSettings } from '../../config/settings.js';
import type { ToolRegistry, ToolSession, TurnToolSource } from '../../platform/tools/runner.js';
import type { ToolContext } from '../../platform/tools/types.js';

/**
 * The one way to get tools for a conversation, for the model's turns and for buttons alike: the configured tools
 * narrowed to the channel's `tools` list, under `tools.timeout_ms` and `tools.max_output_chars`.
 */
export class ConversationTools {
  constructor(
    private readonly registry: ToolRegistry,
    private readonly file: FileConfig,
    private readonly envModel: string,
    private readonly mcp?: TurnToolSource,
  ) {}

  /** Whether a tool may run in a conversation: it is configured and on the channel's list. */
  offers(name: string, where: { channel: string; isDm: boolean }): boolean {
    const { tools: allowed } = channelSettings(this.file, this.envModel, where.channel, where.isDm);
    return this.registry.usable(allowed).some((t) => t.name === name);
  }

  /** The asker's session in their conversation; undefined when the conversation has no tools at all. */
  session(ctx: ToolContext, log: Logger): ToolSession | undefined {
    const { tools: allowed } = channelSettings(this.file, this.envModel, ctx.channel, ctx.isDm);
    if (!this.registry.definitionsFor(allowed).length) return undefined;
    const limits = { timeoutMs: this.file.tools.timeout_ms, maxOutputChars: this.file.tools.max_output_chars };
    return this.registry.session(ctx, limits, log, allowed);
  }

  /**
   * The asker's session for a turn, with the MCP servers this conversation may use (their tools listed, or
   * hosted by the model's server), and a notice for each server that is down or needs the asker to sign in.
   */
  async forTurn(ctx: ToolContext, log: Logger): Promise<{ session?: ToolSession; notices: string[] }> {
    const settings = channelSettings(this.file, this.envModel, ctx.channel, ctx.isDm);
    const mcp = this.mcp?.configured ? await this.mcp.forTurn(ctx, settings.mcpServers) : undefined;
    const extra = {
      tools: mcp?.tools ?? [],
      hosted: mcp?.hosted ?? [],
      ...(mcp?.requestHostedApprovals ? { requestHostedApprovals: mcp.requestHostedApprovals } : {}),
    };
    const notices = mcp?.notices ?? [];
    if (!this.registry.definitionsFor(settings.tools).length && !extra.tools.length && !extra.hosted.length)
      return { notices };
    const limits = { timeoutMs: this.file.tools.timeout_ms, maxOutputChars: this.file.tools.max_output_chars };
    return { session: this.registry.session(ctx, limits, log, settings.tools, extra), notices };
  }
}
