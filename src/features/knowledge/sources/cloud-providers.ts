import type { KnowledgeSourceConfig } from '../../../config/knowledge-schema.js';
import type { KnowledgeProvider } from '../contracts.js';
import { ConfluenceProvider } from './confluence.js';
import { GoogleDriveProvider, type SourceLog } from './google-drive.js';
import { parseServiceAccountKey } from './google-service-account.js';
import { NotionProvider } from './notion.js';
import { SourceError } from './source-http.js';
import { ZendeskGuideProvider } from './zendesk-guide.js';

export const CLOUD_KINDS = ['confluence', 'notion', 'zendesk_guide', 'google_drive'] as const;
export type CloudSourceConfig = Extract<KnowledgeSourceConfig, { kind: (typeof CLOUD_KINDS)[number] }>;

export function isCloudSource(config: KnowledgeSourceConfig): config is CloudSourceConfig {
  return (CLOUD_KINDS as readonly string[]).includes(config.kind);
}

export interface CloudProviderDeps {
  /** Values of the variables the sources name (`Config.knowledgeEnv`): their credentials. */
  env: Readonly<Record<string, string | undefined>>;
  log: SourceLog;
  /** Injected in tests that drive time themselves. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * The provider behind one Confluence, Notion, Zendesk Guide or Google Drive source. A credential that is missing
 * or malformed does not stop the bot: the provider is built anyway and each sync fails saying which variable to
 * set, so the source shows as broken (App Home, /readyz) while the others keep syncing.
 */
export function cloudProviderFor(config: CloudSourceConfig, deps: CloudProviderDeps): KnowledgeProvider {
  try {
    return build(config, deps);
  } catch (err) {
    if (!(err instanceof SourceError)) throw err;
    return {
      name: config.name,
      kind: config.kind,
      changes: () => Promise.reject(err),
    };
  }
}

function build(c: CloudSourceConfig, deps: CloudProviderDeps): KnowledgeProvider {
  const read = (field: string, envName: string) => {
    const value = deps.env[envName]?.trim();
    if (!value)
      throw new SourceError('auth', `${envName} is not set (named by knowledge.sources "${c.name}" ${field})`);
    return value;
  };
  switch (c.kind) {
    case 'confluence':
      return new ConfluenceProvider({
        name: c.name,
        site: c.site,
        spaces: c.spaces,
        email: read('email_env', c.email_env),
        token: read('token_env', c.token_env),
        emailEnv: c.email_env,
        tokenEnv: c.token_env,
        sleep: deps.sleep,
      });
    case 'notion':
      return new NotionProvider({
        name: c.name,
        token: read('token_env', c.token_env),
        tokenEnv: c.token_env,
        databases: c.databases,
        sleep: deps.sleep,
      });
    case 'zendesk_guide':
      return new ZendeskGuideProvider({
        name: c.name,
        subdomain: c.subdomain,
        locale: c.locale,
        auth:
          c.auth === 'oauth'
            ? { kind: 'oauth', token: read('token_env', c.token_env) }
            : { kind: 'api_token', email: read('email_env', c.email_env), token: read('token_env', c.token_env) },
        emailEnv: c.email_env,
        tokenEnv: c.token_env,
        sleep: deps.sleep,
      });
    case 'google_drive':
      return new GoogleDriveProvider({
        name: c.name,
        folderId: c.folder_id,
        key: parseServiceAccountKey(read('credentials_env', c.credentials_env), c.credentials_env),
        credentialsEnv: c.credentials_env,
        log: deps.log,
        sleep: deps.sleep,
      });
  }
}
