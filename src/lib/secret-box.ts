import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (installation tokens, per-user OAuth tokens): AES-256-GCM from node:crypto, which is OpenSSL's
 * audited implementation, so no extra dependency is needed for the primitive itself.
 *
 * A sealed value is `tw1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts). The key id is a fingerprint of the key,
 * so records name the key that sealed them without anyone configuring ids, and rotation needs no migration step:
 * records open with whichever configured key matches, and `needsReseal` says which to write again.
 * `context` (e.g. the Redis key) is bound as associated data: a sealed token copied to another record fails to open.
 */

const VERSION = 'tw1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretKey {
  readonly id: string;
  readonly bytes: Buffer;
}

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

/** The fingerprint stored with each record: short, stable, and useless for recovering the key. */
export function keyId(bytes: Buffer): string {
  return createHash('sha256').update('threadwise-key-id:').update(bytes).digest('base64url').slice(0, 8);
}

/**
 * Reads a 256-bit key given as 64 hex characters or as base64/base64url of 32 bytes (`openssl rand -base64 32`).
 * The error never repeats the value.
 */
export function parseSecretKey(text: string, name: string): SecretKey {
  const trimmed = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) bytes = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(trimmed)) bytes = Buffer.from(trimmed, 'base64');
  if (bytes?.length !== 32) {
    throw new SecretBoxError(
      `${name} must be 32 random bytes as 64 hex characters or base64 (for example: openssl rand -base64 32)`,
    );
  }
  return { id: keyId(bytes), bytes };
}

export const isSealed = (value: string): boolean => value.startsWith(`${VERSION}.`);

export interface SecretBox {
  /** Id of the key new records are sealed with. */
  readonly currentKeyId: string;
  seal(plaintext: string, context: string): string;
  /** Throws SecretBoxError when no configured key sealed it, or when it was altered or moved to another context. */
  open(sealed: string, context: string): string;
  /** True when the record was sealed with an older key and should be written again with the current one. */
  needsReseal(sealed: string): boolean;
}

/** `keys[0]` seals; every key opens (the rest are previous keys kept during a rotation). */
export function createSecretBox(keys: readonly SecretKey[]): SecretBox {
  const current = keys[0];
  if (!current) throw new SecretBoxError('a secret box needs at least one key');
  const byId = new Map(keys.map((k) => [k.id, k]));

  const parts = (sealed: string) => {
    const [version, id, iv, body, ...rest] = sealed.split('.');
    if (version !== VERSION || !id || !iv || !body || rest.length > 0) {
      throw new SecretBoxError('not a sealed secret');
    }
    return { id, iv: Buffer.from(iv, 'base64url'), body: Buffer.from(body, 'base64url') };
  };

  return {
    currentKeyId: current.id,
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.bytes, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return [VERSION, current.id, iv.toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed, context) {
      const { id, iv, body } = parts(sealed);
      const key = byId.get(id);
      if (!key) throw new SecretBoxError(`sealed with key ${id}, which is not configured`);
      if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw new SecretBoxError('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new SecretBoxError(
          `sealed secret did not verify under key ${id} (altered, or stored under another record)`,
        );
      }
    },
    needsReseal: (sealed) => parts(sealed).id !== current.id,
  };
}
