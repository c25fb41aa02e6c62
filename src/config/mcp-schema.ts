import { z } from 'zod';

/**
 * A server label prefixes its tools' names (`label__tool`), so it may not contain `__` or end in `_`: two servers
 * then cannot produce the same name, and no built-in tool (they have no `__`) can be shadowed.
 */
export const MCP_LABEL = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const label = z
  .string()
  .max(20)
  .regex(MCP_LABEL, { error: 'labels are lower-case letters and digits with single underscores, such as jira' });
const envName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'must name an environment variable, such as JIRA_MCP_TOKEN' });

export const mcpServerSchema = z
  .object({
    label: label.describe('Short name of the server; its tools are offered as label__tool.'),
    url: z
      .url({ error: 'must be the http(s) URL of the server’s Streamable HTTP endpoint' })
      .refine((u) => /^https?:/.test(u), { error: 'must use http or https' })
      .describe('The server’s Streamable HTTP endpoint, such as https://mcp.example.com/mcp.'),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/, { error: 'header names are letters, digits and dashes' }), envName)
      .default({})
      .describe(
        'HTTP headers sent to the server. Each value NAMES an environment variable holding the header’s value (never a literal secret).',
      ),
    allowed_tools: z
      .array(z.string().min(1))
      .optional()
      .describe('Only these tools of the server are offered (by their name on the server). Unset: all of them.'),
    read_only_tools: z
      .union([z.literal('annotated'), z.array(z.string().min(1))])
      .default([])
      .describe(
        'Tools that only read and run without a click: their names, or "annotated" to trust the server’s readOnlyHint. Every other tool needs the asker’s approval on a card.',
      ),
    auth: z
      .enum(['none', 'bearer', 'per_user_oauth'])
      .default('none')
      .describe(
        'none: only the headers; bearer: Authorization: Bearer from token_env; per_user_oauth: each Slack user signs in (OAuth 2.1 with PKCE) and calls run with their own token.',
      ),
    token_env: envName.optional().describe('For auth: bearer, the environment variable holding the token.'),
    client_id: z
      .string()
      .min(1)
      .optional()
      .describe(
        'For per_user_oauth: a client id registered with the server’s authorization server; unset, Threadwise registers itself (dynamic client registration).',
      ),
    client_secret_env: envName
      .optional()
      .describe('For per_user_oauth with client_id: the environment variable holding its secret, if it has one.'),
    scope: z.string().min(1).optional().describe('For per_user_oauth: the OAuth scope to ask for.'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.auth === 'bearer' && !s.token_env)
      ctx.addIssue({ code: 'custom', path: ['token_env'], message: 'is required with auth: bearer' });
    if (s.auth !== 'bearer' && s.token_env)
      ctx.addIssue({ code: 'custom', path: ['token_env'], message: 'is only used with auth: bearer' });
    if (s.auth !== 'per_user_oauth' && (s.client_id || s.client_secret_env || s.scope))
      ctx.addIssue({
        code: 'custom',
        path: ['auth'],
        message: 'client_id, client_secret_env and scope are only used with auth: per_user_oauth',
      });
  });

export const mcpSchema = z
  .object({
    servers: z
      .array(mcpServerSchema)
      .default([])
      .superRefine((servers, ctx) => {
        const seen = new Set<string>();
        servers.forEach((s, i) => {
          if (seen.has(s.label))
            ctx.addIssue({ code: 'custom', path: [i, 'label'], message: `label ${s.label} is used twice` });
          seen.add(s.label);
        });
      })
      .describe('MCP servers whose tools the model may use (Streamable HTTP).'),
    hosted: z
      .boolean()
      .optional()
      .describe(
        'Let the server behind OPENAI_BASE_URL call the MCP servers itself (Responses `mcp` tools). Unset: where it runs hosted tools (openai.compat). per_user_oauth servers are always called by Threadwise, so user tokens stay here.',
      ),
    list_timeout_ms: z
      .number()
      .int()
      .min(500)
      .max(60_000)
      .default(5_000)
      .describe('Time a server gets to connect and list its tools before the turn goes on without it (one notice).'),
  })
  .strict();

export type McpServerConfig = z.infer<typeof mcpServerSchema>;
export type McpConfig = z.infer<typeof mcpSchema>;

/** Environment variables the MCP servers name that are not set (names only, never values). */
export function mcpEnvProblems(config: McpConfig, source: NodeJS.ProcessEnv): string[] {
  return config.servers.flatMap((s) => {
    const named = [
      ...Object.entries(s.headers).map(([h, v]) => [`mcp.servers ${s.label} header ${h}`, v] as const),
      ...(s.token_env ? [[`mcp.servers ${s.label} token_env`, s.token_env] as const] : []),
      ...(s.client_secret_env ? [[`mcp.servers ${s.label} client_secret_env`, s.client_secret_env] as const] : []),
    ];
    return named.filter(([, v]) => !source[v]).map(([where, v]) => `${v} is not set (named by ${where})`);
  });
}

/** What per_user_oauth needs from the environment: a callback URL and a key to seal the tokens with. */
export function mcpSignInProblems(config: McpConfig, source: NodeJS.ProcessEnv): string[] {
  const servers = config.servers.filter((s) => s.auth === 'per_user_oauth').map((s) => s.label);
  if (!servers.length) return [];
  const problems: string[] = [];
  if (!source.THREADWISE_PUBLIC_URL)
    problems.push(
      `THREADWISE_PUBLIC_URL is required for auth: per_user_oauth (${servers.join(', ')}): the public URL of this bot, where sign-ins come back to`,
    );
  if (!source.THREADWISE_ENCRYPTION_KEY)
    problems.push(
      `THREADWISE_ENCRYPTION_KEY is required for auth: per_user_oauth (${servers.join(', ')}): people's tokens are kept encrypted with it`,
    );
  return problems;
}

/** The values of the environment variables the servers name, which only the MCP adapter reads. */
export function mcpSecrets(config: McpConfig, source: NodeJS.ProcessEnv): Record<string, string> {
  const names = config.servers.flatMap((s) => [
    ...Object.values(s.headers),
    ...(s.token_env ? [s.token_env] : []),
    ...(s.client_secret_env ? [s.client_secret_env] : []),
  ]);
  return Object.fromEntries(names.flatMap((n) => (source[n] ? [[n, source[n]]] : [])));
}

/** Channel lists naming a server that mcp.servers does not define. */
export function mcpLabelProblems(file: {
  mcp: McpConfig;
  defaults: { mcp_servers?: string[] };
  dm: { mcp_servers?: string[] };
  channels: Record<string, { mcp_servers?: string[] }>;
}): string[] {
  const known = new Set(file.mcp.servers.map((s) => s.label));
  const lists: Array<[string, string[] | undefined]> = [
    ['defaults', file.defaults.mcp_servers],
    ['dm', file.dm.mcp_servers],
    ...Object.entries(file.channels).map(([id, c]): [string, string[] | undefined] => [
      `channels.${id}`,
      c.mcp_servers,
    ]),
  ];
  return lists.flatMap(([where, list]) =>
    (list ?? [])
      .filter((l) => !known.has(l))
      .map((l) => `${where}.mcp_servers names ${l}, which is not a label in mcp.servers`),
  );
}
