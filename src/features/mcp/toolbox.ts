import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import type { Logger } from 'pino';
import type { McpConfig, McpServerConfig } from '../../config/mcp-schema.js';
import type { Phrase } from '../../i18n/phrase.js';
import { ExpiringMap } from '../../lib/expiring-cache.js';
import { type CallToolResult, McpConnection, type McpToolInfo } from '../../platform/mcp/connection.js';
import { mcpTools } from '../../platform/mcp/mcp-tools.js';
import type { TurnToolSource } from '../../platform/tools/runner.js';
import { type AnyTool, type ToolContext, ToolError } from '../../platform/tools/types.js';
import type { HostedApprovalRequest, ModelTool } from '../../turn/ports.js';
import type { McpApprovals } from './approvals.js';
import { PersonOAuthProvider, type SignInOptions, type SignInStore, startSignIn } from './sign-ins.js';

/** Tells a person, privately, where to sign in (a DM: a link tied to them must not be clicked by someone else). */
export type SendSignInLink = (p: { teamId: string; userId: string }, server: string, url: string) => Promise<void>;

export interface McpToolboxDeps {
  config: McpConfig;
  /** Whether the model's server calls MCP servers itself (Responses `mcp` tools). */
  hosted: boolean;
  /** Values of the environment variables the servers name. */
  secrets: Record<string, string>;
  approvals: McpApprovals;
  /** Time one tool call may take (tools.timeout_ms); the runner enforces it too. */
  callTimeoutMs: number;
  /** Needed only when a server uses per_user_oauth. */
  signIns?: { store: SignInStore; options: SignInOptions; sendLink: SendSignInLink };
  log: Logger;
}

/** What a turn may use of the MCP servers, and what the asker is told about those it cannot. */
export interface McpTurnTools {
  tools: AnyTool[];
  hosted: ModelTool[];
  notices: Phrase[];
  /** Cards for the hosted calls the model's server holds for the asker's approval. */
  requestHostedApprovals?: (requests: readonly HostedApprovalRequest[]) => Promise<void>;
}

/** A person's own sessions are kept a while so their tool list is not fetched on every question. */
const PERSONAL_SESSION_SECONDS = 15 * 60;

/**
 * The MCP servers behind the turns: which are hosted by the model's server and which Threadwise calls itself, one
 * session per server (per person with per_user_oauth), tool lists cached, and what to tell a person when a server
 * is down or needs them to sign in. One failing server costs one notice, never the turn.
 */
export class McpToolbox implements TurnToolSource {
  private readonly shared = new Map<string, McpConnection>();
  private readonly personal = new ExpiringMap<McpConnection>();
  private readonly converted = new WeakMap<McpToolInfo[], AnyTool[]>();

  constructor(private readonly d: McpToolboxDeps) {}

  get servers(): readonly McpServerConfig[] {
    return this.d.config.servers;
  }

  get configured(): boolean {
    return this.servers.length > 0;
  }

  /** Hosted only where the model's server runs hosted tools; a person's token never leaves Threadwise. */
  isHosted(s: McpServerConfig): boolean {
    return this.d.hosted && s.auth !== 'per_user_oauth';
  }

  async forTurn(ctx: ToolContext, allowed?: readonly string[]): Promise<McpTurnTools> {
    const servers = this.servers.filter((s) => !allowed || allowed.includes(s.label));
    const parts = await Promise.all(servers.map((s) => this.serverTools(s, ctx)));
    const hosted = parts.flatMap((p) => p.hosted ?? []);
    return {
      tools: parts.flatMap((p) => p.tools ?? []),
      hosted,
      notices: parts.flatMap((p) => (p.notice ? [p.notice] : [])),
      ...(hosted.length ? { requestHostedApprovals: (requests) => this.requestHosted(ctx, requests) } : {}),
    };
  }

