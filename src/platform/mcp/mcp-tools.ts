import type { Logger } from 'pino';
import { z } from 'zod';
import { type AnyTool, defineTool, type ToolContext, ToolError } from '../tools/types.js';
import type { CallToolResult, McpToolInfo } from './connection.js';
import { toStrictToolSchema, withoutAddedNulls } from './strict-schema.js';

/** OpenAI's function names: letters, digits, `_` and `-`, at most 64. */
const NAME_MAX = 64;

/** What a server's tools need to run: its settings, how to call it, and how a write asks the asker. */
export interface McpToolOptions {
  label: string;
  allowedTools?: readonly string[];
  readOnlyTools: 'annotated' | readonly string[];
  /** Calls the server as the asker (their own token, or the shared headers). */
  call(ctx: ToolContext, name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult>;
  /** Files a write for the asker's click (the approval card); resolves once the card is shown. */
  requestApproval(ctx: ToolContext, call: McpWrite): Promise<{ expiresAt: number }>;
}

/** A write the model asked for, waiting for the asker's click. */
export interface McpWrite {
  server: string;
  /** The namespaced function name the model used (label__tool). */
  name: string;
  /** The tool's own name on the server. */
  tool: string;
  args: Record<string, unknown>;
}

/** `label__tool`, with characters function names may not carry replaced; undefined when it does not fit. */
export function namespacedName(label: string, tool: string): string | undefined {
  const name = `${label}__${tool.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return name.length <= NAME_MAX ? name : undefined;
}

export const isReadOnly = (info: McpToolInfo, readOnly: McpToolOptions['readOnlyTools']) =>
  readOnly === 'annotated' ? info.annotations?.readOnlyHint === true : readOnly.includes(info.name);

/** The text and structured parts of a result; images and other binary parts are named, not sent. */
function resultData(result: CallToolResult, maxChars: number): unknown {
  const parts = (result.content ?? []).map((c) => {
    if (c.type === 'text') return c.text.length > maxChars ? `${c.text.slice(0, maxChars)}…` : c.text;
    if (c.type === 'resource_link') return `[resource ${c.uri}]`;
    if (c.type === 'resource')
      return 'text' in c.resource ? c.resource.text.slice(0, maxChars) : `[resource ${c.resource.uri}]`;
    return `[${c.type} content not shown]`;
  });
  return {
    ...(parts.length ? { content: parts.join('\n') } : {}),
    ...(result.structuredContent ? { structured: result.structuredContent } : {}),
  };
}

/**
 * One server's tools as function tools of the registry, named `label__tool` so no server can shadow another or a
 * built-in. Reads run at once; every other tool only files an approval until the asker has clicked Approve for
 * that very call (`ctx.approvedBy`, set by the server, never by the model).
 */
export function mcpTools(infos: readonly McpToolInfo[], o: McpToolOptions, log: Logger): AnyTool[] {
  const seen = new Set<string>();
  const out: AnyTool[] = [];
  for (const info of infos) {
    if (o.allowedTools && !o.allowedTools.includes(info.name)) continue;
    const name = namespacedName(o.label, info.name);
    if (!name || seen.has(name)) {
      log.warn(
        { server: o.label, tool: info.name },
        'MCP tool left out: its name does not fit or collides after namespacing',
      );
      continue;
    }
    seen.add(name);
    const converted = toStrictToolSchema(info.inputSchema);
    if (!converted.strict)
      log.warn(
        { server: o.label, tool: info.name, problem: converted.problem },
        'MCP tool offered non-strict: its schema cannot be strict',
      );
    const readOnly = isReadOnly(info, o.readOnlyTools);
    const description = `[${o.label}${readOnly ? '' : ', needs the asking user’s approval'}] ${info.description ?? info.title ?? info.name}`;
    out.push(
      defineTool({
        name,
        server: o.label,
        description: description.slice(0, 1_000),
        // The server validates its own arguments; here they only have to be one JSON object.
        parameters: z.looseObject({}),
        jsonSchema: { schema: converted.schema, strict: converted.strict },
        progress: () => ({ step: readOnly ? 'mcp_ask' : 'mcp_prepare', values: { server: o.label, tool: info.name } }),
        authorize() {},
        async run(ctx, raw, signal) {
          const args = withoutAddedNulls(raw, info.inputSchema) as Record<string, unknown>;
          if (!readOnly && !ctx.approvedBy) {
            const { expiresAt } = await o.requestApproval(ctx, { server: o.label, name, tool: info.name, args });
            return { awaiting: true, expiresAt };
          }
          const result = await o.call(ctx, info.name, args, signal);
          if (result.isError) {
            const text = (result.content ?? [])
              .flatMap((c) => (c.type === 'text' ? [c.text] : []))
              .join(' ')
              .slice(0, 500);
            throw new ToolError('upstream_error', {
              model: `${o.label} answered with an error: ${text || 'no details'}`,
              user: { key: 'tools.error.server_error', values: { server: o.label, detail: text || 'none' } },
            });
          }
          return { awaiting: false, result };
        },
        format(out, maxChars) {
          const r = out as { awaiting: true; expiresAt: number } | { awaiting: false; result: CallToolResult };
          if (r.awaiting)
            return {
              status: 'awaiting_approval',
              approval_expires_at: new Date(r.expiresAt).toISOString(),
              note: 'Nothing has run yet. An approval card is in the thread; the tool runs only if the asking user clicks Approve, and the outcome will appear in the thread.',
            };
          return resultData(r.result, maxChars);
        },
      }),
    );
  }
  return out;
}
