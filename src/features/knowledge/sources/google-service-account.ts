import { z } from 'zod';
import { SourceError, SourceHttp } from './source-http.js';

/** The fields of a service account's JSON key (IAM → Service accounts → Keys → JSON) that signing in needs. */
const keySchema = z.object({
  type: z.literal('service_account'),
  client_email: z.string().min(1),
  private_key: z.string().includes('PRIVATE KEY'),
  private_key_id: z.string().optional(),
  token_uri: z.url().default('https://oauth2.googleapis.com/token'),
});
export type ServiceAccountKey = z.infer<typeof keySchema>;

const tokenSchema = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });

/** Reads the key from its environment variable's value; the message names the variable, never the value. */
export function parseServiceAccountKey(raw: string, envName: string): ServiceAccountKey {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new SourceError('auth', `${envName} is not JSON: it must hold the service account's JSON key itself`);
  }
  const parsed = keySchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') || '(root)';
    throw new SourceError(
      'auth',
      `${envName} is not a service account key (at ${where}): create a JSON key for the service account and put the whole file in it`,
    );
  }
  return parsed.data;
}

export interface ServiceAccountTokenOptions {
  key: ServiceAccountKey;
  scope: string;
  /** How messages name the source and the variable holding the key. */
  label: string;
  envName: string;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * OAuth access tokens for a service account (the JWT bearer grant, RFC 7523): a JWT signed RS256 with the account's
 * private key is exchanged at its token_uri. jose signs it — no dependencies and Web Crypto underneath — where
 * google-auth-library and gtoken would bring gaxios and make the token request outside the one retry helper.
 * A token is reused until a minute before it expires.
 */
export class ServiceAccountTokens {
  private cached?: { token: string; until: number };
  private readonly http: SourceHttp;
  private readonly now: () => number;

  constructor(private readonly o: ServiceAccountTokenOptions) {
    this.now = o.now ?? Date.now;
    this.http = new SourceHttp({
      label: o.label,
      baseUrl: new URL(o.key.token_uri).origin,
      auth: () => ({}),
      check401: `the key in ${o.envName}`,
      check403: `the key in ${o.envName}`,
      sleep: o.sleep,
    });
  }

  async token(signal: AbortSignal): Promise<string> {
    if (this.cached && this.cached.until > this.now()) return this.cached.token;
    const issuedAt = Math.floor(this.now() / 1000);
    const assertion = await this.sign(issuedAt);
    let res: z.infer<typeof tokenSchema>;
    try {
      res = await this.http.json(
        {
          method: 'POST',
          path: this.o.key.token_uri,
          form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion },
          what: 'an access token',
          signal,
        },
        tokenSchema,
      );
    } catch (err) {
      // Google answers a revoked or deleted key, or a clock far off, with 400 invalid_grant.
      if (err instanceof SourceError && (err.status === 400 || err.status === 401))
        throw new SourceError(
          'auth',
          `${this.o.label} could not sign in with the service account key in ${this.o.envName} (HTTP ${err.status}): check that the key still exists on the service account and that this machine's clock is right`,
          err.status,
        );
      throw err;
    }
    this.cached = { token: res.access_token, until: this.now() + (res.expires_in - 60) * 1000 };
    return res.access_token;
  }

  private async sign(issuedAt: number): Promise<string> {
    const { SignJWT, importPKCS8 } = await import('jose');
    let key: Awaited<ReturnType<typeof importPKCS8>>;
    try {
      key = await importPKCS8(this.o.key.private_key, 'RS256');
    } catch {
      throw new SourceError('auth', `${this.o.envName} holds a private_key that is not a PKCS #8 RSA key`);
    }
    return new SignJWT({ scope: this.o.scope })
      .setProtectedHeader({
        alg: 'RS256',
        typ: 'JWT',
        ...(this.o.key.private_key_id ? { kid: this.o.key.private_key_id } : {}),
      })
      .setIssuer(this.o.key.client_email)
      .setAudience(this.o.key.token_uri)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + 3600)
      .sign(key);
  }
}