  /** Only calls of this turn's hosted servers get a card; the arguments are the model's, shown as written. */
  private async requestHosted(ctx: ToolContext, requests: readonly HostedApprovalRequest[]): Promise<void> {
    for (const r of requests) {
      const s = this.servers.find((x) => x.label === r.serverLabel && this.isHosted(x));
      if (!s) throw new Error(`approval asked for unknown hosted server ${r.serverLabel}`);
      let args: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(r.arguments || '{}');
        args =
          parsed && typeof parsed === 'object' && !Array.isArray(parsed)
            ? (parsed as Record<string, unknown>)
            : { value: parsed };
      } catch {
        args = { arguments: r.arguments };
      }
      await this.d.approvals.request(ctx, { server: s.label, name: r.name, tool: r.name, args }, r.id);
    }
  }

  /** Forgets a person's session with a server (after they signed in, or were signed out). */
  dropPersonal(server: string, p: { teamId: string; userId: string }): void {
    const key = `${server}:${p.teamId}:${p.userId}`;
    void this.personal.get(key)?.close();
    this.personal.delete(key);
  }

  async close(): Promise<void> {
    await Promise.all([...this.shared.values()].map((c) => c.close()));
  }

  private headers(s: McpServerConfig): Record<string, string> {
    const headers = Object.fromEntries(Object.entries(s.headers).map(([h, env]) => [h, this.d.secrets[env] ?? '']));
    if (s.auth === 'bearer' && s.token_env) headers.Authorization = `Bearer ${this.d.secrets[s.token_env] ?? ''}`;
    return headers;
  }

  private async serverTools(
    s: McpServerConfig,
    ctx: ToolContext,
  ): Promise<{ tools?: AnyTool[]; hosted?: ModelTool[]; notice?: Phrase }> {
    if (this.isHosted(s))
      return {
        hosted: [
          {
            type: 'mcp',
            serverLabel: s.label,
            serverUrl: s.url,
            headers: this.headers(s),
            ...(s.allowed_tools ? { allowedTools: s.allowed_tools } : {}),
            neverApprove: s.read_only_tools === 'annotated' ? 'annotated' : [...s.read_only_tools],
          },
        ],
      };
    const log = this.d.log.child({ server: s.label });
    let connection: McpConnection;
    if (s.auth === 'per_user_oauth') {
      const personal = await this.personalConnection(s, ctx);
      if ('notice' in personal) return personal;
      connection = personal.connection;
    } else connection = this.sharedConnection(s);
    try {
      const infos = await connection.tools(this.d.config.list_timeout_ms);
      return { tools: this.toolsOf(s, infos, connection) };
    } catch (err) {
      if (err instanceof UnauthorizedError && s.auth === 'per_user_oauth') return this.revoked(s, ctx);
      log.warn({ err: { message: (err as Error).message } }, 'MCP server unavailable; the turn goes on without it');
      return { notice: { key: 'mcp.unreachable', values: { server: s.label } } };
    }
  }

  private toolsOf(s: McpServerConfig, infos: McpToolInfo[], connection: McpConnection): AnyTool[] {
    const cached = this.converted.get(infos);
    if (cached) return cached;
    const tools = mcpTools(
      infos,
      {
        label: s.label,
        ...(s.allowed_tools ? { allowedTools: s.allowed_tools } : {}),
        readOnlyTools: s.read_only_tools,
        call: (ctx, name, args, signal) => this.call(s, ctx, connection, name, args, signal),
        requestApproval: async (ctx, write) => this.d.approvals.request(ctx, write),
      },
      this.d.log,
    );
    this.converted.set(infos, tools);
    return tools;
  }

  /** The server refused the person's token (revoked, or expired beyond refresh): it is deleted, a new link sent. */
  private async revoked(s: McpServerConfig, ctx: ToolContext): Promise<{ notice: Phrase }> {
    const person = { teamId: ctx.teamId, userId: ctx.user.id };
    this.dropPersonal(s.label, person);
    await this.d.signIns?.store.forgetTokens(s.label, person);
    this.d.log.info({ server: s.label }, 'MCP sign-in refused by the server; token deleted');
    return this.signInNotice(s, ctx);
  }

  private async call(
    s: McpServerConfig,
    ctx: ToolContext,
    connection: McpConnection,
    name: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<CallToolResult> {
    try {
      return await connection.call(name, args, signal, this.d.callTimeoutMs);
    } catch (err) {
      // The runner turns its own timeout into a timeout answer; everything else here is the server's failure.
      if (signal.aborted) throw err;
      this.d.log.warn({ server: s.label, tool: name, err: { message: (err as Error).message } }, 'MCP call failed');
      const refused = err instanceof UnauthorizedError && s.auth === 'per_user_oauth';
      if (refused) await this.revoked(s, ctx);
      const sign = refused ? ' The user must sign in to it again.' : '';
      throw new ToolError('upstream_error', {
        model: `${s.label} did not complete the call.${sign} Tell the user it is unavailable right now.`,
        user: { key: 'tools.error.server_incomplete', values: { server: s.label, signIn: String(refused) } },
      });
    }
  }

  private sharedConnection(s: McpServerConfig): McpConnection {
    let c = this.shared.get(s.label);
    if (!c) {
      c = new McpConnection({ label: s.label, url: s.url, headers: this.headers(s) }, this.d.log);
      this.shared.set(s.label, c);
    }
    return c;
  }

  private async personalConnection(
    s: McpServerConfig,
    ctx: ToolContext,
  ): Promise<{ connection: McpConnection } | { notice: Phrase }> {
    const signIns = this.d.signIns;
    if (!signIns) return { notice: { key: 'mcp.sign_in_unset', values: { server: s.label } } };
    const key = `${s.label}:${ctx.teamId}:${ctx.user.id}`;
    const cached = this.personal.get(key);
    if (cached) return { connection: cached };
    const person = { teamId: ctx.teamId, userId: ctx.user.id };
    if (!(await signIns.store.tokens(s.label, person))) return this.signInNotice(s, ctx);
    const provider = new PersonOAuthProvider(s, person, signIns.store, signIns.options);
    const connection = new McpConnection(
      { label: s.label, url: s.url, headers: this.headers(s), authProvider: provider },
      this.d.log,
    );
    this.personal.set(key, connection, PERSONAL_SESSION_SECONDS);
    return { connection };
  }

  /** Sends the person a sign-in link (once while it is good) and says so; never falls back to another identity. */
  private async signInNotice(s: McpServerConfig, ctx: ToolContext): Promise<{ notice: Phrase }> {
    const signIns = this.d.signIns!;
    const person = { teamId: ctx.teamId, userId: ctx.user.id };
    const notice: Phrase = { key: 'mcp.sign_in_sent', values: { server: s.label } };
    try {
      if (await signIns.store.pendingLink(s.label, person)) return { notice };
      const provider = new PersonOAuthProvider(s, person, signIns.store, signIns.options);
      const url = await startSignIn(provider, s.url);
      if (!url) return { notice: { key: 'mcp.unusable', values: { server: s.label } } };
      await signIns.store.saveLink(s.label, person, url.toString());
      await signIns.sendLink(person, s.label, url.toString());
      this.d.log.info({ server: s.label }, 'MCP sign-in link sent');
      return { notice };
    } catch (err) {
      this.d.log.warn({ server: s.label, err: { message: (err as Error).message } }, 'MCP sign-in could not start');
      return { notice: { key: 'mcp.sign_in_down', values: { server: s.label } } };
    }
  }
}
