import type { KnowledgeConfig, KnowledgeSourceConfig } from './knowledge-schema.js';

/** A variable a source reads its credentials from: which setting names it, and whether its value is a secret. */
interface NamedVariable {
  field: string;
  name: string;
  secret: boolean;
}

function namedBy(s: KnowledgeSourceConfig): NamedVariable[] {
  switch (s.kind) {
    case 'confluence':
      return [
        { field: 'email_env', name: s.email_env, secret: false },
        { field: 'token_env', name: s.token_env, secret: true },
      ];
    case 'notion':
      return [{ field: 'token_env', name: s.token_env, secret: true }];
    case 'zendesk_guide':
      return [
        ...(s.auth === 'api_token' ? [{ field: 'email_env', name: s.email_env, secret: false }] : []),
        { field: 'token_env', name: s.token_env, secret: true },
      ];
    case 'google_drive':
      return [{ field: 'credentials_env', name: s.credentials_env, secret: true }];
    default:
      return [];
  }
}

/**
 * The values of the variables knowledge.sources names (emails, tokens, keys), which only the source providers read:
 * the validated environment keeps only the variables it knows, as for mcp.servers.
 */
export function knowledgeEnv(config: KnowledgeConfig, source: NodeJS.ProcessEnv): Record<string, string> {
  const names = config.sources.flatMap((s) => namedBy(s).map((v) => v.name));
  return Object.fromEntries(names.flatMap((n) => (source[n] ? [[n, source[n]]] : [])));
}

/** The variables among those whose values are secrets, for the logger to scrub whatever they are called. */
export function knowledgeSecretNames(config: KnowledgeConfig): string[] {
  return [
    ...new Set(
      config.sources.flatMap((s) =>
        namedBy(s)
          .filter((v) => v.secret)
          .map((v) => v.name),
      ),
    ),
  ];
}
