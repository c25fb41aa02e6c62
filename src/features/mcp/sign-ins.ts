import { randomBytes } from 'node:crypto';
import { auth, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { z } from 'zod';
import type { McpServerConfig } from '../../config/mcp-schema.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { parseStored } from '../../lib/stored-json.js';
import type { ApprovalStore } from '../../platform/store/types.js';

// The SDK's OAuth shapes, read off the provider interface the SDK's auth() drives.
type OAuthClientMetadata = OAuthClientProvider['clientMetadata'];
type OAuthClientInformationMixed = NonNullable<Awaited<ReturnType<OAuthClientProvider['clientInformation']>>>;
type OAuthTokens = NonNullable<Awaited<ReturnType<OAuthClientProvider['tokens']>>>;

/** Tokens live as long as the person keeps using them; each save (refresh included) extends them. */
const TOKEN_TTL_SECONDS = 90 * 86_400;
/** A sign-in link is good for this long; within it, a second question does not send a second DM. */
export const FLOW_TTL_SECONDS = 600;
const CLIENT_TTL_SECONDS = 365 * 86_400;

/** Every record names its owner in the clear (forget-me finds it) and seals what is secret. */
const recordSchema = z.object({ teamId: z.string(), userId: z.string(), sealed: z.string() });
const flowSchema = z.object({
  server: z.string(),
  teamId: z.string(),
  userId: z.string(),
  verifier: z.string(),
  url: z.string(),
});
type Flow = z.infer<typeof flowSchema>;
export interface Person {
  teamId: string;
  userId: string;
}

const tokenId = (server: string, p: Person) => `token:${server}:${p.teamId}:${p.userId}`;
const linkId = (server: string, p: Person) => `link:${server}:${p.teamId}:${p.userId}`;
const flowId = (state: string) => `flow:${state}`;
const clientId = (server: string) => `client:${server}`;
// The server-wide client registration has no person; it is not anyone's data for forget-me.
const NOBODY: Person = { teamId: '', userId: '' };

/**
 * Per-person sign-ins to MCP servers: OAuth tokens, the dynamic client registration and flows in progress, sealed
 * with the secret box (AES-256-GCM, bound to their record's id) in the sign-in store. A record sealed with a
 * previous key opens during a rotation and is sealed again with the current one.
 */
export class SignInStore {
  constructor(
    private readonly store: ApprovalStore,
    private readonly box: SecretBox,
  ) {}

  async tokens(server: string, p: Person): Promise<OAuthTokens | undefined> {
    return this.read(tokenId(server, p), TOKEN_TTL_SECONDS) as Promise<OAuthTokens | undefined>;
  }
  saveTokens(server: string, p: Person, tokens: OAuthTokens): Promise<void> {
    return this.write(tokenId(server, p), p, tokens, TOKEN_TTL_SECONDS);
  }
  async forgetTokens(server: string, p: Person): Promise<void> {
    await this.store.take(tokenId(server, p));
    await this.store.take(linkId(server, p));
  }

  async client(server: string): Promise<OAuthClientInformationMixed | undefined> {
    return this.read(clientId(server), CLIENT_TTL_SECONDS) as Promise<OAuthClientInformationMixed | undefined>;
  }
  saveClient(server: string, info: OAuthClientInformationMixed): Promise<void> {
    return this.write(clientId(server), NOBODY, info, CLIENT_TTL_SECONDS);
  }
  async forgetClient(server: string): Promise<void> {
    await this.store.take(clientId(server));
  }

  saveFlow(state: string, flow: Flow): Promise<void> {
    return this.write(flowId(state), { teamId: flow.teamId, userId: flow.userId }, flow, FLOW_TTL_SECONDS);
  }
  /** A flow is used once: the callback takes it, so a replayed link cannot sign anyone in again. */
  async takeFlow(state: string): Promise<Flow | undefined> {
    const id = flowId(state);
    const record = parseStored(recordSchema, await this.store.take(id));
    if (!record) return undefined;
    return parseStored(flowSchema, this.box.open(record.sealed, id));
  }

  /** The link sent to a person for a server, while it is still good (so a second question sends no second DM). */
  async pendingLink(server: string, p: Person): Promise<string | undefined> {
    return (await this.read(linkId(server, p), FLOW_TTL_SECONDS)) as string | undefined;
  }
  async forgetLink(server: string, p: Person): Promise<void> {
    await this.store.take(linkId(server, p));
  }
  saveLink(server: string, p: Person, url: string): Promise<void> {
    return this.write(linkId(server, p), p, url, FLOW_TTL_SECONDS);
  }

  private async read(id: string, ttlSeconds: number): Promise<unknown> {
    const record = parseStored(recordSchema, await this.store.get(id));
    if (!record) return undefined;
    const value: unknown = JSON.parse(this.box.open(record.sealed, id));
    // A rotation: sealed with the previous key, it is written again with the current one.
    if (this.box.needsReseal(record.sealed)) await this.write(id, record, value, ttlSeconds);
    return value;
  }

  private async write(id: string, p: Person, value: unknown, ttlSeconds: number): Promise<void> {
    const record = { teamId: p.teamId, userId: p.userId, sealed: this.box.seal(JSON.stringify(value), id) };
    await this.store.put(id, JSON.stringify(record), ttlSeconds);
  }
}

export interface SignInOptions {
  /** The bot's public URL; the authorization server sends people back to `<it>/mcp/oauth/callback`. */
  publicUrl: string;
  /** Values of the environment variables the servers name (client secrets). */
  secrets: Record<string, string>;
}

export const CALLBACK_PATH = '/mcp/oauth/callback';

/**
 * The SDK's OAuth client provider for one person and one server: the SDK does discovery, dynamic client
 * registration, PKCE, the code exchange and refreshes; this only keeps what it hands over, sealed, per person.
 */
export class PersonOAuthProvider implements OAuthClientProvider {
  /** Where the SDK sent the person, when it had to start a sign-in. */
  authorizationUrl?: URL;
  private verifier?: string;
  private flowState?: string;

  constructor(
    private readonly server: McpServerConfig,
    private readonly person: Person,
    private readonly store: SignInStore,
    private readonly o: SignInOptions,
    flow?: { state: string; verifier: string },
  ) {
    this.flowState = flow?.state;
    this.verifier = flow?.verifier;
  }

  get redirectUrl(): string {
    return new URL(CALLBACK_PATH, this.o.publicUrl).toString();
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'Threadwise',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...(this.server.scope ? { scope: this.server.scope } : {}),
    };
  }

  state(): string {
    this.flowState ??= randomBytes(24).toString('base64url');
    return this.flowState;
  }

  async clientInformation(): Promise<OAuthClientInformationMixed | undefined> {
    if (this.server.client_id) {
      const secret = this.server.client_secret_env ? this.o.secrets[this.server.client_secret_env] : undefined;
      return { client_id: this.server.client_id, ...(secret ? { client_secret: secret } : {}) };
    }
    return this.store.client(this.server.label);
  }

  saveClientInformation(info: OAuthClientInformationMixed): Promise<void> {
    return this.store.saveClient(this.server.label, info);
  }

  tokens(): Promise<OAuthTokens | undefined> {
    return this.store.tokens(this.server.label, this.person);
  }

  saveTokens(tokens: OAuthTokens): Promise<void> {
    return this.store.saveTokens(this.server.label, this.person, tokens);
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    this.authorizationUrl = url;
    await this.store.saveFlow(this.state(), {
      server: this.server.label,
      ...this.person,
      verifier: this.verifier ?? '',
      url: url.toString(),
    });
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('no PKCE verifier for this sign-in');
    return this.verifier;
  }

  /** The server refused what it was given (revoked, expired beyond refresh): forget it, so the person signs in again. */
  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    if (scope === 'all' || scope === 'tokens') await this.store.forgetTokens(this.server.label, this.person);
    if ((scope === 'all' || scope === 'client') && !this.server.client_id)
      await this.store.forgetClient(this.server.label);
  }
}

/**
 * Starts a sign-in for a person without tokens: the SDK discovers the authorization server (RFC 9728 / 8414),
 * registers Threadwise where it offers dynamic registration, and builds the PKCE authorization URL. Returns the
 * link to send, or undefined when the person turned out to be signed in after all.
 */
export async function startSignIn(provider: PersonOAuthProvider, serverUrl: string): Promise<URL | undefined> {
  const result = await auth(provider, { serverUrl });
  return result === 'REDIRECT' ? provider.authorizationUrl : undefined;
}

/** Finishes a sign-in on the callback: exchanges the code (with the flow's PKCE verifier) for the person's tokens. */
export async function finishSignIn(provider: PersonOAuthProvider, serverUrl: string, code: string): Promise<boolean> {
  return (await auth(provider, { serverUrl, authorizationCode: code })) === 'AUTHORIZED';
}
