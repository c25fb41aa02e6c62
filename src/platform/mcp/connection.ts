import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Tool as McpToolInfo } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';

export type { CallToolResult, McpToolInfo };

/** One MCP server as one identity sees it: the shared headers, or a user's OAuth provider. */
export interface McpTarget {
  label: string;
  url: string;
  headers: Record<string, string>;
  authProvider?: OAuthClientProvider;
}

const CLIENT_INFO = { name: 'threadwise', version: '1.0.0' };

/**
 * A Streamable HTTP session with one MCP server (the official SDK's client), connected on first use. Its tool list
 * is cached and replaced when the server sends notifications/tools/list_changed; a failed request drops the
 * session so the next turn connects afresh instead of reusing a dead one.
 */
export class McpConnection {
  private client?: Promise<Client>;
  private list?: McpToolInfo[];

  constructor(
    private readonly target: McpTarget,
    private readonly log: Logger,
  ) {}

  /** The server's tools, listed once per session (every page) and kept current by its change notifications. */
  async tools(timeoutMs: number): Promise<McpToolInfo[]> {
    if (this.list) return this.list;
    const list = await this.guard(async (client) => {
      const all: McpToolInfo[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs });
        all.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      return all;
    }, timeoutMs);
    this.list = list;
    return list;
  }

  async call(name: string, args: Record<string, unknown>, signal: AbortSignal, timeoutMs: number) {
    return this.guard(
      (client) =>
        client.callTool({ name, arguments: args }, undefined, {
          signal,
          timeout: timeoutMs,
        }) as Promise<CallToolResult>,
      timeoutMs,
    );
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.list = undefined;
    await client?.then((c) => c.close()).catch(() => undefined);
  }

  private async guard<T>(work: (client: Client) => Promise<T>, timeoutMs: number): Promise<T> {
    try {
      return await work(await this.connect(timeoutMs));
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  private connect(timeoutMs: number): Promise<Client> {
    this.client ??= (async () => {
      const client = new Client(CLIENT_INFO, {
        listChanged: {
          tools: {
            debounceMs: 0,
            onChanged: (err, tools) => {
              if (err) {
                this.list = undefined;
                return this.log.warn(
                  { server: this.target.label, err: { message: err.message } },
                  'MCP tool list refresh failed',
                );
              }
              this.list = tools ?? undefined;
              this.log.info({ server: this.target.label, tools: tools?.length }, 'MCP tool list changed');
            },
          },
        },
      });
      const transport = new StreamableHTTPClientTransport(new URL(this.target.url), {
        requestInit: { headers: this.target.headers },
        ...(this.target.authProvider ? { authProvider: this.target.authProvider } : {}),
      });
      await client.connect(transport, { timeout: timeoutMs });
      return client;
    })();
    return this.client;
  }
}
